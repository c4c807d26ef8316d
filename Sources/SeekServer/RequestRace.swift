/// How a raced request ended.
enum RaceOutcome<Value: Sendable>: Sendable {
    case value(Value)
    case failure(any Error)
    case cancelled(CancelReason)
    case timedOut
}

/// Runs `operation` against its deadline and its cancellation source in one task group. The first to finish
/// decides; `decided` is called with the outcome at once (so a timed-out request is answered on time), then the
/// losers are cancelled and awaited before this returns (so the work has really stopped: a search's SQLite
/// statement is interrupted by GRDB when its task is cancelled).
func race<Value: Sendable>(
    deadline: ContinuousClock.Instant?,
    source: CancellationSource,
    operation: @escaping @Sendable () async throws -> Value,
    decided: @escaping @Sendable (RaceOutcome<Value>) -> Void
) async {
    await withTaskGroup(of: RaceOutcome<Value>?.self) { group in
        group.addTask {
            do { return .value(try await operation()) } catch { return .failure(error) }
        }
        if let deadline {
            group.addTask {
                do {
                    try await Task.sleep(until: deadline, clock: .continuous)
                    return .timedOut
                } catch {
                    return nil
                }
            }
        }
        group.addTask {
            guard let reason = await source.wait() else { return nil }
            return .cancelled(reason)
        }
        while let next = await group.next() {
            guard let outcome = next else { continue }
            group.cancelAll()
            decided(outcome)
            break
        }
        // Leaving the group awaits the cancelled children.
    }
}
