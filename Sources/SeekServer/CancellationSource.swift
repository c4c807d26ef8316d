import SeekLocking

/// A one-shot signal that cancels one request from outside its task: a `cancel`, a superseding search,
/// a closed connection or shutdown. The first reason wins.
final class CancellationSource: Sendable {
    private struct State {
        var reason: CancelReason?
        var waiter: CheckedContinuation<CancelReason?, Never>?
    }

    private let state = Locked(State())

    init() {}

    var reason: CancelReason? { state.withLock { $0.reason } }

    /// Cancels with `reason`; false when already cancelled.
    @discardableResult
    func cancel(_ reason: CancelReason) -> Bool {
        guard let wake = markCancelled(reason) else { return false }
        wake()
        return true
    }

    /// Records the reason (the first one wins) and returns what wakes the waiter, to be called outside any lock
    /// the caller holds; nil when already cancelled. Lets the registry record a cancel atomically with its own state.
    func markCancelled(_ reason: CancelReason) -> (@Sendable () -> Void)? {
        let (accepted, waiter) = state.withLock { state -> (Bool, CheckedContinuation<CancelReason?, Never>?) in
            guard state.reason == nil else { return (false, nil) }
            state.reason = reason
            defer { state.waiter = nil }
            return (true, state.waiter)
        }
        guard accepted else { return nil }
        return { waiter?.resume(returning: reason) }
    }

    /// Returns the reason once cancelled, or nil when the waiting task itself is cancelled first.
    func wait() async -> CancelReason? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<CancelReason?, Never>) in
                let immediate: CancelReason?? = state.withLock { state in
                    if let reason = state.reason { return .some(reason) }
                    if Task.isCancelled { return .some(nil) }
                    state.waiter = continuation
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(returning: nil)
        }
    }
}
