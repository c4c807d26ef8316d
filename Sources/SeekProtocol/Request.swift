/// A JSON-RPC request or notification, checked for shape but not yet for its method's params.
public struct Request: Sendable, Equatable {
    /// nil for a notification, which gets no response.
    public var id: RequestID?
    public var method: String
    /// The params object; an absent `params` reads as empty.
    public var params: [String: JSONValue]

    public init(id: RequestID?, method: String, params: [String: JSONValue] = [:]) {
        self.id = id
        self.method = method
        self.params = params
    }
}

/// The methods the daemon serves.
public enum Method: String, Sendable, CaseIterable {
    case search, cancel, status, reindex, sync, explain
}
