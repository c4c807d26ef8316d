import SeekLocking
import SeekProtocol
import Synchronization

/// The requests in flight on one connection. A request is registered as soon as its line is read, before
/// anything can cancel it, and the registry serializes registration, supersede, `cancel` and completion, which is
/// what makes "no stale results" hold: a search superseded by a request that has been read can no longer complete.
final class RequestRegistry: Sendable {
    private struct Entry {
        var source: CancellationSource
        /// The supersede scope of a search; nil for other methods.
        var channel: String?
    }

    private struct State {
        /// Requests that may still be answered, by id.
        var answerable: [RequestID: Entry] = [:]
        /// Requests whose work has not stopped yet (answered or not): what the in-flight limit counts.
        var running = 0
        var closedReason: CancelReason?
    }

    private let state = Locked(State())
    private let limit: Int
    private let daemonLimit: DaemonLoad

    init(limit: Int, daemonLimit: DaemonLoad) {
        self.limit = limit
        self.daemonLimit = daemonLimit
    }

    /// Registers a request; a search supersedes every search in flight on its channel.
    func register(_ id: RequestID, channel: String?) throws(RPCError) -> CancellationSource {
        let source = CancellationSource()
        let result: (Result<Void, RPCError>, [@Sendable () -> Void]) = state.withLock { state in
            if let reason = state.closedReason { return (.failure(reason.error), []) }
            if state.answerable[id] != nil {
                return (.failure(.invalidRequest("request id \(id) is already in flight on this connection")), [])
            }
            // A newer search supersedes the older ones even when it is itself refused: no stale results.
            var wakes: [@Sendable () -> Void] = []
            if let channel {
                for (otherID, entry) in state.answerable where entry.channel == channel {
                    if let wake = entry.source.markCancelled(.superseded(by: id)) { wakes.append(wake) }
                    state.answerable[otherID] = nil
                }
            }
            if state.running >= limit {
                let message = "too many requests in flight on this connection (at most \(limit)); wait for answers"
                return (.failure(.overloaded(message)), wakes)
            }
            guard daemonLimit.acquire() else {
                return (.failure(.overloaded("seekd has too many requests in flight; try again shortly")), wakes)
            }
            state.answerable[id] = Entry(source: source, channel: channel)
            state.running += 1
            return (.success(()), wakes)
        }
        for wake in result.1 { wake() }
        try result.0.get()
        return source
    }

    /// Cancels the request `id` if it may still be answered.
    func cancel(_ id: RequestID, reason: CancelReason) -> Bool {
        let wake = state.withLock { state in state.answerable.removeValue(forKey: id)?.source.markCancelled(reason) }
        guard let wake else { return false }
        wake()
        return true
    }

    /// Cancels everything and refuses new requests (the connection closed or the daemon shuts down).
    func close(_ reason: CancelReason) {
        let wakes = state.withLock { state in
            if state.closedReason == nil { state.closedReason = reason }
            defer { state.answerable.removeAll() }
            return state.answerable.values.compactMap { $0.source.markCancelled(reason) }
        }
        for wake in wakes { wake() }
    }

    /// Sends the answer of `id`, decided atomically with supersede and cancel: a request cancelled meanwhile is
    /// answered with its reason instead. The line is handed to `send` under the lock, so every request read after
    /// this one is answered after it on the wire: no success arrives after an answer to a later request.
    @discardableResult
    func answer(
        _ id: RequestID,
        source: CancellationSource,
        line: [UInt8],
        send: ([UInt8]) -> Void
    ) -> CancelReason? {
        state.withLock { state in
            state.answerable[id] = nil
            if let reason = source.reason {
                send(ResponseCoding.failure(id: id, error: reason.error))
                return reason
            }
            send(line)
            return nil
        }
    }

    /// The request's work has stopped: frees its slot.
    func release() {
        state.withLock { $0.running -= 1 }
        daemonLimit.release()
    }

    var runningCount: Int { state.withLock { $0.running } }
}

/// The daemon-wide cap on requests in flight, shared by all connections.
final class DaemonLoad: Sendable {
    private let running = Atomic<Int>(0)
    let limit: Int

    init(limit: Int) { self.limit = limit }

    func acquire() -> Bool {
        if running.add(1, ordering: .relaxed).newValue > limit {
            running.subtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    func release() { running.subtract(1, ordering: .relaxed) }
}
