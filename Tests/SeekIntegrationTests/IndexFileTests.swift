import Foundation
import Glibc
import SeekTestSupport
import Testing

/// The index holds a copy of every indexed file's text: it and its WAL files are private to their owner.
@Suite(.timeLimit(.minutes(2)))
struct IndexFileTests {
    static func mode(_ path: String) -> mode_t? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return info.st_mode & 0o777
    }

    static let suffixes = ["", "-wal", "-shm"]

    @Test func indexAndItsWALFilesAreCreatedPrivate() async throws {
        try await withDaemon(files: ["a.txt": "private words"]) { (daemon: DaemonHarness) async throws in
            #expect(try await daemon.paths("private") == [daemon.root + "/a.txt"])
            for suffix in Self.suffixes {
                #expect(Self.mode(daemon.indexPath + suffix) == 0o600, "index\(suffix)")
            }
        }
    }

    @Test func existingIndexFilesAreTightenedAtStart() async throws {
        let daemon = try await DaemonHarness.start(files: ["a.txt": "private words"])
        defer { Task { await daemon.cleanUp() } }
        try await daemon.sync()
        // SIGKILL leaves the WAL files behind, as a crash would.
        await daemon.kill9()
        for suffix in Self.suffixes {
            #expect(chmod(daemon.indexPath + suffix, 0o644) == 0, "index\(suffix)")
        }
        let restarted = try await daemon.restart()
        for suffix in Self.suffixes {
            #expect(Self.mode(daemon.indexPath + suffix) == 0o600, "index\(suffix)")
        }
        #expect(try await restarted.paths("private") == [daemon.root + "/a.txt"])
        #expect(try await restarted.stop() == 0)
    }
}
