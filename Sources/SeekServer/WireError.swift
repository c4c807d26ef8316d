import SeekCore
import SeekProtocol

/// The one place where engine failures become protocol errors.
enum WireError {
    static func from(_ error: any Error) -> RPCError {
        switch error {
        case let error as RPCError: error
        case SearchFailure.syntax(let reason): .querySyntax(reason)
        case is CancellationError: .shutdown
        default: .internalError("internal error: \(error)")
        }
    }
}
