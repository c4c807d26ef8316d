/// An error as it crosses the wire: a JSON-RPC error object. Every code the protocol knows is a
/// static member, so that codes are spelled in exactly one place.
public struct RPCError: Error, Sendable, Hashable, Codable {
    public var code: Int
    public var message: String
    public var data: JSONValue?

    public init(code: Int, message: String, data: JSONValue? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }
}

extension RPCError {
    public static let parseErrorCode = -32700
    public static let invalidRequestCode = -32600
    public static let methodNotFoundCode = -32601
    public static let invalidParamsCode = -32602
    public static let internalErrorCode = -32603
    public static let cancelledCode = -32800
    public static let timeoutCode = -32001
    public static let querySyntaxCode = -32002
    public static let overloadedCode = -32003

    public static func parseError(_ message: String) -> RPCError {
        RPCError(code: parseErrorCode, message: message)
    }

    public static func invalidRequest(_ message: String) -> RPCError {
        RPCError(code: invalidRequestCode, message: message)
    }

    public static func methodNotFound(_ method: String) -> RPCError {
        RPCError(
            code: methodNotFoundCode,
            message: "unknown method \"\(method)\"; known: search, cancel, status, reindex, sync, explain"
        )
    }

    public static func invalidParams(_ message: String) -> RPCError {
        RPCError(code: invalidParamsCode, message: message)
    }

    public static func internalError(_ message: String) -> RPCError {
        RPCError(code: internalErrorCode, message: message)
    }

    public static func superseded(by id: RequestID) -> RPCError {
        RPCError(
            code: cancelledCode,
            message: "superseded by request \(id)",
            data: .object(["reason": .string("superseded"), "by": id.json])
        )
    }

    public static let cancelled = RPCError(
        code: cancelledCode,
        message: "cancelled by the client",
        data: .object(["reason": .string("cancelled")])
    )

    public static let shutdown = RPCError(
        code: cancelledCode,
        message: "seekd is shutting down",
        data: .object(["reason": .string("shutdown")])
    )

    public static func timeout(milliseconds: Int) -> RPCError {
        RPCError(
            code: timeoutCode,
            message: "timed out after \(milliseconds) ms; raise timeout_ms or narrow the query",
            data: .object(["timeout_ms": .int(Int64(milliseconds))])
        )
    }

    public static func querySyntax(_ reason: String) -> RPCError {
        RPCError(code: querySyntaxCode, message: "fts5 query rejected: \(reason)")
    }

    public static func overloaded(_ message: String) -> RPCError {
        RPCError(code: overloadedCode, message: message)
    }

    /// The cancellation reason (`superseded`, `cancelled`, `shutdown`) of a -32800 error.
    public var cancellationReason: String? {
        guard code == Self.cancelledCode, case .object(let fields)? = data, case .string(let reason)? = fields["reason"]
        else { return nil }
        return reason
    }
}
