/// Params of `cancel`.
public struct CancelParams: Sendable, Equatable, Encodable {
    public var id: RequestID

    public init(id: RequestID) { self.id = id }

    public init(params: [String: JSONValue]) throws(RPCError) {
        id = try ParamReader(params: params).requestID("id")
    }
}

/// Result of `cancel` sent as a request.
public struct CancelResult: Sendable, Equatable, Codable {
    /// false when nothing by that id was in flight.
    public var cancelled: Bool

    public init(cancelled: Bool) { self.cancelled = cancelled }
}

/// Params of `reindex`.
public struct ReindexParams: Sendable, Equatable, Encodable {
    /// nil: every root.
    public var paths: [String]?
    public var wait: Bool

    public init(paths: [String]? = nil, wait: Bool = false) {
        self.paths = paths
        self.wait = wait
    }

    public init(params: [String: JSONValue]) throws(RPCError) {
        let reader = ParamReader(params: params)
        paths = try reader.strings("paths")
        for path in paths ?? [] where !path.hasPrefix("/") {
            throw .invalidParams("\"paths\" must hold absolute paths; \"\(path)\" is relative")
        }
        wait = try reader.bool("wait") ?? false
    }
}

/// Params of `sync`.
public struct SyncParams: Sendable, Equatable, Encodable {
    public var timeoutMilliseconds: Int

    public init(timeoutMilliseconds: Int = ProtocolLimits.defaultSyncTimeoutMilliseconds) {
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    public init(params: [String: JSONValue]) throws(RPCError) {
        timeoutMilliseconds =
            try ParamReader(params: params).int("timeout_ms", in: ProtocolLimits.timeoutRange)
            ?? ProtocolLimits.defaultSyncTimeoutMilliseconds
    }

    enum CodingKeys: String, CodingKey {
        case timeoutMilliseconds = "timeout_ms"
    }
}

/// Result of `reindex` and `sync`.
public struct GenerationResult: Sendable, Equatable, Codable {
    public var generation: Int

    public init(generation: Int) { self.generation = generation }
}
