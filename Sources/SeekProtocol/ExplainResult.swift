/// Params of `explain`.
public struct ExplainParams: Sendable, Equatable, Encodable {
    public var path: String

    public init(path: String) { self.path = path }

    public init(params: [String: JSONValue]) throws(RPCError) {
        path = try ParamReader(params: params).requiredString("path")
        guard path.hasPrefix("/") else { throw .invalidParams("\"path\" must be absolute; \"\(path)\" is relative") }
    }
}

/// Result of `explain`: whether and why the daemon indexes a path.
public struct ExplainResult: Sendable, Equatable, Codable {
    public enum State: String, Sendable, Codable {
        case indexed
        case nameOnly = "name_only"
        case excluded
        case outsideRoots = "outside_roots"
        case missing
    }

    /// The ignore-file line that decided, when one did.
    public struct Rule: Sendable, Equatable, Codable {
        public var file: String
        public var line: Int
        public var pattern: String

        public init(file: String, line: Int, pattern: String) {
            self.file = file
            self.line = line
            self.pattern = pattern
        }
    }

    public var path: String
    public var state: State
    public var reason: String
    public var rule: Rule?

    public init(path: String, state: State, reason: String, rule: Rule? = nil) {
        self.path = path
        self.state = state
        self.reason = reason
        self.rule = rule
    }
}
