/// Params of `search`.
public struct SearchParams: Sendable, Equatable, Encodable {
    public enum Syntax: String, Sendable, Codable {
        case simple, fts5
    }

    public var query: String
    public var syntax: Syntax
    public var limit: Int
    public var timeoutMilliseconds: Int
    /// nil: every root.
    public var paths: [String]?
    public var channel: String
    public var sync: Bool
    public var snippet: Bool
    public var highlight: [String]

    public init(
        query: String,
        syntax: Syntax = .simple,
        limit: Int = ProtocolLimits.defaultSearchLimit,
        timeoutMilliseconds: Int = ProtocolLimits.defaultSearchTimeoutMilliseconds,
        paths: [String]? = nil,
        channel: String = "",
        sync: Bool = false,
        snippet: Bool = true,
        highlight: [String] = ProtocolLimits.defaultHighlight
    ) {
        self.query = query
        self.syntax = syntax
        self.limit = limit
        self.timeoutMilliseconds = timeoutMilliseconds
        self.paths = paths
        self.channel = channel
        self.sync = sync
        self.snippet = snippet
        self.highlight = highlight
    }

    /// Validates a request's params; throws -32602 with a message naming the bad key.
    public init(params: [String: JSONValue]) throws(RPCError) {
        let reader = ParamReader(params: params)
        query = try reader.requiredString("query")
        guard query.utf8.count <= ProtocolLimits.maxQueryBytes else {
            throw .invalidParams("\"query\" is longer than \(ProtocolLimits.maxQueryBytes) bytes")
        }
        if let rawSyntax = try reader.string("syntax") {
            guard let parsed = Syntax(rawValue: rawSyntax) else {
                throw .invalidParams("\"syntax\" must be \"simple\" or \"fts5\"")
            }
            syntax = parsed
        } else {
            syntax = .simple
        }
        limit = try reader.int("limit", in: ProtocolLimits.searchLimitRange) ?? ProtocolLimits.defaultSearchLimit
        timeoutMilliseconds =
            try reader.int("timeout_ms", in: ProtocolLimits.timeoutRange)
            ?? ProtocolLimits.defaultSearchTimeoutMilliseconds
        paths = try reader.strings("paths")
        if let paths {
            guard !paths.isEmpty else {
                throw .invalidParams("\"paths\" must not be empty; omit it to search every root")
            }
            guard paths.count <= ProtocolLimits.maxSearchPaths else {
                throw .invalidParams(
                    "\"paths\" holds \(paths.count) entries; at most \(ProtocolLimits.maxSearchPaths) are allowed"
                )
            }
            for path in paths where !path.hasPrefix("/") {
                throw .invalidParams("\"paths\" must hold absolute paths; \"\(path)\" is relative")
            }
        }
        channel = try reader.string("channel") ?? ""
        sync = try reader.bool("sync") ?? false
        snippet = try reader.bool("snippet") ?? true
        highlight = try reader.strings("highlight") ?? ProtocolLimits.defaultHighlight
        guard highlight.count == 2 else {
            throw .invalidParams("\"highlight\" must be an array of 2 strings: the opening and closing marker")
        }
        for marker in highlight where marker.utf8.count > ProtocolLimits.maxHighlightMarkerBytes {
            throw .invalidParams(
                "\"highlight\" markers may be at most \(ProtocolLimits.maxHighlightMarkerBytes) bytes each; "
                    + "one has \(marker.utf8.count)"
            )
        }
    }

    enum CodingKeys: String, CodingKey {
        case query, syntax, limit, paths, channel, sync, snippet, highlight
        case timeoutMilliseconds = "timeout_ms"
    }
}
