import Foundation
import SeekProtocol
import SeekTestSupport
import Testing

/// The first pass over an empty index: its first batches are small, so files become searchable while it runs, and
/// it does not ask the empty index about each directory; a later pass on the same index does.
@Suite(.timeLimit(.minutes(2)))
struct ColdIndexTests {
    /// Tiny files in nested directories: the first batch fills by its file count.
    static func tree(_ count: Int) -> [String: String] {
        Dictionary(
            uniqueKeysWithValues: (0..<count).map { ("d\($0 % 6)/e\($0 % 4)/f\($0).txt", "cold\($0) common") }
        )
    }

    @Test func firstFilesAreCommittedWhileTheColdPassRuns() async throws {
        // Parked after 500 files, before any 5,000-file batch could be full: only a small first batch commits.
        try await withDaemon(files: Self.tree(600), environment: ["SEEK_TEST_PARK_PASS_AFTER_FILES": "500"]) {
            (daemon: DaemonHarness) async throws in
            try await repeatUntil("the first batch committed") { try await daemon.status().files > 0 }
            let status = try await daemon.status()
            #expect(status.pass.state == "running", "seekd's log:\n\(daemon.log)")
            #expect(status.files < 500)
            // Without `sync`, which would wait for the parked pass.
            let found = try await daemon.call(
                .search,
                SearchParams(query: "common", limit: 1000, timeoutMilliseconds: 30_000),
                as: SearchResult.self
            )
            #expect(found.hits.count == status.files)
        }
    }

    @Test func passAfterTheColdOneStillFindsWhatChangedWhileStopped() async throws {
        let daemon = try await DaemonHarness.start(files: Self.tree(700))
        defer { Task { await daemon.cleanUp() } }
        try await daemon.sync()
        #expect(try await daemon.status().files == 700)
        #expect(try await daemon.search("common", limit: 1000).hits.count == 700)
        #expect(try await daemon.stop() == 0)

        try FileManager.default.removeItem(atPath: daemon.root + "/d0/e0/f0.txt")
        try daemon.write("changed while stopped", to: "d1/e1/f1.txt")
        try daemon.write("added while stopped", to: "d2/e2/new.txt")
        try FileManager.default.createDirectory(atPath: daemon.root + "/d3/late", withIntermediateDirectories: true)
        try daemon.write("late directory", to: "d3/late/g.txt")

        // The index is not empty now: the pass asks it about each directory, so it reads only what changed and
        // drops what went.
        let restarted = try await daemon.restart()
        try await restarted.sync()
        let status = try await restarted.status()
        #expect(status.files == 701)
        #expect(status.contentReads == 3)
        #expect(try await restarted.search("common", limit: 1000).hits.count == 698)
        #expect(try await restarted.paths("cold0") == [])
        #expect(
            try await restarted.paths("stopped").sorted() == [
                restarted.root + "/d1/e1/f1.txt", restarted.root + "/d2/e2/new.txt",
            ]
        )
        #expect(try await restarted.paths("late") == [restarted.root + "/d3/late/g.txt"])
        #expect(try await restarted.stop() == 0)
    }
}
