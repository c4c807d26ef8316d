import Glibc

/// Reads a file's text for the index: binary files (a NUL byte in the first 8 KiB, or a hole: sparse files read as
/// NUL bytes there) and files over the size cap are kept by name only; invalid UTF-8 is decoded leniently (U+FFFD).
/// A NUL byte past the probed prefix is indexed as a space (see `indexableText`).
package struct ContentExtractor: Sendable {
    /// What became of a file's content.
    package enum Content: Sendable, Equatable {
        case text(String)
        case binary(nulOffset: Int)
        case tooLarge
        /// Could not be opened or read (permissions, vanished, not regular any more): kept by name.
        case unreadable(errno: Int32)

        /// Stored in the index so `explain` and status can tell the states apart.
        package var stateCode: Int {
            switch self {
            case .text: 0
            case .binary: 1
            case .tooLarge: 2
            case .unreadable: 3
            }
        }

        package var text: String {
            if case .text(let text) = self { return text }
            return ""
        }
    }

    /// How many leading bytes are checked for a NUL byte.
    package static let binaryProbeBytes = 8192
    private static let chunkBytes = 1 << 16

    package let maxFileSize: Int64

    package init(maxFileSize: Int64) {
        self.maxFileSize = maxFileSize
    }

    /// Reads the file. Checks for cancellation between chunks, so a huge read stops when its pass is superseded.
    /// With `root`, no symlink between the root and the file is followed (see `read`).
    /// `directory`, when it holds `path`, saves walking down from the root again.
    package func extract(
        _ path: BytePath,
        size: Int64,
        root: BytePath? = nil,
        in directory: OpenDirectory? = nil
    ) throws(CancellationError) -> Content {
        if size > maxFileSize { return .tooLarge }
        switch try Self.read(path, limit: maxFileSize, stopAtNUL: true, root: root, in: directory) {
        case .bytes(let bytes): return .text(Self.indexableText(bytes))
        case .nul(let offset): return .binary(nulOffset: offset)
        case .tooLarge: return .tooLarge
        case .failed(let code): return .unreadable(errno: code)
        }
    }

    /// The outcome of reading a file.
    package enum ReadOutcome: Sendable, Equatable {
        case bytes([UInt8])
        /// A NUL byte within the first `binaryProbeBytes`, or a hole anywhere (only with `stopAtNUL`).
        case nul(offset: Int)
        case tooLarge
        case failed(errno: Int32)
    }

    /// Reads a regular file of at most `limit` bytes, without following symlinks or blocking on FIFOs. With `root`,
    /// no directory between the root and the file may be a symlink either (`NoFollowOpen`, one component at a time,
    /// which also reaches paths longer than PATH_MAX); without it, only the last component is not followed. With
    /// `stopAtNUL`, a sparse file is not read at all: its first hole counts as the first NUL byte (a hole reads as
    /// zeros, and a file's size can be far beyond its disk use). A `directory` opened that way that holds `path`
    /// stands for the walk from the root.
    package static func read(
        _ path: BytePath,
        limit: Int64,
        stopAtNUL: Bool,
        root: BytePath? = nil,
        in directory: OpenDirectory? = nil
    ) throws(CancellationError) -> ReadOutcome {
        // O_NONBLOCK: if the file was swapped for a FIFO since lstat, opening must not hang.
        let flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK
        let descriptor: Int32
        if let directory, directory.holds(path) {
            descriptor = directory.open(entry: path.lastComponent, flags: flags)
            guard descriptor >= 0 else { return .failed(errno: errno) }
        } else if let root {
            do { descriptor = try NoFollowOpen.open(path, root: root, flags: flags) } catch {
                return .failed(errno: error.code)
            }
        } else {
            descriptor = path.withDescriptorPath { openat($0, $1, flags) } ?? -1
            guard descriptor >= 0 else { return .failed(errno: errno) }
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return .failed(errno: EINVAL) }
        if Int64(info.st_size) > limit { return .tooLarge }
        if stopAtNUL {
            let hole = lseek(descriptor, 0, LinuxConstants.seekHole)
            if hole >= 0, hole < info.st_size { return .nul(offset: Int(hole)) }
            guard lseek(descriptor, 0, SEEK_SET) == 0 else { return .failed(errno: errno) }
        }

        let limit = Int(limit)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(min(Int(info.st_size), limit) + 1)
        var chunk = [UInt8](repeating: 0, count: chunkBytes)
        while bytes.count <= limit {
            if Task.isCancelled { throw CancellationError() }
            let wanted = min(chunkBytes, limit + 1 - bytes.count)
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, wanted) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failed(errno: errno)
            }
            if count == 0 { break }
            let probed = bytes.count < binaryProbeBytes
            bytes.append(contentsOf: chunk[..<count])
            if stopAtNUL, probed, let nul = nulOffset(in: bytes) { return .nul(offset: nul) }
        }
        // The file may have grown past the cap since fstat.
        return bytes.count > limit ? .tooLarge : .bytes(bytes)
    }

    /// The file's text as the index keeps it. SQLite's text binding and snippets end a string at its first NUL, so
    /// everything after a NUL byte past the probed prefix would be lost; a space in its place is what the tokenizer
    /// made of the NUL anyway (a separator).
    static func indexableText(_ bytes: [UInt8]) -> String {
        // Checked read-only first: most files have no NUL, and a mutable view of an array still shared would copy it.
        let hasNUL = bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return false }
            return memchr(base, 0, buffer.count) != nil
        }
        guard hasNUL else { return String(decoding: bytes, as: UTF8.self) }
        return String(decoding: bytes.map { $0 == 0 ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
    }

    /// The offset of the first NUL byte within the probed prefix.
    package static func nulOffset(in bytes: [UInt8]) -> Int? {
        bytes.prefix(binaryProbeBytes).firstIndex(of: 0)
    }
}
