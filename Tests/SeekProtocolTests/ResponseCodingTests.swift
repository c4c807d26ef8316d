import Foundation
import SeekProtocol
import Testing

/// Response lines: one JSON object, no raw newline inside, `\n` at the end; the id echoed; errors as the
/// protocol's error table and "Supersede, cancellation and timeouts" describe them.
@Suite struct ResponseCodingTests {
    /// Checks the framing of a line and returns its JSON object.
    static func object(
        of line: [UInt8],
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> [String: JSONValue] {
        #expect(line.last == 0x0A, "ends with a newline", sourceLocation: sourceLocation)
        #expect(line.filter { $0 == 0x0A }.count == 1, "no raw newline inside", sourceLocation: sourceLocation)
        #expect(!line.contains(0x0D), "no raw carriage return inside", sourceLocation: sourceLocation)
        #expect(String(validating: line, as: UTF8.self) != nil, "UTF-8", sourceLocation: sourceLocation)
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(line.dropLast()))
        guard case .object(let fields) = value else {
            Issue.record("not a JSON object: \(value)", sourceLocation: sourceLocation)
            return [:]
        }
        #expect(fields["jsonrpc"] == .string("2.0"), sourceLocation: sourceLocation)
        return fields
    }

    static let awkwardStrings = [
        "line one\nline two",
        "crlf\r\nend\n",
        "\n",
        "tab\there, nul \u{0} and bell \u{7}",
        "ünïcödé 日本語 🙂 e\u{301}",
        "line\u{2028}separator\u{2029}paragraph\u{85}next",
        "quote \" backslash \\ slash /",
    ]

    @Test(arguments: awkwardStrings)
    func successLineHasNoRawNewlineAndRoundTrips(text: String) throws {
        let hit = SearchHit(path: "/r/" + text, pathBytes: nil, score: 1.5, size: 3, mtime: 1.25, snippet: text)
        let result = SearchResult(hits: [hit], elapsedMilliseconds: 0.5, generation: 4)
        let line = ResponseCoding.success(id: .string(text), result: result)
        let fields = try Self.object(of: line)
        #expect(fields["id"] == .string(text))
        #expect(fields["error"] == nil)

        let response = try Response(line: line.dropLast())
        #expect(response.id == .string(text))
        #expect(try response.decodeResult(SearchResult.self) == result)
    }

    @Test(arguments: awkwardStrings)
    func errorLineHasNoRawNewlineAndRoundTrips(text: String) throws {
        let error = RPCError(code: -32002, message: text, data: .object(["detail": .string(text)]))
        let line = ResponseCoding.failure(id: .int(12), error: error)
        let fields = try Self.object(of: line)
        #expect(fields["result"] == nil)

        let response = try Response(line: line)
        #expect(response.id == .int(12))
        #expect(response.error == error)
        #expect(response.result == nil)
    }

    @Test(arguments: [RequestID.int(0), .int(-1), .int(Int64.max), .int(Int64.min), .string(""), .string("a\nb")])
    func successEchoesTheID(id: RequestID) throws {
        let line = ResponseCoding.success(id: id, result: GenerationResult(generation: 3))
        let fields = try Self.object(of: line)
        #expect(fields["id"] == id.json)
        #expect(fields["result"] == .object(["generation": .int(3)]))
        #expect(try Response(line: line).id == id)
    }

    @Test(arguments: [RequestID.int(5), .string("five")])
    func errorEchoesTheID(id: RequestID) throws {
        let fields = try Self.object(of: ResponseCoding.failure(id: id, error: .invalidParams("\"limit\" is bad")))
        #expect(fields["id"] == id.json)
    }

    @Test func errorWithUnknownIDCarriesExplicitNullID() throws {
        let line = ResponseCoding.failure(id: nil, error: .parseError("the line is not valid JSON"))
        let fields = try Self.object(of: line)
        #expect(fields.keys.contains("id"))
        #expect(fields["id"] == .null)
        guard case .object(let error)? = fields["error"] else {
            Issue.record("no error object in \(fields)")
            return
        }
        #expect(error["code"] == .int(-32700))
        #expect(error["message"] == .string("the line is not valid JSON"))
        #expect(try Response(line: line).id == nil)
    }

    @Test func decodeResultThrowsTheErrorOfAnErrorResponse() throws {
        let line = ResponseCoding.failure(id: .int(1), error: .timeout(milliseconds: 250))
        let response = try Response(line: line)
        let thrown = #expect(throws: RPCError.self) { try response.decodeResult(GenerationResult.self) }
        #expect(thrown == .timeout(milliseconds: 250))
    }

    static let searchResults = [
        SearchResult(hits: [], elapsedMilliseconds: 0, generation: 0),
        SearchResult(
            hits: [
                SearchHit(path: "/r/a b.txt", pathBytes: nil, score: 7.1, size: 0, mtime: 1_795_000_000, snippet: ""),
                SearchHit(
                    path: "/r/z",
                    pathBytes: nil,
                    score: -0.0,
                    size: 1,
                    mtime: .leastNonzeroMagnitude,
                    snippet: "x"
                ),
                SearchHit(
                    path: "/r/\u{FFFD}",
                    pathBytes: "L3Iv/w==",
                    score: -2.5e-07,
                    size: 1 << 40,
                    mtime: 0.125,
                    snippet: nil
                ),
                SearchHit(
                    path: "/r/ünï \"q\" \\ /",
                    pathBytes: nil,
                    score: 1e300,
                    size: 3,
                    mtime: -1.5,
                    snippet: "a <mark>b</mark>\n\t\u{1}\u{7F}\u{2028}🙂"
                ),
            ],
            elapsedMilliseconds: 1.4,
            generation: Int.max,
            ranked: false
        ),
        SearchResult(hits: [], elapsedMilliseconds: 12_345.678, generation: 3, ranked: true),
    ]

    /// Search results are written without `Codable` (see `JSONWriter`): the same JSON values.
    @Test(arguments: searchResults, [RequestID.int(-7), .string("q\n\"1\"")])
    func searchLineIsWhatCodableWouldEncode(result: SearchResult, id: RequestID) throws {
        let line = ResponseCoding.success(id: id, result: result)
        let fields = try Self.object(of: line)
        #expect(Set(fields.keys) == ["id", "jsonrpc", "result"])
        #expect(fields["id"] == id.json)
        // Integers stay integers (`1795000000`, not `1795000000.0`) for clients that read them as such.
        let encoded = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(result))
        #expect(fields["result"] == encoded)
        #expect(try Response(line: line).decodeResult(SearchResult.self) == result)
    }

    @Test func resultThatCannotBeEncodedBecomesAnInternalErrorWithTheSameID() throws {
        let result = SearchResult(hits: [], elapsedMilliseconds: .nan, generation: 1)
        let line = ResponseCoding.success(id: .string("q"), result: result)
        let response = try Response(line: line)
        #expect(response.id == .string("q"))
        #expect(response.result == nil)
        #expect(response.error?.code == -32603)
        #expect(response.error?.message.isEmpty == false)
        #expect(line.filter { $0 == 0x0A }.count == 1)
        let hit = SearchHit(path: "/r/a", pathBytes: nil, score: .infinity, size: 1, mtime: 0, snippet: nil)
        let infinite = ResponseCoding.success(
            id: .int(2),
            result: SearchResult(hits: [hit], elapsedMilliseconds: 1, generation: 1)
        )
        #expect(try Response(line: infinite).error?.code == -32603)
    }

    /// The exact exchange of PROTOCOL.md "Example".
    @Test func supersededErrorMatchesTheProtocolExample() throws {
        let line = ResponseCoding.failure(id: .int(1), error: .superseded(by: .int(2)))
        let expected = try JSONDecoder().decode(
            JSONValue.self,
            from: Data(
                #"{"jsonrpc":"2.0","id":1,"error":{"code":-32800,"message":"superseded by request 2","data":{"reason":"superseded","by":2}}}"#
                    .utf8
            )
        )
        #expect(try .object(Self.object(of: line)) == expected)
    }

    // MARK: RPCError helpers

    @Test(arguments: [RequestID.int(2), .string("next")])
    func supersededDataHasReasonAndBy(by: RequestID) {
        let error = RPCError.superseded(by: by)
        #expect(error.code == -32800)
        #expect(error.data == .object(["reason": .string("superseded"), "by": by.json]))
        #expect(error.cancellationReason == "superseded")
        #expect(error.message.contains("superseded"))
    }

    @Test func cancelledAndShutdownCarryTheirReason() {
        #expect(RPCError.cancelled.code == -32800)
        #expect(RPCError.cancelled.data == .object(["reason": .string("cancelled")]))
        #expect(RPCError.cancelled.cancellationReason == "cancelled")
        #expect(RPCError.shutdown.code == -32800)
        #expect(RPCError.shutdown.data == .object(["reason": .string("shutdown")]))
        #expect(RPCError.shutdown.cancellationReason == "shutdown")
    }

    @Test(arguments: [1, 250, 60_000])
    func timeoutDataHasTimeoutMilliseconds(milliseconds: Int) {
        let error = RPCError.timeout(milliseconds: milliseconds)
        #expect(error.code == -32001)
        #expect(error.data == .object(["timeout_ms": .int(Int64(milliseconds))]))
        #expect(error.message.contains("\(milliseconds) ms"))
        #expect(error.cancellationReason == nil)
    }

    @Test func cancellationReasonIsOnlyForCancelledCode() {
        let lookalike = RPCError(code: -32001, message: "x", data: .object(["reason": .string("cancelled")]))
        #expect(lookalike.cancellationReason == nil)
        #expect(RPCError(code: -32800, message: "x").cancellationReason == nil)
    }

    /// PROTOCOL.md "Error codes", each through its helper.
    static let helpers: [(error: RPCError, code: Int)] = [
        (.parseError("the line is not valid JSON"), -32700),
        (.invalidRequest("\"jsonrpc\" must be \"2.0\""), -32600),
        (.methodNotFound("frobnicate"), -32601),
        (.invalidParams("\"limit\" must be an integer from 1 to 1000"), -32602),
        (.internalError("disk I/O error"), -32603),
        (.superseded(by: .int(2)), -32800),
        (.cancelled, -32800),
        (.shutdown, -32800),
        (.timeout(milliseconds: 10), -32001),
        (.querySyntax("unterminated string"), -32002),
        (.overloaded("too many requests in flight on this connection (64)"), -32003),
    ]

    @Test(arguments: helpers)
    func everyHelperHasItsCodeAndAMessageAndRoundTrips(error: RPCError, code: Int) throws {
        #expect(error.code == code)
        #expect(error.message.count > 10)
        let line = ResponseCoding.failure(id: .int(1), error: error)
        _ = try Self.object(of: line)
        #expect(try Response(line: line).error == error)
    }

    @Test func methodNotFoundNamesTheMethodAndTheKnownOnes() {
        let error = RPCError.methodNotFound("serch")
        #expect(error.message.contains("\"serch\""))
        for method in Method.allCases {
            #expect(error.message.contains(method.rawValue))
        }
    }

    @Test func querySyntaxMessageSaysWhy() {
        #expect(RPCError.querySyntax("fts5: syntax error near \"(\"").message.contains("syntax error near \"(\""))
    }

    @Test func errorWithoutDataHasNoDataMember() throws {
        let fields = try Self.object(of: ResponseCoding.failure(id: .int(1), error: .invalidRequest("bad")))
        guard case .object(let error)? = fields["error"] else {
            Issue.record("no error object in \(fields)")
            return
        }
        #expect(Set(error.keys) == ["code", "message"])
    }

    // MARK: Request lines (client side), read back by the daemon's decoder

    @Test func searchRequestLineDecodesToTheSameParams() throws {
        let params = SearchParams(
            query: "multi\nline \"quoted\" ünï 🙂",
            syntax: .fts5,
            limit: 5,
            timeoutMilliseconds: 300,
            paths: ["/r/a b", "/r/日本"],
            channel: "c",
            sync: true,
            snippet: false,
            highlight: ["[", "]"]
        )
        let line = try ResponseCoding.request(id: .int(8), method: "search", params: params)
        #expect(line.last == 0x0A)
        #expect(line.filter { $0 == 0x0A }.count == 1)
        guard case .request(let request) = RequestDecoder.decode(line.dropLast()) else {
            Issue.record("the daemon refused a client's line")
            return
        }
        #expect(request.id == .int(8))
        #expect(request.method == "search")
        #expect(try SearchParams(params: request.params) == params)
    }

    @Test func defaultSearchParamsOmitPathsSoTheyMeanEveryRoot() throws {
        let line = try ResponseCoding.request(id: .int(1), method: "search", params: SearchParams(query: "x"))
        guard case .request(let request) = RequestDecoder.decode(line.dropLast()) else {
            Issue.record("the daemon refused a client's line")
            return
        }
        #expect(request.params["paths"] == nil)
        #expect(try SearchParams(params: request.params) == SearchParams(query: "x"))
    }

    @Test func requestWithoutIDIsSentAsANotification() throws {
        let line = try ResponseCoding.request(id: nil, method: "cancel", params: CancelParams(id: .string("q1")))
        guard case .request(let request) = RequestDecoder.decode(line.dropLast()) else {
            Issue.record("the daemon refused a client's line")
            return
        }
        #expect(request.id == nil)
        #expect(try CancelParams(params: request.params) == CancelParams(id: .string("q1")))
    }

    @Test func syncAndReindexAndExplainParamsRoundTrip() throws {
        func decoded(_ method: String, _ params: some Encodable) throws -> [String: JSONValue] {
            let line = try ResponseCoding.request(id: .int(1), method: method, params: params)
            guard case .request(let request) = RequestDecoder.decode(line.dropLast()) else {
                Issue.record("the daemon refused a client's line")
                return [:]
            }
            return request.params
        }
        #expect(try SyncParams(params: decoded("sync", SyncParams(timeoutMilliseconds: 42))).timeoutMilliseconds == 42)
        let reindex = ReindexParams(paths: ["/r/x"], wait: true)
        #expect(try ReindexParams(params: decoded("reindex", reindex)) == reindex)
        #expect(
            try ExplainParams(params: decoded("explain", ExplainParams(path: "/r/a"))) == ExplainParams(path: "/r/a")
        )
    }
}
