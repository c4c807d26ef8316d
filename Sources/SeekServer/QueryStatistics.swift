import SeekProtocol
import Synchronization

/// Counts how searches ended, for `status.queries`.
final class QueryStatistics: Sendable {
    enum Outcome: Sendable {
        case completed, superseded, timedOut, cancelled, failed
    }

    private let counts = Mutex(StatusResult.Queries())

    init() {}

    func record(_ outcome: Outcome) {
        counts.withLock { counts in
            switch outcome {
            case .completed: counts.completed += 1
            case .superseded: counts.superseded += 1
            case .timedOut: counts.timedOut += 1
            case .cancelled: counts.cancelled += 1
            case .failed: counts.failed += 1
            }
        }
    }

    var snapshot: StatusResult.Queries { counts.withLock { $0 } }
}
