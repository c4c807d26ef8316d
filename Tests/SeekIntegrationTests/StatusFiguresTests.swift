import Foundation
import SeekProtocol
import SeekTestSupport
import Testing

/// The figures `status` adds for people: the running pass's rate, search percentiles, freshness; and how
/// `seek status` and `seek reindex --wait` show them.
@Suite(.timeLimit(.minutes(2)))
struct StatusFiguresTests {
    static func files(_ count: Int) -> [String: String] {
        Dictionary(uniqueKeysWithValues: (0..<count).map { ("d\($0 % 10)/f\($0).txt", "word\($0) common text") })
    }

    @Test func runningPassReportsElapsedTimeAndRate() async throws {
        try await withDaemon(files: Self.files(40), environment: ["SEEK_TEST_PARK_PASS_AFTER_FILES": "10"]) {
            (daemon: DaemonHarness) async throws in
            var status = try await daemon.status()
            let deadline = ContinuousClock.now + .seconds(30)
            while status.pass.done == 0, ContinuousClock.now < deadline { status = try await daemon.status() }
            // The daemon's log rides along: if the parked pass is not running, it says what ended it.
            #expect(status.pass.state == "running", "seekd's log:\n\(daemon.log)")
            #expect((status.pass.elapsedSeconds ?? 0) > 0)
            #expect((status.pass.filesPerSecond ?? 0) > 0)
            #expect((status.freshness?.pendingMilliseconds ?? 0) > 0, "the initial scan is waiting work")
            let shown = try await daemon.runSeek(["status"])
            #expect(shown.status == 0)
            #expect(shown.standardOutput.contains("pass:       running: "), "seekd's log:\n\(daemon.log)")
            #expect(shown.standardOutput.contains("files/s"))
        }
    }

    @Test func searchesAndChangesFeedPercentilesAndFreshness() async throws {
        try await withDaemon(files: Self.files(5)) { (daemon: DaemonHarness) async throws in
            try await daemon.sync()
            for _ in 0..<5 { _ = try await daemon.search("common") }
            try daemon.write("fresh words", to: "new.txt")
            try await daemon.sync()
            let status = try await daemon.status()
            #expect(status.queries.completed == 5)
            let p50 = try #require(status.queries.p50Milliseconds)
            let p99 = try #require(status.queries.p99Milliseconds)
            #expect(p50 > 0 && p50 <= p99)
            #expect((status.freshness?.lastMilliseconds ?? 0) > 0)
            #expect(status.freshness?.pendingMilliseconds == 0)
            #expect(status.pass.elapsedSeconds == nil)
            let shown = try await daemon.runSeek(["status"])
            #expect(shown.standardOutput.contains("queries:    5 completed (p50 "))
            #expect(shown.standardOutput.contains("freshness:  last changes searchable after "))
        }
    }

    @Test func reindexWaitPrintsOnlyTheResultWhenPiped() async throws {
        try await withDaemon(files: Self.files(20)) { (daemon: DaemonHarness) async throws in
            try await daemon.sync()
            let result = try await daemon.runSeek(["reindex", "--wait"])
            #expect(result.status == 0)
            #expect(result.standardOutput.hasPrefix("indexed; generation "))
            #expect(result.standardError.isEmpty)
        }
    }

    /// The bar is drawn from `status` answers while a pass runs. Each pass waits 150 ms per file here, so once the
    /// watcher's pass has begun on the 40 new files, a pass stays running for about six seconds: that one, or the
    /// reindex's, which supersedes it and inherits its work. The terminal (slow to start on a loaded machine) is
    /// started first, its shell held at a FIFO, and `seek` is let go only once that pass is running.
    @Test func reindexWaitDrawsAProgressBarOnATerminal() async throws {
        try await withDaemon(files: Self.files(10), environment: ["SEEK_TEST_DELAY_PER_FILE_MS": "150"]) {
            (daemon: DaemonHarness) async throws in
            try await daemon.sync()
            let gate = daemon.directory + "/gate"
            try #require(mkfifo(gate, 0o600) == 0)
            let seek = DaemonHarness.buildDirectory.appendingPathComponent("seek").path
            // Everything the terminal received is recorded, so a bar that was drawn and erased is still seen.
            let terminal = try await TerminalSession.start(
                "read _ < '\(gate)'; exec '\(seek)' reindex --wait",
                environment: ["SEEK_SOCKET": daemon.socketPath],
                in: daemon.directory,
                recording: true
            )
            do {
                for index in 0..<40 { try daemon.write("changed\(index) common", to: "new/f\(index).txt") }
                try await repeatUntil("the watcher's pass") { try await daemon.status().pass.state == "running" }
                // Opening the FIFO for writing succeeds once the shell waits at it; closing it lets the shell go on.
                var opened: Int32 = -1
                try await repeatUntil("the terminal's shell at the gate") {
                    opened = open(gate, O_WRONLY | O_NONBLOCK)
                    return opened >= 0
                }
                close(opened)
                let exit = try #require(try await terminal.waitForExit(timeout: .seconds(60)))
                #expect(exit.status == 0)
                #expect(exit.output.hasPrefix("indexed; generation "))
                let drawn = terminal.recording()
                #expect(drawn.contains("] ") && drawn.contains(" queued"), "terminal got: \(drawn.prefix(300))")
                #expect(
                    try await terminal.screen().trimmingCharacters(in: .whitespacesAndNewlines).isEmpty,
                    "the bar is erased"
                )
                #expect(try await daemon.search("common", limit: 100).hits.count == 50)
                await terminal.close()
            } catch {
                await terminal.close()
                throw error
            }
        }
    }
}
