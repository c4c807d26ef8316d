import Foundation
import SeekClient
import SeekLocking
import SeekProtocol
import SeekTestSupport
import Testing

/// Queries that lose really stop: after supersede, timeout, `cancel` or a closed connection, the daemon's CPU use
/// drops to a small fraction of what the full query costs, measured in the same run (ratios, not absolute times).
@Suite(.serialized, .timeLimit(.minutes(5)))
struct QueryCancellationTests {
    /// 300 files of 20,000 words from a 40-word vocabulary: an FTS5 OR of 300 two-word phrases costs seconds.
    static func corpus() -> [String: String] {
        var generator = SeededRandom(seed: 42)
        var files: [String: String] = [:]
        for file in 0..<300 {
            var words: [String] = []
            words.reserveCapacity(20_000)
            for _ in 0..<20_000 { words.append("w\(generator.next() % 40)") }
            files["corpus/\(file / 30)/doc\(file).txt"] = words.joined(separator: " ")
        }
        return files
    }

    static let pathological: String = {
        var phrases: [String] = []
        for first in 0..<20 { for second in 0..<10 { phrases.append("\"w\(first) w\(second)\"") } }
        return phrases.joined(separator: " OR ")
    }()

    static func expensive(id channel: String = "", timeout: Int = 60_000) -> SearchParams {
        SearchParams(query: pathological, syntax: .fts5, timeoutMilliseconds: timeout, channel: channel)
    }

    /// The CPU a full run of the pathological query costs.
    static func calibrate(_ daemon: DaemonHarness) async throws -> Duration {
        let before = try #require(ProcessCPU.used(by: daemon.pid))
        let result = try await daemon.call(.search, expensive(), as: SearchResult.self)
        #expect(result.hits.count == 20)
        let cost = try #require(ProcessCPU.used(by: daemon.pid)) - before
        #expect(cost >= .milliseconds(300), "the pathological query must be expensive to prove anything")
        return cost
    }

    /// Starts the expensive query on `connection` and returns once the daemon is busy with it.
    static func startExpensive(
        _ daemon: DaemonHarness,
        on connection: inout SeekConnection,
        timeout: Int = 60_000
    ) async throws -> RequestID {
        let baseline = try #require(ProcessCPU.used(by: daemon.pid))
        let id = try await connection.start(.search, expensive(timeout: timeout))
        await expectBusy(daemon, beyond: baseline)
        return id
    }

    /// Starts the expensive query and, once the daemon is busy with it, stops it with `interrupt`; returns the
    /// query's response. A loaded machine can starve this test's task until the query has completed on its own (it
    /// costs `fullCost` of CPU), which proves nothing: such an attempt is made again, three attempts in all. Only
    /// then: a query that completed although the interrupt was sent well within its cost is a failure at once.
    static func interruptExpensive(
        _ daemon: DaemonHarness,
        fullCost: Duration,
        on connection: inout SeekConnection,
        with interrupt: (RequestID, inout SeekConnection) async throws -> Void
    ) async throws -> Response {
        var attempts = 0
        while true {
            attempts += 1
            let started = ContinuousClock.now
            let id = try await startExpensive(daemon, on: &connection)
            try await interrupt(id, &connection)
            let starved = ContinuousClock.now - started >= fullCost / 2
            let response = try await connection.response(to: id)
            guard response.error == nil, starved, attempts < 3 else { return response }
            print("the expensive query completed before it was interrupted (the test was starved); again")
        }
    }

    /// Returns once the daemon has used 100 ms of CPU beyond `baseline`: the expensive query is running.
    static func expectBusy(_ daemon: DaemonHarness, beyond baseline: Duration) async {
        let busy = await ProcessCPU.waitForUse(
            by: daemon.pid,
            beyond: baseline,
            amount: .milliseconds(100),
            timeout: .seconds(30)
        )
        #expect(busy)
    }

    static func expectStopped(_ daemon: DaemonHarness, fullCost: Duration, _ what: String) async {
        let after = await ProcessCPU.used(by: daemon.pid, during: .seconds(1))
        let ratio =
            Double(after.components.attoseconds / 1_000_000_000_000 + after.components.seconds * 1_000_000)
            / Double(fullCost.components.attoseconds / 1_000_000_000_000 + fullCost.components.seconds * 1_000_000)
        print("\(what): CPU after stop \(after), full query \(fullCost), ratio \(ratio)")
        #expect(ratio < 0.1, "\(what): the query kept running after it was stopped")
    }

    @Test func supersededExpensiveQueryStopsItsStatement() async throws {
        try await withDaemon(files: Self.corpus()) { (daemon: DaemonHarness) async throws in
            try await daemon.sync()
            let fullCost = try await Self.calibrate(daemon)
            try await daemon.withConnection { connection in
                // A retried attempt's expensive query supersedes the previous attempt's newer search: the last
                // one is the one that must answer.
                var newer: RequestID?
                let superseded = try await Self.interruptExpensive(daemon, fullCost: fullCost, on: &connection) {
                    _,
                    connection in
                    newer = try await connection.start(.search, SearchParams(query: "w1 ", limit: 1, snippet: false))
                }
                #expect(superseded.error?.cancellationReason == "superseded", "\(superseded)")
                await Self.expectStopped(daemon, fullCost: fullCost, "supersede")
                let last = try #require(newer)
                #expect(try await connection.response(to: last).error == nil)
            }
        }
    }

    @Test func timedOutExpensiveQueryIsAnsweredOnTimeAndStops() async throws {
        try await withDaemon(files: Self.corpus()) { (daemon: DaemonHarness) async throws in
            try await daemon.sync()
            let fullCost = try await Self.calibrate(daemon)
            try await daemon.withConnection { connection in
                let before = try #require(ProcessCPU.used(by: daemon.pid))
                let started = ContinuousClock.now
                let id = try await connection.start(.search, Self.expensive(timeout: 300))
                let response = try await connection.response(to: id)
                let answeredAfter = ContinuousClock.now - started
                let spent = try #require(ProcessCPU.used(by: daemon.pid)) - before
                #expect(response.error?.code == -32001)
                // The daemon's CPU until it answered shows that the answer did not wait for the statement; wall time
                // says little under the whole suite's load (once 1.07 s here). How late a timeout is answered on a
                // quiet machine (PROTOCOL: within 50 ms) is the bench's figure.
                #expect(spent < fullCost / 2, "answered after \(spent) of CPU; the whole query costs \(fullCost)")
                print("timeout: a 300 ms deadline was answered after \(answeredAfter), \(spent) of CPU")
                await Self.expectStopped(daemon, fullCost: fullCost, "timeout")
            }
        }
    }

    @Test func cancelledExpensiveQueryStops() async throws {
        try await withDaemon(files: Self.corpus()) { (daemon: DaemonHarness) async throws in
            try await daemon.sync()
            let fullCost = try await Self.calibrate(daemon)
            try await daemon.withConnection { connection in
                var sent = ContinuousClock.now
                let cancelled = try await Self.interruptExpensive(daemon, fullCost: fullCost, on: &connection) {
                    id,
                    connection in
                    sent = ContinuousClock.now
                    try await connection.notify(.cancel, CancelParams(id: id))
                }
                #expect(cancelled.error?.cancellationReason == "cancelled", "\(cancelled)")
                print("cancel: answered \(ContinuousClock.now - sent) after the cancel was sent")
                await Self.expectStopped(daemon, fullCost: fullCost, "cancel")
            }
        }
    }

    @Test func closedConnectionStopsItsQueries() async throws {
        try await withDaemon(files: Self.corpus()) { (daemon: DaemonHarness) async throws in
            try await daemon.sync()
            let fullCost = try await Self.calibrate(daemon)
            try await daemon.withConnection { connection in
                _ = try await Self.startExpensive(daemon, on: &connection)
            }
            await Self.expectStopped(daemon, fullCost: fullCost, "disconnect")
            // The reader connection went back to the pool clean: the next query works.
            #expect(try await daemon.search("w3", limit: 20).hits.count == 20)
        }
    }

    /// fzf kills the `seek` of the previous reload: the daemon sees the connection close and stops that query.
    @Test func killedSeekProcessStopsItsQuery() async throws {
        try await withDaemon(files: Self.corpus()) { (daemon: DaemonHarness) async throws in
            try await daemon.sync()
            let fullCost = try await Self.calibrate(daemon)
            let cancelledBefore = try await daemon.status().queries.cancelled
            // As in `interruptExpensive`: an attempt where `seek` completed before it was killed, because this test
            // was starved, proves nothing.
            var status: Int32 = 0
            var attempts = 0
            var starved = false
            repeat {
                attempts += 1
                let started = ContinuousClock.now
                let baseline = try #require(ProcessCPU.used(by: daemon.pid))
                let child = Locked<pid_t>(0)
                async let finished = daemon.runSeek(
                    ["--plain", "--fts5", "--timeout-ms", "60000", Self.pathological],
                    started: { pid in child.withLock { $0 = pid } }
                )
                await Self.expectBusy(daemon, beyond: baseline)
                kill(child.withLock { $0 }, SIGKILL)
                starved = ContinuousClock.now - started >= fullCost / 2
                status = try await finished.status
            } while status == 0 && starved && attempts < 3
            #expect(status == 128 + SIGKILL)
            await Self.expectStopped(daemon, fullCost: fullCost, "killed seek")
            #expect(try await daemon.status().queries.cancelled == cancelledBefore + 1)
        }
    }

    /// A one-letter prefix would score every position of every file; past the ranking budget the daemon interrupts
    /// the ranking and answers with the first matches it finds, saying so.
    @Test func rankingPastItsBudgetFallsBackToFirstMatches() async throws {
        try await withDaemon(files: Self.corpus(), environment: ["SEEK_TEST_RANKING_BUDGET_MS": "40"]) {
            (daemon: DaemonHarness) async throws in
            try await daemon.sync()
            let started = ContinuousClock.now
            let quick = try await daemon.call(.search, SearchParams(query: "w", limit: 10), as: SearchResult.self)
            let elapsed = ContinuousClock.now - started
            #expect(quick.ranked == false)
            #expect(quick.hits.count == 10)
            #expect(quick.hits.allSatisfy { $0.snippet?.contains("<mark>w") == true })
            #expect(zip(quick.hits, quick.hits.dropFirst()).allSatisfy { $0.score >= $1.score })
            print("budget: one-letter prefix answered in \(elapsed)")
            let exact = try await daemon.call(.search, SearchParams(query: "doc17 ", limit: 10), as: SearchResult.self)
            #expect(exact.ranked == true)
            #expect(exact.hits.first?.path.hasSuffix("/doc17.txt") == true)
        }
    }

    @Test func keystrokeStormGetsOneAnswerEachAndNoStaleSuccess() async throws {
        let word = "cancellations"
        try await withDaemon(files: ["a.txt": "cancellations everywhere", "b.txt": "cancel once"]) {
            (daemon: DaemonHarness) async throws in
            try await daemon.sync()
            let prefixes = (0..<60).map { String(word.prefix(1 + $0 % word.count)) }
            let order = try await daemon.withConnection { connection in
                var ids: [RequestID] = []
                var next = ContinuousClock.now
                for prefix in prefixes {
                    // Keystrokes 2 ms apart: pacing the workload, not waiting for the daemon.
                    while ContinuousClock.now < next { await Task.yield() }
                    next += .milliseconds(2)
                    ids.append(try await connection.start(.search, SearchParams(query: prefix)))
                }
                var arrivals: [(Int64, Bool)] = []
                for _ in ids {
                    let response = try await connection.nextResponse()
                    guard case .int(let id)? = response.id else { throw DaemonHarness.Failure("unexpected id") }
                    if let error = response.error { #expect(error.code == -32800) }
                    arrivals.append((id, response.error == nil))
                }
                return arrivals
            }
            #expect(Set(order.map(\.0)).count == 60)
            #expect(order.first { $0.0 == 60 }?.1 == true)
            var latestAnswered: Int64 = 0
            for (id, success) in order {
                if success { #expect(id >= latestAnswered, "success for \(id) after an answer to \(latestAnswered)") }
                latestAnswered = max(latestAnswered, id)
            }
        }
    }
}
