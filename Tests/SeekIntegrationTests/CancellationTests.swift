import Foundation
import SeekClient
import SeekProtocol
import SeekTestSupport
import Testing

/// Requests that end early: timeouts, supersede, cancel, limits and shutdown. A test hook parks the first index
/// pass, so `sync` (and `search` with `sync`) stays in flight until the test decides.
@Suite(.timeLimit(.minutes(2)))
struct CancellationTests {
    static let parked = ["SEEK_TEST_PARK_PASS_AFTER_FILES": "1"]
    static let files = ["a.txt": "alpha", "b.txt": "beta", "c.txt": "gamma"]

    static func syncSearch(_ query: String, channel: String = "") -> SearchParams {
        SearchParams(query: query, timeoutMilliseconds: 60_000, channel: channel, sync: true)
    }

    @Test func syncTimesOutWithItsDeadline() async throws {
        try await withDaemon(files: Self.files, environment: Self.parked) { (daemon: DaemonHarness) async throws in
            let started = ContinuousClock.now
            let error = await #expect(throws: RPCError.self, "seekd's log:\n\(daemon.log)") {
                try await daemon.call(.sync, SyncParams(timeoutMilliseconds: 200), as: GenerationResult.self)
            }
            #expect(error?.code == -32001)
            #expect(error?.data == .object(["timeout_ms": .int(200)]))
            #expect(ContinuousClock.now - started >= .milliseconds(200))
        }
    }

    @Test func newerSearchOnSameChannelSupersedesOlder() async throws {
        try await withDaemon(files: Self.files, environment: Self.parked) { (daemon: DaemonHarness) async throws in
            let (first, second) = try await daemon.withConnection { connection in
                let first = try await connection.start(.search, Self.syncSearch("alpha"))
                let second = try await connection.start(.search, Self.syncSearch("beta"))
                let response = try await connection.response(to: first)
                _ = try await connection.call(.reindex, ReindexParams(), as: GenerationResult.self)
                return (response, try await connection.response(to: second))
            }
            #expect(first.error?.code == -32800)
            #expect(first.error?.cancellationReason == "superseded")
            #expect(first.error?.data == .object(["reason": .string("superseded"), "by": .int(2)]))
            #expect(second.error == nil)
        }
    }

    @Test func searchesOnOtherChannelsAndConnectionsAreIndependent() async throws {
        try await withDaemon(files: Self.files, environment: Self.parked) { (daemon: DaemonHarness) async throws in
            let responses = try await daemon.withConnection { connection in
                let first = try await connection.start(.search, Self.syncSearch("alpha", channel: "left"))
                let second = try await connection.start(.search, Self.syncSearch("beta", channel: "right"))
                let other = try await daemon.withConnection { other in
                    try await other.start(.search, Self.syncSearch("gamma", channel: "left"))
                }
                _ = other
                _ = try await connection.call(.reindex, ReindexParams(), as: GenerationResult.self)
                return [try await connection.response(to: first), try await connection.response(to: second)]
            }
            #expect(responses.allSatisfy { $0.error == nil })
        }
    }

    @Test func cancelNotificationEndsRequestWithCancelled() async throws {
        try await withDaemon(files: Self.files, environment: Self.parked) { (daemon: DaemonHarness) async throws in
            let response = try await daemon.withConnection { connection in
                let id = try await connection.start(.sync, SyncParams(timeoutMilliseconds: 60_000))
                try await connection.notify(.cancel, CancelParams(id: id))
                return try await connection.response(to: id)
            }
            #expect(response.error?.code == -32800)
            #expect(response.error?.cancellationReason == "cancelled")
        }
    }

    @Test func cancelRequestSaysWhetherSomethingWasCancelled() async throws {
        try await withDaemon(files: Self.files, environment: Self.parked) { (daemon: DaemonHarness) async throws in
            let (hit, miss) = try await daemon.withConnection { connection in
                let id = try await connection.start(.sync, SyncParams(timeoutMilliseconds: 60_000))
                let hit = try await connection.call(.cancel, CancelParams(id: id), as: CancelResult.self)
                let miss = try await connection.call(
                    .cancel,
                    CancelParams(id: .string("nothing")),
                    as: CancelResult.self
                )
                _ = try await connection.response(to: id)
                return (hit, miss)
            }
            #expect(hit.cancelled)
            #expect(!miss.cancelled)
        }
    }

    @Test func requestsBeyondSixtyFourInFlightAreOverloaded() async throws {
        try await withDaemon(files: Self.files, environment: Self.parked) { (daemon: DaemonHarness) async throws in
            let overloaded = try await daemon.withConnection { connection in
                var ids: [RequestID] = []
                for _ in 0..<64 {
                    ids.append(try await connection.start(.sync, SyncParams(timeoutMilliseconds: 60_000)))
                }
                let extra = try await connection.start(.status, NoParams())
                let response = try await connection.response(to: extra)
                for id in ids { try await connection.notify(.cancel, CancelParams(id: id)) }
                for id in ids { _ = try await connection.response(to: id) }
                return response
            }
            #expect(overloaded.error?.code == -32003)
        }
    }

    @Test func shutdownEndsRequestsInFlightAndExitsCleanly() async throws {
        let daemon = try await DaemonHarness.start(files: Self.files, environment: Self.parked)
        defer { Task { await daemon.cleanUp() } }
        let (response, status) = try await daemon.withConnection { connection in
            let id = try await connection.start(.sync, SyncParams(timeoutMilliseconds: 60_000))
            _ = try await connection.call(.status, NoParams(), as: StatusResult.self)  // the sync has been read
            let status = try await daemon.stop()
            return (try await connection.response(to: id), status)
        }
        #expect(response.error?.code == -32800)
        #expect(response.error?.cancellationReason == "shutdown")
        #expect(status == 0)
    }

    @Test func supersededPassHandsItsWorkToTheNext() async throws {
        var files: [String: String] = [:]
        for index in 0..<50 { files["dir\(index % 5)/file\(index).txt"] = "word\(index) common" }
        try await withDaemon(files: files, environment: Self.parked) { (daemon: DaemonHarness) async throws in
            let parked = try await daemon.status()
            #expect(parked.pass.state == "running", "seekd's log:\n\(daemon.log)")
            #expect(parked.generation == 0)
            try daemon.write("late arrival", to: "late.txt")
            _ = try await daemon.call(
                .reindex,
                ReindexParams(paths: [daemon.root + "/late.txt"], wait: true),
                as: GenerationResult.self
            )
            let status = try await daemon.status()
            #expect(status.passes.superseded >= 1)
            #expect(status.files == 51)
            #expect(try await daemon.search("common", limit: 1000).hits.count == 50)
            #expect(try await daemon.paths("arrival") == [daemon.root + "/late.txt"])
        }
    }
}
