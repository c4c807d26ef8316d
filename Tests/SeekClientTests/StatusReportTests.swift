import SeekClient
import SeekProtocol
import Testing

@Suite struct StatusReportTests {
    private func status(pass: StatusResult.Pass, queries: StatusResult.Queries = .init()) -> StatusResult {
        StatusResult(
            version: "1",
            roots: ["/r"],
            files: 12_345,
            bytes: 3 << 20,
            watches: 10,
            watchErrors: 0,
            generation: 7,
            pass: pass,
            passes: .init(completed: 7, superseded: 2),
            queries: queries,
            uptimeSeconds: 3725,
            freshness: .init(lastMilliseconds: 26.4, pendingMilliseconds: 0)
        )
    }

    @Test func runningPassShowsRateAndTimeLeft() {
        let running = StatusResult.Pass(
            state: "running",
            done: 4000,
            queued: 2000,
            elapsedSeconds: 2,
            filesPerSecond: 2000
        )
        let lines = StatusReport(status(pass: running)).lines
        #expect(lines.contains("pass:       running: 4,000 files done, 2,000 queued, 2000 files/s, about 1.0 s left"))
        #expect(lines.contains("files:      12,345 (3.0 MiB on disk)"))
        #expect(lines.first == "seekd 1, up 1 h 2 min")
    }

    @Test func queryPercentilesAndFreshnessAreShown() {
        var queries = StatusResult.Queries()
        queries.completed = 1500
        queries.p50Milliseconds = 1.23
        queries.p99Milliseconds = 48
        let lines = StatusReport(status(pass: .init(state: "idle", done: 0, queued: 0), queries: queries)).lines
        #expect(lines.contains { $0.hasPrefix("queries:    1,500 completed (p50 1.2 ms, p99 48 ms)") })
        #expect(lines.contains("freshness:  last changes searchable after 26 ms; nothing waiting"))
        #expect(lines.contains("pass:       idle"))
    }

    @Test func segmentMergeShowsOnAnIdlePass() {
        var merging = status(pass: .init(state: "idle", done: 0, queued: 0))
        merging.merge = .init(state: "running", completed: 0, superseded: 1)
        #expect(
            StatusReport(merging).lines.contains("pass:       idle, merging the index's segments (searches get faster)")
        )
        merging.merge = .init(state: "idle", completed: 1, superseded: 1)
        #expect(StatusReport(merging).lines.contains("pass:       idle"))
    }

    @Test func progressBarFillsWithFilesDone() {
        let half = ProgressBar(.init(state: "running", done: 50, queued: 50, elapsedSeconds: 1, filesPerSecond: 50))
            .line
        #expect(half == "[############............] 50 files, 50 queued, 50/s, ~1.0 s left")
        #expect(ProgressBar(.init(state: "idle", done: 0, queued: 0)).line == "waiting for the pass to start…")
    }

    @Test func durationsReadNaturally() {
        #expect(StatusReport.duration(seconds: 2.25) == "2.2 s")
        #expect(StatusReport.duration(seconds: 42) == "42 s")
        #expect(StatusReport.duration(seconds: 185) == "3 min 5 s")
        #expect(StatusReport.milliseconds(0.42) == "0.4 ms")
        #expect(StatusReport.milliseconds(1500) == "1.5 s")
    }
}
