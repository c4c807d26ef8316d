import SeekProtocol
import Testing

/// PROTOCOL.md "Framing": what a received line becomes, and which error (-32700, -32600, -32602) it earns.
@Suite struct RequestDecoderTests {
    /// A failure outcome taken apart, so that tests can check each part.
    struct Failure {
        let error: RPCError
        let id: RequestID?
        let isNotification: Bool
    }

    static func decode(_ line: String) -> RequestDecoder.Outcome {
        RequestDecoder.decode(Array(line.utf8))
    }

    static func failure(_ outcome: RequestDecoder.Outcome) -> Failure? {
        guard case .failure(let error, let id, let isNotification) = outcome else { return nil }
        return Failure(error: error, id: id, isNotification: isNotification)
    }

    static func request(_ outcome: RequestDecoder.Outcome) -> Request? {
        guard case .request(let request) = outcome else { return nil }
        return request
    }

    // MARK: Well-formed messages

    @Test func requestKeepsIntegerIDMethodAndParams() throws {
        let line = #"{"jsonrpc":"2.0","id":1,"method":"search","params":{"query":"cance","limit":5}}"#
        let request = try #require(Self.request(Self.decode(line)))
        #expect(
            request == Request(id: .int(1), method: "search", params: ["query": .string("cance"), "limit": .int(5)])
        )
    }

    @Test(arguments: [
        (#""abc""#, RequestID.string("abc")),
        (#""""#, .string("")),
        (#""ünï 🙂""#, .string("ünï 🙂")),
        ("0", .int(0)),
        ("-7", .int(-7)),
        ("9223372036854775807", .int(Int64.max)),
        ("-9223372036854775808", .int(Int64.min)),
    ])
    func integerAndStringIDsAreKeptExactly(json: String, id: RequestID) throws {
        let request = try #require(Self.request(Self.decode(#"{"jsonrpc":"2.0","id":\#(json),"method":"status"}"#)))
        #expect(request.id == id)
    }

    @Test func absentParamsReadAsAnEmptyObject() throws {
        let request = try #require(Self.request(Self.decode(#"{"jsonrpc":"2.0","id":3,"method":"status"}"#)))
        #expect(request.params.isEmpty)
    }

    @Test func messageWithoutIDIsANotification() throws {
        let line = #"{"jsonrpc":"2.0","method":"cancel","params":{"id":4}}"#
        let request = try #require(Self.request(Self.decode(line)))
        #expect(request.id == nil)
        #expect(request.method == "cancel")
        #expect(request.params == ["id": .int(4)])
    }

    @Test func keyOrderAndSurroundingWhitespaceDoNotMatter() throws {
        let line = "  {\"params\" : {}, \"method\":\"status\",\t\"id\":\"x\", \"jsonrpc\":\"2.0\"}  \r"
        let request = try #require(Self.request(Self.decode(line)))
        #expect(request == Request(id: .string("x"), method: "status"))
    }

    @Test func escapedStringsAreDecoded() throws {
        let line = #"{"jsonrpc":"2.0","id":1,"method":"st\u0061tus","params":{"q":"a\nb\u00e9\ud83d\ude42"}}"#
        let request = try #require(Self.request(Self.decode(line)))
        #expect(request.method == "status")
        #expect(request.params["q"] == .string("a\nbé🙂"))
    }

    @Test func integersStayIntegersAndBooleansStayBooleans() throws {
        let line = #"{"jsonrpc":"2.0","id":1,"method":"search","params":{"a":1,"b":0,"c":true,"d":1.5,"e":null}}"#
        let params = try #require(Self.request(Self.decode(line))).params
        #expect(params["a"] == .int(1))
        #expect(params["b"] == .int(0))
        #expect(params["c"] == .bool(true))
        #expect(params["d"] == .double(1.5))
        #expect(params["e"] == .null)
    }

    // MARK: -32700

    static let notJSON: [String] = [
        "",
        " ",
        "not json",
        "{",
        #"{"jsonrpc":"2.0","id":1,"method":"status""#,
        #"{"jsonrpc":"2.0","id":1,"method":"status"} trailing"#,
        #"{"jsonrpc":"2.0","id":1,"method":"status"}{"jsonrpc":"2.0","id":2,"method":"status"}"#,
        #"{'jsonrpc':'2.0','id':1,'method':'status'}"#,
        #"{jsonrpc:"2.0",id:1,method:"status"}"#,
        #"{"jsonrpc":"2.0","id":NaN,"method":"status"}"#,
        #"{"jsonrpc":"2.0","id":1,"method":"status"} // comment"#,
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"sta\ttus\"}",
    ]

    @Test(arguments: notJSON)
    func lineThatIsNotJSONIsParseErrorWithNullID(line: String) throws {
        let failure = try #require(Self.failure(Self.decode(line)))
        #expect(failure.error.code == -32700)
        #expect(failure.id == nil)
        #expect(!failure.isNotification)
        #expect(failure.error.message.contains("JSON"))
    }

    /// RFC 8259 has no trailing commas, but Foundation's `JSONDecoder` takes them, so these lines become requests.
    static let trailingCommas: [String] = [
        #"{"jsonrpc":"2.0","id":1,"method":"status",}"#,
        #"{"jsonrpc":"2.0","id":1,"method":"search","params":{"query":"x","paths":["/r",]}}"#,
    ]

    @Test(arguments: trailingCommas)
    func lineWithATrailingCommaIsParseError(line: String) throws {
        let failure = try #require(Self.failure(Self.decode(line)))
        #expect(failure.error.code == -32700)
        #expect(failure.id == nil)
    }

    static let notUTF8: [[UInt8]] = [
        [0xFF],
        Array(#"{"jsonrpc":"2.0","id":1,"method":"st"#.utf8) + [0xC3] + Array(#"atus"}"#.utf8),
        // Overlong "/" and an encoded surrogate: well-formed looking, but not UTF-8.
        Array(#"{"jsonrpc":"2.0","id":1,"method":"status","params":{"query":""#.utf8) + [0xC0, 0xAF]
            + Array(#""}}"#.utf8),
        Array(#"{"jsonrpc":"2.0","id":1,"method":"status","params":{"query":""#.utf8) + [0xED, 0xA0, 0x80]
            + Array(#""}}"#.utf8),
        // Latin-1 "é" in an otherwise valid request.
        Array(#"{"jsonrpc":"2.0","id":1,"method":"search","params":{"query":"caf"#.utf8) + [0xE9] + Array(#""}}"#.utf8),
    ]

    @Test(arguments: notUTF8)
    func lineThatIsNotUTF8IsParseErrorWithNullIDEvenWhenTheIDIsReadable(line: [UInt8]) throws {
        let failure = try #require(Self.failure(RequestDecoder.decode(line)))
        #expect(failure.error.code == -32700)
        #expect(failure.id == nil)
        #expect(!failure.isNotification)
        #expect(failure.error.message.contains("UTF-8"))
    }

    // MARK: -32600

    static let notAnObject: [String] = [
        "null",
        "true",
        "42",
        #""status""#,
        "[]",
        #"[{"jsonrpc":"2.0","id":1,"method":"status"}]"#,
        #"[{"jsonrpc":"2.0","id":1,"method":"status"},{"jsonrpc":"2.0","id":2,"method":"status"}]"#,
    ]

    @Test(arguments: notAnObject)
    func messageThatIsNotAnObjectIsInvalidRequestWithNullID(line: String) throws {
        let failure = try #require(Self.failure(Self.decode(line)))
        #expect(failure.error.code == -32600)
        #expect(failure.id == nil)
        #expect(!failure.isNotification)
        #expect(!failure.error.message.isEmpty)
    }

    @Test func batchIsRefusedWithAMessageSayingSo() throws {
        let failure = try #require(Self.failure(Self.decode(#"[{"jsonrpc":"2.0","id":1,"method":"status"}]"#)))
        #expect(failure.error.code == -32600)
        #expect(failure.error.message.contains("batch"))
    }

    static let badIDs: [String] = ["null", "1.5", "-0.5", "1.25e1", "true", "false", "{}", #"{"n":1}"#, "[]", "[1]"]

    @Test(arguments: badIDs)
    func idOfAnotherTypeIsInvalidRequestWithNullID(id: String) throws {
        let line = #"{"jsonrpc":"2.0","id":\#(id),"method":"status"}"#
        let failure = try #require(Self.failure(Self.decode(line)))
        #expect(failure.error.code == -32600)
        #expect(failure.id == nil)
        #expect(!failure.isNotification)
        #expect(failure.error.message.contains("\"id\""))
    }

    /// `1.0` is written as a float, so it is not an integer id even though its value is whole.
    @Test(arguments: ["1.0", "-3.0"])
    func idWrittenAsAFloatIsInvalidRequestEvenWhenItsValueIsWhole(id: String) throws {
        let failure = try #require(Self.failure(Self.decode(#"{"jsonrpc":"2.0","id":\#(id),"method":"status"}"#)))
        #expect(failure.error.code == -32600)
        #expect(failure.id == nil)
    }

    @Test func idOfAnotherTypeWinsOverOtherShapeErrors() throws {
        let failure = try #require(Self.failure(Self.decode(#"{"id":null,"params":[]}"#)))
        #expect(failure.error.code == -32600)
        #expect(failure.id == nil)
    }

    static let badVersions: [String] = [
        #""id":7,"method":"status""#,
        #""jsonrpc":"1.0","id":7,"method":"status""#,
        #""jsonrpc":"2","id":7,"method":"status""#,
        #""jsonrpc":2.0,"id":7,"method":"status""#,
        #""jsonrpc":null,"id":7,"method":"status""#,
    ]

    @Test(arguments: badVersions)
    func missingOrWrongJSONRPCVersionIsInvalidRequestEchoingTheID(fields: String) throws {
        let failure = try #require(Self.failure(Self.decode("{\(fields)}")))
        #expect(failure.error.code == -32600)
        #expect(failure.id == .int(7))
        #expect(failure.error.message.contains("jsonrpc"))
    }

    static let badMethods: [String] = [
        #""jsonrpc":"2.0","id":"m""#,
        #""jsonrpc":"2.0","id":"m","method":null"#,
        #""jsonrpc":"2.0","id":"m","method":5"#,
        #""jsonrpc":"2.0","id":"m","method":["status"]"#,
        #""jsonrpc":"2.0","id":"m","method":{}"#,
    ]

    @Test(arguments: badMethods)
    func missingOrNonStringMethodIsInvalidRequestEchoingTheID(fields: String) throws {
        let failure = try #require(Self.failure(Self.decode("{\(fields)}")))
        #expect(failure.error.code == -32600)
        #expect(failure.id == .string("m"))
        #expect(failure.error.message.contains("method"))
    }

    /// The example of the JSON-RPC 2.0 specification: a broken message without id is still answered, with null id.
    @Test func invalidRequestWithoutIDIsAnsweredWithNullID() throws {
        let failure = try #require(Self.failure(Self.decode(#"{"jsonrpc":"2.0","method":1,"params":"bar"}"#)))
        #expect(failure.error.code == -32600)
        #expect(failure.id == nil)
        #expect(!failure.isNotification)
    }

    // MARK: -32602

    static let badParams: [String] = ["[]", "[1,2]", #""query""#, "1", "true", "null"]

    @Test(arguments: badParams)
    func paramsThatAreNotAnObjectAreInvalidParamsEchoingTheID(params: String) throws {
        let line = #"{"jsonrpc":"2.0","id":9,"method":"search","params":\#(params)}"#
        let failure = try #require(Self.failure(Self.decode(line)))
        #expect(failure.error.code == -32602)
        #expect(failure.id == .int(9))
        #expect(!failure.isNotification)
        #expect(failure.error.message.contains("params"))
    }

    @Test func notificationWithBadParamsIsMarkedAsANotificationSoItGetsNoAnswer() throws {
        let failure = try #require(Self.failure(Self.decode(#"{"jsonrpc":"2.0","method":"cancel","params":[1]}"#)))
        #expect(failure.error.code == -32602)
        #expect(failure.id == nil)
        #expect(failure.isNotification)
    }

    @Test func unknownTopLevelKeysAreIgnored() throws {
        let line = #"{"jsonrpc":"2.0","id":1,"method":"status","extra":{"x":[1,2]}}"#
        #expect(Self.request(Self.decode(line)) == Request(id: .int(1), method: "status"))
    }

    /// A failure outcome always carries a message a person can act on.
    @Test(arguments: notJSON + notAnObject)
    func everyFailureHasAMessage(line: String) throws {
        let failure = try #require(Self.failure(Self.decode(line)))
        #expect(failure.error.message.count > 10)
    }
}
