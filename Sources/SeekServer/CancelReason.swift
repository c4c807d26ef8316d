import SeekProtocol

/// Why an in-flight request stops before its work is done.
enum CancelReason: Sendable, Equatable {
    case superseded(by: RequestID)
    case cancelled
    case shutdown
    /// The connection closed: nobody is left to answer.
    case disconnected

    /// The protocol's error for it.
    var error: RPCError {
        switch self {
        case .superseded(let id): .superseded(by: id)
        case .cancelled, .disconnected: .cancelled
        case .shutdown: .shutdown
        }
    }
}
