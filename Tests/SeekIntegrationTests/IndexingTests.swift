import Foundation
import Glibc
import SeekProtocol
import SeekTestSupport
import Testing

@Suite(.timeLimit(.minutes(2)))
struct IndexingTests {
    @Test func hiddenIgnoredAndGitPathsAreSkipped() async throws {
        let files = [
            "kept.txt": "needle",
            ".hidden.txt": "needle",
            ".cache/inside.txt": "needle",
            ".git/config": "needle",
            "build/out.txt": "needle",
            "src/.gitignore": "*.log\n!keep.log\n",
            "src/debug.log": "needle",
            "src/keep.log": "needle",
            ".gitignore": "build/\n",
            "docs/.ignore": "draft*\n",
            "docs/draft1.md": "needle",
        ]
        try await withDaemon(files: files) { (daemon: DaemonHarness) async throws in
            #expect(
                Set(try await daemon.paths("needle")) == [daemon.root + "/kept.txt", daemon.root + "/src/keep.log"]
            )
        }
    }

    @Test func hiddenAndNoIgnoreFlagsWidenTheIndexButNeverGit() async throws {
        let files = [
            ".hidden.txt": "needle", ".git/config": "needle", "build/out.txt": "needle", ".gitignore": "build/\n",
        ]
        try await withDaemon(files: files, arguments: ["--hidden", "--no-ignore"]) {
            (daemon: DaemonHarness) async throws in
            #expect(
                Set(try await daemon.paths("needle")) == [daemon.root + "/.hidden.txt", daemon.root + "/build/out.txt"]
            )
        }
    }

    @Test func binaryAndOversizedFilesAreFoundByNameOnly() async throws {
        try await withDaemon(
            files: ["big.txt": String(repeating: "needle ", count: 100)],
            arguments: ["--max-file-size", "100"]
        ) { (daemon: DaemonHarness) async throws in
            try Data([0x6E, 0x65, 0x00, 0x01] + Array("needle".utf8)).write(
                to: URL(fileURLWithPath: daemon.root + "/blob.bin")
            )
            _ = try await daemon.call(.reindex, ReindexParams(wait: true), as: GenerationResult.self)
            #expect(try await daemon.paths("needle").isEmpty)
            #expect(try await daemon.search("blob").hits.map(\.snippet) == [""])
            #expect(try await daemon.paths("big") == [daemon.root + "/big.txt"])
            let status = try await daemon.status()
            #expect(status.files == 2)
        }
    }

    @Test func invalidUTF8ContentIsDecodedLeniently() async throws {
        try await withDaemon { (daemon: DaemonHarness) async throws in
            try Data(Array("caf".utf8) + [0xE9] + Array(" lenient decoding".utf8)).write(
                to: URL(fileURLWithPath: daemon.root + "/latin1.txt")
            )
            _ = try await daemon.call(.reindex, ReindexParams(wait: true), as: GenerationResult.self)
            #expect(try await daemon.paths("lenient") == [daemon.root + "/latin1.txt"])
        }
    }

    /// A NUL byte past the first 8 KiB leaves the file text, and the words after it are found and shown in snippets.
    @Test func textAfterANulBytePastTheProbeIsIndexed() async throws {
        try await withDaemon { (daemon: DaemonHarness) async throws in
            let head = Array(String(repeating: "alpha ", count: 2000).utf8)
            try Data(head + [0x00] + Array(" zebrafish after the nul".utf8)).write(
                to: URL(fileURLWithPath: daemon.root + "/late-nul.txt")
            )
            _ = try await daemon.call(.reindex, ReindexParams(wait: true), as: GenerationResult.self)
            let hits = try await daemon.search("zebrafish").hits
            #expect(hits.map(\.path) == [daemon.root + "/late-nul.txt"])
            #expect(hits.first?.snippet?.contains("after the nul") == true)
        }
    }

    @Test func nonUTF8NamesAreReportedLosslessly() async throws {
        try await withDaemon { (daemon: DaemonHarness) async throws in
            let name: [UInt8] = Array("odd-".utf8) + [0xFF, 0xFE] + Array(".txt".utf8)
            let path = Array(daemon.root.utf8) + [0x2F] + name
            let descriptor = (path + [0]).withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_CREAT | O_WRONLY, 0o644) }
            }
            #expect(descriptor >= 0)
            _ = "strangename content".withCString { write(descriptor, $0, strlen($0)) }
            close(descriptor)
            _ = try await daemon.call(.reindex, ReindexParams(wait: true), as: GenerationResult.self)
            let hit = try #require(try await daemon.search("strangename").hits.first)
            #expect(hit.path == daemon.root + "/odd-\u{FFFD}\u{FFFD}.txt")
            #expect(hit.pathBytes.flatMap { Data(base64Encoded: $0) } == Data(path))
        }
    }

    @Test func symlinksAreNotFollowed() async throws {
        try await withDaemon(files: ["real/target.txt": "linked needle"]) { (daemon: DaemonHarness) async throws in
            try FileManager.default.createSymbolicLink(
                atPath: daemon.root + "/link.txt",
                withDestinationPath: daemon.root + "/real/target.txt"
            )
            try FileManager.default.createSymbolicLink(atPath: daemon.root + "/loop", withDestinationPath: daemon.root)
            _ = try await daemon.call(.reindex, ReindexParams(wait: true), as: GenerationResult.self)
            #expect(try await daemon.paths("needle") == [daemon.root + "/real/target.txt"])
        }
    }

    /// `reindex` of a path whose directory component is a symlink indexes nothing through it and sets no watch
    /// there.
    @Test func reindexThroughASymlinkedDirectoryIndexesNothing() async throws {
        try await withDaemon(files: ["kept.txt": "kept"]) { (daemon: DaemonHarness) async throws in
            let outside = daemon.directory + "/outside"
            try FileManager.default.createDirectory(atPath: outside + "/sub/deeper", withIntermediateDirectories: true)
            try Data("outsider words".utf8).write(to: URL(fileURLWithPath: outside + "/sub/secret.txt"))
            try Data("outsider deeper".utf8).write(to: URL(fileURLWithPath: outside + "/sub/deeper/more.txt"))
            try FileManager.default.createSymbolicLink(atPath: daemon.root + "/link", withDestinationPath: outside)
            try await daemon.sync()
            let before = try await daemon.status()
            let paths = [
                daemon.root + "/link/sub", daemon.root + "/link/sub/secret.txt", daemon.root + "/link/sub/deeper",
            ]
            for path in paths {
                _ = try await daemon.call(.reindex, ReindexParams(paths: [path], wait: true), as: GenerationResult.self)
            }
            #expect(try await daemon.paths("outsider").isEmpty)
            let after = try await daemon.status()
            #expect(after.files == 1)
            #expect(after.watches == before.watches)
        }
    }

    /// A root deleted and made again as a symlink is not followed: nothing of the link's target is indexed, and no
    /// sync cookie is written there.
    @Test func rootReplacedByASymlinkIsNotFollowed() async throws {
        try await withDaemon(files: ["r.txt": "rooted"]) { (daemon: DaemonHarness) async throws in
            let outside = daemon.directory + "/outside"
            try FileManager.default.createDirectory(atPath: outside + "/sub", withIntermediateDirectories: true)
            try Data("outsider words".utf8).write(to: URL(fileURLWithPath: outside + "/sub/secret.txt"))
            try await daemon.sync()
            try FileManager.default.removeItem(atPath: daemon.root)
            try await daemon.sync()
            try FileManager.default.createSymbolicLink(atPath: daemon.root, withDestinationPath: outside)
            try await daemon.sync()
            #expect(try await daemon.paths("outsider").isEmpty)
            #expect(try await daemon.status().files == 0)
            #expect(try FileManager.default.contentsOfDirectory(atPath: outside) == ["sub"])
        }
    }

    @Test func reindexPicksUpEditsAndDeletions() async throws {
        try await withDaemon(files: ["a.txt": "first version", "b.txt": "doomed"]) {
            (daemon: DaemonHarness) async throws in
            #expect(try await daemon.paths("first") == [daemon.root + "/a.txt"])
            try daemon.write("second version, longer", to: "a.txt")
            try FileManager.default.removeItem(atPath: daemon.root + "/b.txt")
            let generation = try await daemon.status().generation
            let result = try await daemon.call(.reindex, ReindexParams(wait: true), as: GenerationResult.self)
            #expect(result.generation > generation)
            #expect(try await daemon.paths("first").isEmpty)
            #expect(try await daemon.paths("second") == [daemon.root + "/a.txt"])
            #expect(try await daemon.paths("doomed").isEmpty)
        }
    }

    @Test func restartFindsChangesMadeWhileDownAndPurgesOldRoots() async throws {
        let daemon = try await DaemonHarness.start(files: ["keep.txt": "stay", "gone.txt": "vanish"])
        defer { Task { await daemon.cleanUp() } }
        try await daemon.sync()
        #expect(try await daemon.stop() == 0)
        try FileManager.default.removeItem(atPath: daemon.root + "/gone.txt")
        try daemon.write("appeared while down", to: "new.txt")
        let restarted = try await daemon.restart()
        #expect(try await restarted.paths("vanish").isEmpty)
        #expect(try await restarted.paths("appeared") == [daemon.root + "/new.txt"])
        #expect(try await restarted.stop() == 0)

        // Restart with another root: the old root's files are purged.
        let other = daemon.directory + "/other"
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        try Data("elsewhere".utf8).write(to: URL(fileURLWithPath: other + "/x.txt"))
        let moved = try await DaemonHarness.startOn(existing: daemon, roots: [other])
        #expect(try await moved.paths("stay").isEmpty)
        #expect(try await moved.status().files == 1)
        #expect(try await moved.stop() == 0)
    }

    @Test func explainSaysWhy() async throws {
        let files = ["src/.gitignore": "# comment\n*.o\n", "src/a.o": "x", "src/ok.c": "int main;", ".env": "secret"]
        try await withDaemon(files: files, arguments: ["--max-file-size", "4"]) {
            (daemon: DaemonHarness) async throws in
            func explain(_ path: String) async throws -> ExplainResult {
                try await daemon.call(.explain, ExplainParams(path: path), as: ExplainResult.self)
            }
            let ignored = try await explain(daemon.root + "/src/a.o")
            #expect(ignored.state == .excluded)
            #expect(ignored.rule == .init(file: daemon.root + "/src/.gitignore", line: 2, pattern: "*.o"))
            #expect(ignored.reason == "ignored by \(daemon.root)/src/.gitignore:2 (*.o)")
            #expect(try await explain(daemon.root + "/src/ok.c").state == .nameOnly)
            #expect(try await explain(daemon.root + "/.env").reason.contains("hidden file .env"))
            #expect(try await explain("/etc/passwd").state == .outsideRoots)
            #expect(try await explain(daemon.root + "/nope").state == .missing)
        }
    }
}

/// The index is a cache of the disk: an index of another schema version, or a damaged one, is rebuilt at start,
/// and the rebuild is logged (more cases, files that are not an index among them, in `CorruptIndexFaultTests`).
@Suite(.timeLimit(.minutes(2)))
struct IndexRebuildTests {
    /// Overwrites bytes of the index file at `offset`.
    static func patch(_ path: String, at offset: UInt64, with bytes: [UInt8]) throws {
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        defer { try? handle.close() }
        try handle.seek(toOffset: offset)
        try handle.write(contentsOf: Data(bytes))
    }

    @Test func otherSchemaVersionIsRebuilt() async throws {
        let daemon = try await DaemonHarness.start(files: ["a.txt": "versioned content"])
        defer { Task { await daemon.cleanUp() } }
        try await daemon.sync()
        #expect(try await daemon.stop() == 0)
        // `PRAGMA user_version` lives at byte 60 of the database header, big-endian.
        try Self.patch(daemon.indexPath, at: 60, with: [0, 0, 0x03, 0xE7])
        let restarted = try await daemon.restart()
        #expect(restarted.log.contains("index schema changed, rebuilding"))
        #expect(try await restarted.paths("versioned") == [daemon.root + "/a.txt"])
        #expect(try await restarted.stop() == 0)
    }

    @Test func indexWithADamagedHeaderIsRebuilt() async throws {
        let daemon = try await DaemonHarness.start(files: ["a.txt": "survives corruption"])
        defer { Task { await daemon.cleanUp() } }
        try await daemon.sync()
        #expect(try await daemon.stop() == 0)
        // Everything after the 16-byte "SQLite format 3" magic of the first page.
        try Self.patch(daemon.indexPath, at: 16, with: Array(repeating: 0x5A, count: 4080))
        let restarted = try await daemon.restart()
        #expect(restarted.log.contains("index file is damaged; moved it aside and rebuilding the index"))
        #expect(try await restarted.paths("corruption") == [daemon.root + "/a.txt"])
        #expect(try await restarted.stop() == 0)
    }
}
