import SeekLocking
import SeekProtocol

/// Counts how searches ended and how long completed ones took, for `status.queries`.
final class QueryStatistics: Sendable {
    enum Outcome: Sendable {
        case completed, superseded, timedOut, cancelled, failed
    }

    private let counts = Locked(StatusResult.Queries())
    private let latencies = Locked(LatencyHistogram())

    init() {}

    func record(_ outcome: Outcome, milliseconds: Double) {
        if outcome == .completed { latencies.withLock { $0.record(milliseconds: milliseconds) } }
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

    var snapshot: StatusResult.Queries {
        var snapshot = counts.withLock { $0 }
        (snapshot.p50Milliseconds, snapshot.p99Milliseconds) = latencies.withLock {
            ($0.percentile(0.5), $0.percentile(0.99))
        }
        return snapshot
    }
}
