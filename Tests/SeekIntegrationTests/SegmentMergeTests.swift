import SeekProtocol
import SeekTestSupport
import Testing

/// The index's full-text segments are merged into one while the index is quiet after big changes, and new work
/// supersedes a running merge the way it supersedes a pass (`SegmentMerger`). A small tree stands in for a big one
/// through `SEEK_TEST_MERGE_AFTER_FILES`.
@Suite(.timeLimit(.minutes(2)))
struct SegmentMergeTests {
    static func merge(_ daemon: DaemonHarness) async throws -> StatusResult.Merge {
        try #require(try await daemon.status().merge)
    }

    @Test func coldIndexIsMergedOnceTheIndexIsQuiet() async throws {
        try await withDaemon(files: StatusFiguresTests.files(60), environment: ["SEEK_TEST_MERGE_AFTER_FILES": "1"]) {
            (daemon: DaemonHarness) async throws in
            try await daemon.sync()
            try await repeatUntil("the first merge") { try await Self.merge(daemon).completed == 1 }
            let merge = try await Self.merge(daemon)
            #expect(merge.state == "idle")
            #expect(merge.superseded == 0)
            #expect(try await daemon.paths("common").count == 60)
            #expect(daemon.log.contains("index segments merged"), "seekd's log:\n\(daemon.log)")
            // A change of a few files does not make another merge worthwhile (a quarter of the index must change).
            try daemon.write("fresh words", to: "d0/new.txt")
            #expect(try await daemon.paths("fresh") == [daemon.root + "/d0/new.txt"])
            #expect(try await Self.merge(daemon).state == "idle")
        }
    }

    /// Each merge step waits a minute first, so the merge is still running when a file changes: the change is
    /// indexed at once (the merge is cancelled, not waited for), and the merge is due again afterwards.
    @Test func newWorkSupersedesARunningMerge() async throws {
        try await withDaemon(
            files: StatusFiguresTests.files(40),
            environment: ["SEEK_TEST_MERGE_AFTER_FILES": "1", "SEEK_TEST_MERGE_STEP_DELAY_MS": "60000"]
        ) { (daemon: DaemonHarness) async throws in
            try await daemon.sync()
            try await repeatUntil("a running merge") { try await Self.merge(daemon).state == "running" }
            try daemon.write("fresh words", to: "d1/new.txt")
            #expect(try await daemon.paths("fresh") == [daemon.root + "/d1/new.txt"])
            try await repeatUntil("the merge to run again") { try await Self.merge(daemon).state == "running" }
            let merge = try await Self.merge(daemon)
            #expect(merge.superseded >= 1)
            #expect(merge.completed == 0)
        }
    }
}
