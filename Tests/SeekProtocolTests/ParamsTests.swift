import SeekProtocol
import Testing

/// PROTOCOL.md "Methods": each method's params, their types, ranges and defaults; bad params are -32602.
@Suite struct ParamsTests {
    /// Runs `body`, which must throw an invalid-params error, and returns that error.
    @discardableResult
    static func expectInvalidParams(
        _ body: () throws -> Void,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> RPCError? {
        do {
            try body()
        } catch let error as RPCError {
            #expect(error.code == -32602, "\(error)", sourceLocation: sourceLocation)
            #expect(error.message.count > 10, "a person-readable message", sourceLocation: sourceLocation)
            return error
        } catch {
            Issue.record("expected an RPCError, got \(error)", sourceLocation: sourceLocation)
            return nil
        }
        Issue.record("expected -32602, got no error", sourceLocation: sourceLocation)
        return nil
    }

    /// A value of every JSON type but the one named, for type checks.
    static func values(except type: String) -> [JSONValue] {
        let all: [JSONValue] = [
            .bool(true), .int(1), .double(1.5), .string("1"), .array([.string("a"), .string("b")]),
            .object(["a": .int(1)]),
        ]
        return all.filter { $0.typeName != type }
    }

    // MARK: search

    @Suite struct Search {
        static func search(_ params: [String: JSONValue]) throws(RPCError) -> SearchParams {
            try SearchParams(params: params)
        }

        @Test func onlyAQueryGivesTheDocumentedDefaults() throws {
            let params = try Self.search(["query": .string("cance")])
            #expect(params.query == "cance")
            #expect(params.syntax == .simple)
            #expect(params.limit == 20)
            #expect(params.timeoutMilliseconds == 2000)
            #expect(params.paths == nil)
            #expect(params.channel == "")
            #expect(params.sync == false)
            #expect(params.snippet == true)
            #expect(params.highlight == ["<mark>", "</mark>"])
        }

        @Test func everyParamIsRead() throws {
            let params = try Self.search([
                "query": .string("a b"),
                "syntax": .string("fts5"),
                "limit": .int(7),
                "timeout_ms": .int(150),
                "paths": .array([.string("/r/src"), .string("/r/docs")]),
                "channel": .string("palette"),
                "sync": .bool(true),
                "snippet": .bool(false),
                "highlight": .array([.string("["), .string("]")]),
            ])
            let expected = SearchParams(
                query: "a b",
                syntax: .fts5,
                limit: 7,
                timeoutMilliseconds: 150,
                paths: ["/r/src", "/r/docs"],
                channel: "palette",
                sync: true,
                snippet: false,
                highlight: ["[", "]"]
            )
            #expect(params == expected)
        }

        @Test func unknownKeysAreIgnored() throws {
            let params = try Self.search([
                "query": .string("x"),
                "fuzzy": .bool(true),
                "future": .object(["nested": .array([.null])]),
                "Limit": .string("not the limit key"),
            ])
            #expect(params == SearchParams(query: "x"))
        }

        @Test func queryIsRequired() {
            let error = ParamsTests.expectInvalidParams { _ = try Self.search(["limit": .int(5)]) }
            #expect(error?.message.contains("query") == true)
            ParamsTests.expectInvalidParams { _ = try Self.search([:]) }
        }

        @Test(arguments: ParamsTests.values(except: "string") + [.null])
        func queryOfAnotherTypeIsInvalidParams(value: JSONValue) {
            let error = ParamsTests.expectInvalidParams { _ = try Self.search(["query": value]) }
            #expect(error?.message.contains("query") == true)
        }

        /// The limit counts UTF-8 bytes, not characters.
        static let queryLengths: [(query: String, accepted: Bool)] = [
            ("", true),
            (String(repeating: "a", count: 4096), true),
            (String(repeating: "a", count: 4097), false),
            (String(repeating: "é", count: 2048), true),  // 4096 bytes
            (String(repeating: "é", count: 2049), false),  // 4098 bytes, 2049 characters
            (String(repeating: "€", count: 1365) + "a", true),  // 4096 bytes
            (String(repeating: "€", count: 1366), false),  // 4098 bytes, 1366 characters
            (String(repeating: "🙂", count: 1024), true),  // 4096 bytes
            (String(repeating: "🙂", count: 1024) + "a", false),  // 4097 bytes, 1025 characters
            (String(repeating: "e\u{301}", count: 1365), true),  // 4095 bytes, 1365 characters
            (String(repeating: "e\u{301}", count: 1366), false),  // 4098 bytes, 1366 characters
        ]

        @Test(arguments: queryLengths)
        func queryIsLimitedTo4096Bytes(query: String, accepted: Bool) throws {
            if accepted {
                #expect(try Self.search(["query": .string(query)]).query == query)
            } else {
                let error = ParamsTests.expectInvalidParams { _ = try Self.search(["query": .string(query)]) }
                #expect(error?.message.contains("4096") == true)
                #expect(error?.message.contains("bytes") == true)
            }
        }

        @Test(arguments: [("simple", SearchParams.Syntax.simple), ("fts5", .fts5)])
        func syntaxIsSimpleOrFTS5(name: String, syntax: SearchParams.Syntax) throws {
            #expect(try Self.search(["query": .string("x"), "syntax": .string(name)]).syntax == syntax)
        }

        @Test(arguments: [
            JSONValue.string("FTS5"), .string("Simple"), .string("regex"), .string(""), .int(1), .bool(true),
            .array([.string("fts5")]),
        ])
        func otherSyntaxIsInvalidParams(value: JSONValue) {
            let error = ParamsTests.expectInvalidParams {
                _ = try Self.search(["query": .string("x"), "syntax": value])
            }
            #expect(error?.message.contains("syntax") == true)
        }

        @Test(arguments: [1, 2, 20, 999, 1000])
        func limitInRangeIsAccepted(limit: Int64) throws {
            #expect(try Self.search(["query": .string("x"), "limit": .int(limit)]).limit == Int(limit))
        }

        @Test(arguments: [
            JSONValue.int(0), .int(-1), .int(1001), .int(Int64.max), .int(Int64.min), .double(1.5), .double(1e30),
            .string("10"), .bool(true), .array([.int(10)]), .object([:]),
        ])
        func limitOutOfRangeOrNotAnIntegerIsInvalidParams(value: JSONValue) {
            let error = ParamsTests.expectInvalidParams {
                _ = try Self.search(["query": .string("x"), "limit": value])
            }
            #expect(error?.message.contains("limit") == true)
            #expect(error?.message.contains("1000") == true)
        }

        @Test(arguments: [1, 2000, 60_000])
        func timeoutInRangeIsAccepted(timeout: Int64) throws {
            let params = try Self.search(["query": .string("x"), "timeout_ms": .int(timeout)])
            #expect(params.timeoutMilliseconds == Int(timeout))
        }

        @Test(arguments: [
            JSONValue.int(0), .int(-100), .int(60_001), .int(Int64.max), .double(0.5), .string("2000"), .bool(false),
        ])
        func timeoutOutOfRangeOrNotAnIntegerIsInvalidParams(value: JSONValue) {
            let error = ParamsTests.expectInvalidParams {
                _ = try Self.search(["query": .string("x"), "timeout_ms": value])
            }
            #expect(error?.message.contains("timeout_ms") == true)
        }

        @Test(arguments: [["/"], ["/r"], ["/r/src/"], ["/r/./src/../docs"], ["/a", "/b"], ["/ünï/日本"]])
        func absolutePathsAreAccepted(paths: [String]) throws {
            let params = try Self.search(["query": .string("x"), "paths": .array(paths.map { .string($0) })])
            #expect(params.paths?.count == paths.count)
        }

        @Test(arguments: [
            JSONValue.array([]),
            .array([.string("relative")]),
            .array([.string("/abs"), .string("rel/ative")]),
            .array([.string("")]),
            .array([.string("./r")]),
            .array([.string("../r")]),
            .array([.string("~/r")]),
            .array([.int(1)]),
            .array([.null]),
            .array([.array([.string("/r")])]),
            .string("/r"),
            .object(["0": .string("/r")]),
            .bool(true),
        ])
        func pathsThatAreNotANonEmptyArrayOfAbsolutePathsAreInvalidParams(value: JSONValue) {
            let error = ParamsTests.expectInvalidParams {
                _ = try Self.search(["query": .string("x"), "paths": value])
            }
            #expect(error?.message.contains("paths") == true)
        }

        @Test func upToSixtyFourPathsAreAccepted() throws {
            let paths = (0..<ProtocolLimits.maxSearchPaths).map { JSONValue.string("/r/\($0)") }
            #expect(try Self.search(["query": .string("x"), "paths": .array(paths)]).paths?.count == 64)
        }

        @Test(arguments: [65, 1000, 50_000])
        func moreThanSixtyFourPathsAreInvalidParams(count: Int) {
            let paths = (0..<count).map { JSONValue.string("/r/\($0)") }
            let error = ParamsTests.expectInvalidParams {
                _ = try Self.search(["query": .string("x"), "paths": .array(paths)])
            }
            #expect(error?.message.contains("at most 64") == true)
        }

        @Test func channelIsAnyString() throws {
            #expect(try Self.search(["query": .string("x"), "channel": .string("palette ✓")]).channel == "palette ✓")
        }

        @Test(arguments: ParamsTests.values(except: "string"))
        func channelOfAnotherTypeIsInvalidParams(value: JSONValue) {
            let error = ParamsTests.expectInvalidParams {
                _ = try Self.search(["query": .string("x"), "channel": value])
            }
            #expect(error?.message.contains("channel") == true)
        }

        @Test(arguments: [true, false])
        func syncAndSnippetAreBooleans(value: Bool) throws {
            let params = try Self.search(["query": .string("x"), "sync": .bool(value), "snippet": .bool(value)])
            #expect(params.sync == value)
            #expect(params.snippet == value)
        }

        @Test(arguments: ["sync", "snippet"], ParamsTests.values(except: "boolean") + [.int(0)])
        func booleanParamOfAnotherTypeIsInvalidParams(key: String, value: JSONValue) {
            let error = ParamsTests.expectInvalidParams { _ = try Self.search(["query": .string("x"), key: value]) }
            #expect(error?.message.contains(key) == true)
        }

        @Test(arguments: [["[", "]"], ["", ""], ["\u{1B}[1m", "\u{1B}[0m"], ["<b class=\"hit\">", "</b>"]])
        func highlightIsTwoStrings(markers: [String]) throws {
            let params = try Self.search(["query": .string("x"), "highlight": .array(markers.map { .string($0) })])
            #expect(params.highlight == markers)
        }

        @Test func markersOfSixtyFourBytesAreAccepted() throws {
            let marker = String(repeating: "é", count: 32)  // 64 bytes of UTF-8
            let params = try Self.search(["query": .string("x"), "highlight": .array([.string(marker), .string("")])])
            #expect(params.highlight == [marker, ""])
        }

        @Test(arguments: [
            [String(repeating: "<", count: 65), "</b>"], ["<b>", String(repeating: "é", count: 33)],
            [String(repeating: "x", count: 1 << 19), "y"],
        ])
        func markersLongerThanSixtyFourBytesAreInvalidParams(markers: [String]) {
            let error = ParamsTests.expectInvalidParams {
                _ = try Self.search(["query": .string("x"), "highlight": .array(markers.map { .string($0) })])
            }
            #expect(error?.message.contains("at most 64 bytes") == true)
        }

        @Test(arguments: [
            JSONValue.array([]),
            .array([.string("<b>")]),
            .array([.string("<b>"), .string("</b>"), .string("!")]),
            .array([.int(1), .int(2)]),
            .array([.string("<b>"), .null]),
            .string("<b></b>"),
            .object(["open": .string("<b>"), "close": .string("</b>")]),
            .bool(false),
        ])
        func highlightThatIsNotTwoStringsIsInvalidParams(value: JSONValue) {
            let error = ParamsTests.expectInvalidParams {
                _ = try Self.search(["query": .string("x"), "highlight": value])
            }
            #expect(error?.message.contains("highlight") == true)
        }
    }

    // MARK: sync

    @Suite struct Sync {
        @Test func timeoutDefaultsToTenSeconds() throws {
            #expect(try SyncParams(params: [:]).timeoutMilliseconds == 10_000)
            #expect(try SyncParams(params: ["unknown": .string("ignored")]).timeoutMilliseconds == 10_000)
        }

        @Test(arguments: [1, 10_000, 60_000])
        func timeoutInRangeIsAccepted(timeout: Int64) throws {
            #expect(try SyncParams(params: ["timeout_ms": .int(timeout)]).timeoutMilliseconds == Int(timeout))
        }

        @Test(arguments: [
            JSONValue.int(0), .int(-1), .int(60_001), .int(Int64.max), .double(2.5), .string("100"), .bool(true),
            .array([.int(100)]),
        ])
        func timeoutOutOfRangeOrNotAnIntegerIsInvalidParams(value: JSONValue) {
            let error = ParamsTests.expectInvalidParams { _ = try SyncParams(params: ["timeout_ms": value]) }
            #expect(error?.message.contains("timeout_ms") == true)
            #expect(error?.message.contains("60000") == true)
        }
    }

    // MARK: reindex

    @Suite struct Reindex {
        @Test func defaultsAreEveryRootWithoutWaiting() throws {
            #expect(try ReindexParams(params: [:]) == ReindexParams(paths: nil, wait: false))
            #expect(try ReindexParams(params: ["later": .int(1)]) == ReindexParams())
        }

        @Test func pathsAndWaitAreRead() throws {
            let params = try ReindexParams(params: [
                "paths": .array([.string("/r/a"), .string("/r/b/")]), "wait": .bool(true),
            ])
            #expect(params == ReindexParams(paths: ["/r/a", "/r/b/"], wait: true))
        }

        @Test(arguments: [
            JSONValue.array([.string("r/a")]),
            .array([.string("/r"), .string("")]),
            .array([.string("./r")]),
            .array([.int(3)]),
            .string("/r"),
            .object([:]),
        ])
        func pathsThatAreNotAbsoluteStringsAreInvalidParams(value: JSONValue) {
            let error = ParamsTests.expectInvalidParams { _ = try ReindexParams(params: ["paths": value]) }
            #expect(error?.message.contains("paths") == true)
        }

        @Test(arguments: ParamsTests.values(except: "boolean"))
        func waitOfAnotherTypeIsInvalidParams(value: JSONValue) {
            let error = ParamsTests.expectInvalidParams { _ = try ReindexParams(params: ["wait": value]) }
            #expect(error?.message.contains("wait") == true)
        }
    }

    // MARK: cancel

    @Suite struct Cancel {
        @Test(arguments: [RequestID.int(0), .int(-3), .int(Int64.max), .string(""), .string("req-1")])
        func idIsAnIntegerOrAString(id: RequestID) throws {
            #expect(try CancelParams(params: ["id": id.json, "reason": .string("ignored")]).id == id)
        }

        @Test func idIsRequired() {
            let error = ParamsTests.expectInvalidParams { _ = try CancelParams(params: [:]) }
            #expect(error?.message.contains("id") == true)
        }

        @Test(arguments: [
            JSONValue.null, .double(1.5), .bool(true), .array([.int(1)]), .object(["id": .int(1)]),
        ])
        func idOfAnotherTypeIsInvalidParams(value: JSONValue) {
            let error = ParamsTests.expectInvalidParams { _ = try CancelParams(params: ["id": value]) }
            #expect(error?.message.contains("id") == true)
        }
    }

    // MARK: explain

    @Suite struct Explain {
        @Test(arguments: ["/", "/r/a.txt", "/r/dir/", "/r/../x", "/ünï"])
        func absolutePathIsAccepted(path: String) throws {
            #expect(try ExplainParams(params: ["path": .string(path), "verbose": .bool(true)]).path == path)
        }

        @Test func pathIsRequired() {
            let error = ParamsTests.expectInvalidParams { _ = try ExplainParams(params: [:]) }
            #expect(error?.message.contains("path") == true)
        }

        @Test(arguments: [JSONValue.string(""), .string("a.txt"), .string("./a"), .string("~/a"), .string("../a")])
        func relativePathIsInvalidParams(value: JSONValue) {
            let error = ParamsTests.expectInvalidParams { _ = try ExplainParams(params: ["path": value]) }
            #expect(error?.message.contains("path") == true)
        }

        @Test(arguments: ParamsTests.values(except: "string") + [.null])
        func pathOfAnotherTypeIsInvalidParams(value: JSONValue) {
            let error = ParamsTests.expectInvalidParams { _ = try ExplainParams(params: ["path": value]) }
            #expect(error?.message.contains("path") == true)
        }
    }
}
