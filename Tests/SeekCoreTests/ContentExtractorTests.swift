import Foundation
import Testing

@testable import SeekCore

/// What the index gets of a file: text, or binary/too large/unreadable (name only), without hanging or
/// following links, and stopping when its task is cancelled.
@Suite struct ContentExtractorTests {
    static let megabyte: Int64 = 1 << 20

    /// Writes `bytes` to a fresh file and extracts it with the given cap, passing the file's true size.
    static func extract(_ bytes: [UInt8], maxFileSize: Int64 = megabyte) throws -> ContentExtractor.Content {
        try withTemporaryDirectory { directory in
            let file = try directory.write("file", bytes)
            return try ContentExtractor(maxFileSize: maxFileSize).extract(file, size: Int64(bytes.count))
        }
    }

    /// `count` bytes of printable ASCII with NUL bytes at `nuls`.
    static func bytes(count: Int, nuls: [Int] = []) -> [UInt8] {
        var bytes = (0..<count).map { UInt8(ascii: "a") + UInt8($0 % 26) }
        for offset in nuls { bytes[offset] = 0 }
        return bytes
    }

    @Test func textFileIsText() throws {
        #expect(try Self.extract(Array("hello\nwörld 🙂\n".utf8)) == .text("hello\nwörld 🙂\n"))
    }

    @Test func emptyFileIsEmptyText() throws {
        #expect(try Self.extract([]) == .text(""))
        #expect(try Self.extract([], maxFileSize: 0) == .text(""))
    }

    // MARK: Binary

    @Test(arguments: [0, 1, 100, 4095, 8190, 8191])
    func nulInTheFirst8KiBMakesTheFileBinaryAtThatOffset(offset: Int) throws {
        #expect(try Self.extract(Self.bytes(count: 20_000, nuls: [offset])) == .binary(nulOffset: offset))
    }

    @Test(arguments: [0, 1, 8191])
    func nulAsTheLastByteOfASmallFileIsFound(offset: Int) throws {
        #expect(try Self.extract(Self.bytes(count: offset + 1, nuls: [offset])) == .binary(nulOffset: offset))
    }

    /// The text after such a NUL byte is indexed too: the NUL becomes a space, since SQLite would end the text there.
    @Test(arguments: [8192, 8193, 65_535, 65_536, 100_000])
    func nulAfterTheFirst8KiBLeavesTheFileTextWithASpaceForIt(offset: Int) throws {
        var bytes = Self.bytes(count: 150_000, nuls: [offset])
        let content = try Self.extract(bytes)
        bytes[offset] = UInt8(ascii: " ")
        #expect(content == .text(String(decoding: bytes, as: UTF8.self)))
    }

    @Test func everyNulPastTheProbeBecomesASpace() throws {
        let bytes = Self.bytes(count: 9000, nuls: [8192, 8193, 8999])
        #expect(!Array(try Self.extract(bytes).text.utf8).contains(0))
        #expect(ContentExtractor.indexableText([0, 0x61, 0, 0]) == " a  ")
        #expect(ContentExtractor.indexableText([]) == "")
    }

    @Test func firstNulIsReported() throws {
        #expect(try Self.extract(Self.bytes(count: 10_000, nuls: [9000, 300, 20])) == .binary(nulOffset: 20))
    }

    @Test func nulOffsetLooksOnlyAtTheProbedPrefix() {
        #expect(ContentExtractor.nulOffset(in: [1, 2, 0, 0]) == 2)
        #expect(ContentExtractor.nulOffset(in: [UInt8](repeating: 1, count: 8192) + [0]) == nil)
        #expect(ContentExtractor.nulOffset(in: []) == nil)
    }

    @Test func readWithoutStoppingAtNulKeepsEveryByte() throws {
        let bytes = Self.bytes(count: 70_000, nuls: [0, 5, 69_999])
        let outcome = try withTemporaryDirectory { directory in
            try ContentExtractor.read(directory.write("f", bytes), limit: Self.megabyte, stopAtNUL: false)
        }
        #expect(outcome == .bytes(bytes))
    }

    // MARK: Size cap

    static let sizes: [(cap: Int64, size: Int, fits: Bool)] = [
        (1000, 999, true),
        (1000, 1000, true),
        (1000, 1001, false),
        (0, 1, false),
        (1, 1, true),
        // Across several 64 KiB chunks.
        (200_000, 200_000, true),
        (200_000, 200_001, false),
        (65_536, 65_536, true),
        (65_536, 65_537, false),
    ]

    @Test(arguments: sizes)
    func fileAtTheCapIsTextAndOneByteOverIsTooLarge(cap: Int64, size: Int, fits: Bool) throws {
        let bytes = Self.bytes(count: size)
        let content = try Self.extract(bytes, maxFileSize: cap)
        #expect(content == (fits ? .text(String(decoding: bytes, as: UTF8.self)) : .tooLarge))
    }

    /// The size from `lstat` may be stale: a file that grew past the cap since is still too large.
    @Test(arguments: [0, 10, 1000])
    func fileThatGrewPastTheCapSinceItWasListedIsTooLarge(listedSize: Int64) throws {
        let content = try withTemporaryDirectory { directory in
            let file = try directory.write("grown", Self.bytes(count: 1001))
            return try ContentExtractor(maxFileSize: 1000).extract(file, size: listedSize)
        }
        #expect(content == .tooLarge)
    }

    @Test func readReportsTooLargeOverTheLimit() throws {
        let (over, at) = try withTemporaryDirectory { directory in
            let file = try directory.write("f", Self.bytes(count: 70_001))
            return (
                try ContentExtractor.read(file, limit: 70_000, stopAtNUL: false),
                try ContentExtractor.read(file, limit: 70_001, stopAtNUL: false)
            )
        }
        #expect(over == .tooLarge)
        #expect(at == .bytes(Self.bytes(count: 70_001)))
    }

    // MARK: Encoding

    static let invalidUTF8: [(bytes: [UInt8], text: String)] = [
        ([0x61, 0xFF, 0x62], "a\u{FFFD}b"),
        ([0x61, 0x80], "a\u{FFFD}"),
        ([0x61, 0xE6, 0x97], "a\u{FFFD}"),  // truncated at the end
        ([0x63, 0x61, 0x66, 0xE9, 0x0A], "caf\u{FFFD}\n"),  // Latin-1
        ([0xC0, 0xAF, 0x78], "\u{FFFD}\u{FFFD}x"),  // overlong "/"
        ([0xED, 0xA0, 0x80, 0x79], "\u{FFFD}\u{FFFD}\u{FFFD}y"),  // encoded surrogate
    ]

    @Test(arguments: invalidUTF8)
    func invalidUTF8IsDecodedWithReplacementCharacters(bytes: [UInt8], text: String) throws {
        #expect(try Self.extract(bytes) == .text(text))
    }

    @Test func characterSplitAcrossAReadChunkIsDecodedWhole() throws {
        // "é" (C3 A9) straddles the 64 KiB chunk boundary.
        let bytes = [UInt8](repeating: UInt8(ascii: "a"), count: 65_535) + Array("é tail".utf8)
        let content = try Self.extract(bytes)
        #expect(!content.text.contains("\u{FFFD}"))
        #expect(content.text.hasSuffix("aé tail"))
    }

    // MARK: Not regular files

    @Test func missingFileIsUnreadable() throws {
        let content = try withTemporaryDirectory { directory in
            try ContentExtractor(maxFileSize: Self.megabyte).extract(directory.appending(Array("gone".utf8)), size: 0)
        }
        #expect(content == .unreadable(errno: ENOENT))
    }

    @Test(.enabled(if: getuid() != 0, "root reads files whatever their mode"))
    func fileWithoutReadPermissionIsUnreadable() throws {
        let content = try withTemporaryDirectory { directory in
            let file = try directory.write("secret", Array("text".utf8))
            #expect(chmod(file.description, 0) == 0)
            return try ContentExtractor(maxFileSize: Self.megabyte).extract(file, size: 4)
        }
        #expect(content == .unreadable(errno: EACCES))
    }

    @Test(.timeLimit(.minutes(1)))
    func fifoIsUnreadableWithoutWaitingForAWriter() throws {
        let (content, outcome) = try withTemporaryDirectory { directory in
            let fifo = directory.appending(Array("fifo".utf8))
            try #require(mkfifo(fifo.description, 0o600) == 0)
            return (
                try ContentExtractor(maxFileSize: Self.megabyte).extract(fifo, size: 0),
                try ContentExtractor.read(fifo, limit: Self.megabyte, stopAtNUL: false)
            )
        }
        guard case .unreadable = content else {
            Issue.record("a FIFO gave \(content)")
            return
        }
        guard case .failed = outcome else {
            Issue.record("a FIFO gave \(outcome)")
            return
        }
    }

    @Test func symlinkToATextFileIsNotFollowed() throws {
        let content = try withTemporaryDirectory { directory in
            let target = try directory.write("target.txt", Array("secret text".utf8))
            let link = directory.appending(Array("link.txt".utf8))
            try #require(symlink(target.description, link.description) == 0)
            return try ContentExtractor(maxFileSize: Self.megabyte).extract(link, size: 11)
        }
        #expect(content == .unreadable(errno: ELOOP))
    }

    @Test func danglingSymlinkIsUnreadable() throws {
        let content = try withTemporaryDirectory { directory in
            let link = directory.appending(Array("dangling".utf8))
            try #require(symlink(directory.appending(Array("nowhere".utf8)).description, link.description) == 0)
            return try ContentExtractor(maxFileSize: Self.megabyte).extract(link, size: 7)
        }
        guard case .unreadable = content else {
            Issue.record("a dangling symlink gave \(content)")
            return
        }
    }

    @Test func directoryIsUnreadable() throws {
        let content = try withTemporaryDirectory { directory in
            let subdirectory = directory.appending(Array("dir".utf8))
            try #require(mkdir(subdirectory.description, 0o700) == 0)
            return try ContentExtractor(maxFileSize: Self.megabyte).extract(subdirectory, size: 4096)
        }
        guard case .unreadable = content else {
            Issue.record("a directory gave \(content)")
            return
        }
    }

    @Test func fileWithNonUTF8NameIsRead() throws {
        let content = try withTemporaryDirectory { directory in
            let file = directory.appending([0x6E, 0xFF, 0x2E, 0x74])
            let descriptor = file.withCString { open($0, O_WRONLY | O_CREAT | O_EXCL, 0o600) }
            try #require(descriptor >= 0)
            _ = Array("latin".utf8).withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            close(descriptor)
            return try ContentExtractor(maxFileSize: Self.megabyte).extract(file, size: 5)
        }
        #expect(content == .text("latin"))
    }

    // MARK: Cancellation

    static let largerThanAChunk = 300_000

    @Test func extractingInACancelledTaskThrowsCancellationError() async throws {
        try await withTemporaryDirectoryAsync { directory in
            let file = try directory.write("big", Self.bytes(count: Self.largerThanAChunk))
            let task = Task { () throws -> ContentExtractor.Content in
                withUnsafeCurrentTask { $0?.cancel() }
                return try ContentExtractor(maxFileSize: Self.megabyte).extract(
                    file,
                    size: Int64(Self.largerThanAChunk)
                )
            }
            await #expect(throws: CancellationError.self) { try await task.value }
        }
    }

    @Test func readingInACancelledTaskThrowsCancellationError() async throws {
        try await withTemporaryDirectoryAsync { directory in
            let file = try directory.write("big", Self.bytes(count: Self.largerThanAChunk))
            let task = Task { () throws -> ContentExtractor.ReadOutcome in
                withUnsafeCurrentTask { $0?.cancel() }
                return try ContentExtractor.read(file, limit: Self.megabyte, stopAtNUL: false)
            }
            await #expect(throws: CancellationError.self) { try await task.value }
        }
    }

    @Test func extractingInALiveTaskReadsTheWholeFile() async throws {
        try await withTemporaryDirectoryAsync { directory in
            let bytes = Self.bytes(count: Self.largerThanAChunk)
            let file = try directory.write("big", bytes)
            let task = Task { () throws -> ContentExtractor.Content in
                try ContentExtractor(maxFileSize: Self.megabyte).extract(file, size: Int64(bytes.count))
            }
            #expect(try await task.value == .text(String(decoding: bytes, as: UTF8.self)))
        }
    }
}

// MARK: - Temporary directories

/// Runs `body` with a fresh directory under /tmp, removed with everything in it afterwards.
func withTemporaryDirectory<T>(_ body: (BytePath) throws -> T) throws -> T {
    let directory = try makeTemporaryDirectory()
    defer { removeTemporaryDirectory(directory) }
    return try body(directory)
}

/// Runs `body` with a fresh directory under /tmp, removed with everything in it afterwards.
func withTemporaryDirectoryAsync<T>(_ body: (BytePath) async throws -> T) async throws -> T {
    let directory = try makeTemporaryDirectory()
    defer { removeTemporaryDirectory(directory) }
    return try await body(directory)
}

private func makeTemporaryDirectory() throws -> BytePath {
    var template = Array("/tmp/seek-test-XXXXXX".utf8CString)
    let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    let path = try #require(made.map { String(cString: $0) }, "mkdtemp failed")
    return BytePath(path)
}

private func removeTemporaryDirectory(_ directory: BytePath) {
    // Give back permissions a test may have taken away, so that everything can be removed.
    _ = chmod(directory.description, 0o700)
    try? FileManager.default.removeItem(atPath: directory.description)
}

extension BytePath {
    /// Creates a file named `name` in this directory holding `bytes`, and returns its path.
    func write(_ name: String, _ bytes: [UInt8]) throws -> BytePath {
        let file = appending(Array(name.utf8))
        try #require(FileManager.default.createFile(atPath: file.description, contents: Data(bytes)))
        return file
    }
}
