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
            // Twenty more, one pass each: each pass commits its own segments, and a quarter of the index changed.
            for index in 0..<20 {
                try daemon.write("later words", to: "d2/later\(index).txt")
                try await daemon.sync()
            }
            try await repeatUntil("the second merge") { try await Self.merge(daemon).completed == 2 }
            #expect(try await daemon.paths("later").count == 20)
            // The first merge had one segment to merge (one step that found nothing to do); this one had work.
            let steps = daemon.log.split(separator: "\n").filter { $0.contains("index segments merged") }
                .compactMap { line in line.split(separator: " ").first { $0.hasPrefix("merge.steps=") } }
                .compactMap { Int($0.dropFirst("merge.steps=".count)) }
            #expect(steps.count == 2 && steps[1] >= 2, "seekd's log:\n\(daemon.log)")
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

    /// The index keeps the count of files written since the last merge: a daemon stopped before its merge ran (each
    /// step parked here) merges after a restart, though its own first pass reads no file.
    @Test func mergeDueBeforeAStopRunsAfterARestart() async throws {
        let daemon = try await DaemonHarness.start(
            files: StatusFiguresTests.files(40),
            environment: ["SEEK_TEST_MERGE_AFTER_FILES": "1", "SEEK_TEST_MERGE_STEP_DELAY_MS": "60000"]
        )
        defer { Task { await daemon.cleanUp() } }
        try await daemon.sync()
        try await repeatUntil("a running merge") { try await Self.merge(daemon).state == "running" }
        #expect(try await daemon.stop() == 0)
        let restarted = try await daemon.restart(environment: ["SEEK_TEST_MERGE_AFTER_FILES": "1"])
        try await restarted.sync()
        #expect(try await restarted.status().contentReads == 0)
        try await repeatUntil("the merge after the restart") { try await Self.merge(restarted).completed == 1 }
        #expect(try await restarted.paths("common").count == 40)
        #expect(try await restarted.stop() == 0)
    }
}
