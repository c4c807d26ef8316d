import Glibc

/// Linux values that Glibc's Swift module hides behind `_GNU_SOURCE`.
enum LinuxConstants {
    /// `O_PATH`: a descriptor that only names a place in the tree (search permission is enough).
    static let openPath: Int32 = 0o10000000
    /// `SEEK_HOLE` for `lseek`.
    static let seekHole: Int32 = 4
}

extension BytePath {
    /// The longest path one system call takes, its terminating NUL included.
    static let systemPathLimit = Int(PATH_MAX)

    /// Calls `body` with a directory descriptor and a path relative to it that together name `self`, for the `*at`
    /// system calls. A path that fits in `PATH_MAX` is passed whole, with `AT_FDCWD`. A longer one (a deep tree
    /// makes them: the kernel limits each call, not the tree) is reached by opening its ancestors a part at a time.
    /// Returns nil with `errno` set, without calling `body`, when an ancestor cannot be opened.
    package func withDescriptorPath<T>(_ body: (Int32, UnsafePointer<CChar>) throws -> T) rethrows -> T? {
        if bytes.count < Self.systemPathLimit { return try withCString { try body(AT_FDCWD, $0) } }
        var descriptor = AT_FDCWD
        var start = 0
        defer {
            if descriptor != AT_FDCWD {
                let code = errno  // what `body` failed with, if it did
                close(descriptor)
                errno = code
            }
        }
        while bytes.count - start >= Self.systemPathLimit {
            // The longest run of whole components that one call takes (a component is at most 255 bytes).
            let window = bytes[start..<(start + Self.systemPathLimit - 1)]
            guard let cut = window.lastIndex(of: Self.slash), cut > start else {
                errno = ENAMETOOLONG
                return nil
            }
            let part = Array(bytes[start..<cut]) + [0]
            let next = part.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) {
                    openat(descriptor, $0.baseAddress!, LinuxConstants.openPath | O_DIRECTORY | O_CLOEXEC)
                }
            }
            let code = errno
            if descriptor != AT_FDCWD { close(descriptor) }
            descriptor = next
            guard next >= 0 else {
                descriptor = AT_FDCWD
                errno = code
                return nil
            }
            start = cut + 1
        }
        let rest = Array(bytes[start...]) + [0]
        return try rest.withUnsafeBufferPointer { buffer in
            try buffer.withMemoryRebound(to: CChar.self) { try body(descriptor, $0.baseAddress!) }
        }
    }
}
