import Foundation
import SeekClient
import SeekProtocol
import SeekTestSupport
import Testing

/// Every error code of the protocol's table, from a real daemon over its socket.
@Suite(.timeLimit(.minutes(2)))
struct ProtocolErrorTests {
    /// Sends raw lines and returns the responses to the first `count` of them, in order received.
    static func responses(_ daemon: DaemonHarness, lines: [String], count: Int? = nil) async throws -> [Response] {
        try await daemon.withConnection { connection in
            for line in lines { try await connection.send(Array((line + "\n").utf8)) }
            var responses: [Response] = []
            for _ in 0..<(count ?? lines.count) { responses.append(try await connection.nextResponse()) }
            return responses
        }
    }

    @Test func invalidJSONIsParseErrorAndConnectionStaysOpen() async throws {
        try await withDaemon { (daemon: DaemonHarness) async throws in
            let responses = try await Self.responses(
                daemon,
                lines: ["{not json", #"{"jsonrpc":"2.0","id":7,"method":"status"}"#]
            )
            #expect(responses[0].error?.code == -32700)
            #expect(responses[0].id == nil)
            #expect(responses[1].id == .int(7))
            #expect(responses[1].error == nil)
        }
    }

    @Test func invalidUTF8IsParseError() async throws {
        try await withDaemon { (daemon: DaemonHarness) async throws in
            let response = try await daemon.withConnection { connection in
                try await connection.send([0x7B, 0xFF, 0xFE, 0x7D, 0x0A])
                return try await connection.nextResponse()
            }
            #expect(response.error?.code == -32700)
        }
    }

    @Test(arguments: [
        (#"[{"jsonrpc":"2.0","id":1,"method":"status"}]"#, nil as RequestID?),
        (#"{"jsonrpc":"1.0","id":2,"method":"status"}"#, .int(2)),
        (#"{"jsonrpc":"2.0","id":"s","method":5}"#, .string("s")),
        (#"{"jsonrpc":"2.0","id":null,"method":"status"}"#, nil),
        (#"{"jsonrpc":"2.0","id":1.5,"method":"status"}"#, nil),
        (#"{"jsonrpc":"2.0","id":{"a":1},"method":"status"}"#, nil),
        ("42", nil),
    ])
    func malformedRequestsAreInvalidRequest(line: String, echoedID: RequestID?) async throws {
        try await withDaemon { (daemon: DaemonHarness) async throws in
            let response = try #require(try await Self.responses(daemon, lines: [line]).first)
            #expect(response.error?.code == -32600)
            #expect(response.id == echoedID)
        }
    }

    @Test func unknownMethodIsMethodNotFound() async throws {
        try await withDaemon { (daemon: DaemonHarness) async throws in
            let response = try #require(
                try await Self.responses(daemon, lines: [#"{"jsonrpc":"2.0","id":1,"method":"frobnicate"}"#]).first
            )
            #expect(response.error?.code == -32601)
            #expect(response.error?.message.contains("frobnicate") == true)
        }
    }

    @Test(arguments: [
        #"{"jsonrpc":"2.0","id":1,"method":"search","params":[1]}"#,
        #"{"jsonrpc":"2.0","id":1,"method":"search","params":{}}"#,
        #"{"jsonrpc":"2.0","id":1,"method":"search","params":{"query":5}}"#,
        #"{"jsonrpc":"2.0","id":1,"method":"search","params":{"query":"x","limit":0}}"#,
        #"{"jsonrpc":"2.0","id":1,"method":"search","params":{"query":"x","limit":1001}}"#,
        #"{"jsonrpc":"2.0","id":1,"method":"search","params":{"query":"x","timeout_ms":0}}"#,
        #"{"jsonrpc":"2.0","id":1,"method":"search","params":{"query":"x","syntax":"regex"}}"#,
        #"{"jsonrpc":"2.0","id":1,"method":"search","params":{"query":"x","paths":[]}}"#,
        #"{"jsonrpc":"2.0","id":1,"method":"search","params":{"query":"x","paths":["relative"]}}"#,
        #"{"jsonrpc":"2.0","id":1,"method":"search","params":{"query":"x","paths":["/etc"]}}"#,
        #"{"jsonrpc":"2.0","id":1,"method":"search","params":{"query":"x","highlight":["only one"]}}"#,
        #"{"jsonrpc":"2.0","id":1,"method":"reindex","params":{"paths":["/etc"]}}"#,
        #"{"jsonrpc":"2.0","id":1,"method":"sync","params":{"timeout_ms":60001}}"#,
        #"{"jsonrpc":"2.0","id":1,"method":"explain","params":{}}"#,
        #"{"jsonrpc":"2.0","id":1,"method":"cancel","params":{"id":null}}"#,
    ])
    func badParamsAreInvalidParams(line: String) async throws {
        try await withDaemon { (daemon: DaemonHarness) async throws in
            let response = try #require(try await Self.responses(daemon, lines: [line]).first)
            #expect(response.error?.code == -32602, "\(line)")
            #expect(response.id == .int(1))
        }
    }

    @Test func overlongQueryIsInvalidParams() async throws {
        try await withDaemon { (daemon: DaemonHarness) async throws in
            let line =
                #"{"jsonrpc":"2.0","id":1,"method":"search","params":{"query":""# + String(repeating: "a", count: 4097)
                + #""}}"#
            #expect(try await Self.responses(daemon, lines: [line]).first?.error?.code == -32602)
        }
    }

    @Test func unknownParamsAreIgnored() async throws {
        try await withDaemon { (daemon: DaemonHarness) async throws in
            let line = #"{"jsonrpc":"2.0","id":1,"method":"status","params":{"future":true}}"#
            #expect(try await Self.responses(daemon, lines: [line]).first?.error == nil)
        }
    }

    @Test func notificationsGetNoResponse() async throws {
        try await withDaemon { (daemon: DaemonHarness) async throws in
            let responses = try await Self.responses(
                daemon,
                lines: [
                    #"{"jsonrpc":"2.0","method":"status"}"#,
                    #"{"jsonrpc":"2.0","method":"nope"}"#,
                    #"{"jsonrpc":"2.0","id":9,"method":"status"}"#,
                ],
                count: 1
            )
            #expect(responses.map(\.id) == [.int(9)])
        }
    }

    @Test func lineOverOneMebibyteIsRejectedAtOnceAndClosesConnection() async throws {
        try await withDaemon { (daemon: DaemonHarness) async throws in
            let (response, closed) = try await daemon.withConnection { connection in
                // No newline: the daemon must not wait for the end of the line.
                try await connection.send(Array(repeating: UInt8(ascii: "a"), count: (1 << 20) + 1))
                let response = try await connection.nextResponse()
                let closed = try await connection.nextLine() == nil
                return (response, closed)
            }
            #expect(response.error?.code == -32600)
            #expect(response.id == nil)
            #expect(closed)
        }
    }

    @Test func lineOfExactlyOneMebibyteIsAccepted() async throws {
        try await withDaemon { (daemon: DaemonHarness) async throws in
            let prefix = #"{"jsonrpc":"2.0","id":1,"method":"status","params":{"pad":""#
            let suffix = #""}}"#
            let padding = String(repeating: " ", count: (1 << 20) - prefix.utf8.count - suffix.utf8.count)
            let response = try #require(try await Self.responses(daemon, lines: [prefix + padding + suffix]).first)
            #expect(response.error == nil)
        }
    }

    @Test func rejectedFts5QueryIsSyntaxError() async throws {
        try await withDaemon(files: ["a.txt": "alpha"]) { (daemon: DaemonHarness) async throws in
            let params = SearchParams(query: "alpha AND (", syntax: .fts5)
            await #expect(throws: RPCError.self) { try await daemon.call(.search, params, as: SearchResult.self) }
            do {
                _ = try await daemon.call(.search, params, as: SearchResult.self)
            } catch let error as RPCError {
                #expect(error.code == -32002)
                #expect(error.message.contains("syntax"))
            }
        }
    }

    /// `printf '...' | nc -N -U socket`: the client closes its sending side and still reads every answer.
    @Test func halfClosedClientStillGetsEveryAnswer() async throws {
        try await withDaemon(files: ["a.txt": "half closed"]) { (daemon: DaemonHarness) async throws in
            let ids = try await daemon.withConnection { connection in
                try await connection.send(Array(#"{"jsonrpc":"2.0","id":1,"method":"sync"}"#.utf8) + [0x0A])
                try await connection.send(Array(#"{"jsonrpc":"2.0","id":2,"method":"status"}"#.utf8))
                connection.finishSending()
                var ids: Set<RequestID> = []
                while let line = try await connection.nextLine() {
                    let response = try Response(line: line)
                    #expect(response.error == nil)
                    if let id = response.id { ids.insert(id) }
                }
                return ids
            }
            #expect(ids == [.int(1), .int(2)])
        }
    }

    @Test func responsesEchoStringIDs() async throws {
        try await withDaemon { (daemon: DaemonHarness) async throws in
            let response = try #require(
                try await Self.responses(daemon, lines: [#"{"jsonrpc":"2.0","id":"abc","method":"status"}"#]).first
            )
            #expect(response.id == .string("abc"))
        }
    }
}
