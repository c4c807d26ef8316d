import SeekLocking

/// Admits searches to the reader pool fairly: at most `permits` run at once, at most `perClient` of them from one
/// connection, and waiting connections take turns, so a client flooding requests cannot starve the others.
/// Waiting is cancellable: a superseded or timed-out search leaves the queue at once.
final class FairGate: Sendable {
    private struct Waiter {
        var id: Int
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var free: Int
        var running: [ObjectIdentifier: Int] = [:]
        /// Waiters per connection, and the order in which connections take turns.
        var waiting: [ObjectIdentifier: [Waiter]] = [:]
        var turns: [ObjectIdentifier] = []
        var nextID = 0
    }

    private let state: Locked<State>
    private let perClient: Int

    init(permits: Int, perClient: Int) {
        state = Locked(State(free: permits))
        self.perClient = perClient
    }

    /// Runs `body` holding a permit for `client`.
    func withPermit<T: Sendable>(for client: ObjectIdentifier, _ body: () async throws -> T) async throws -> T {
        try await acquire(for: client)
        defer { release(for: client) }
        return try await body()
    }

    private func acquire(for client: ObjectIdentifier) async throws {
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome: Result<Void, any Error>? = state.withLock { state in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if state.free > 0, state.running[client, default: 0] < perClient, state.waiting[client] == nil {
                        state.free -= 1
                        state.running[client, default: 0] += 1
                        return .success(())
                    }
                    if state.waiting[client] == nil { state.turns.append(client) }
                    state.waiting[client, default: []].append(Waiter(id: id, continuation: continuation))
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> Waiter? in
                guard var queue = state.waiting[client], let index = queue.firstIndex(where: { $0.id == id }) else {
                    return nil
                }
                let waiter = queue.remove(at: index)
                state.waiting[client] = queue.isEmpty ? nil : queue
                if queue.isEmpty { state.turns.removeAll { $0 == client } }
                return waiter
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    private func release(for client: ObjectIdentifier) {
        let admitted = state.withLock { state -> [Waiter] in
            state.free += 1
            state.running[client, default: 1] -= 1
            if state.running[client] == 0 { state.running[client] = nil }
            var admitted: [Waiter] = []
            // Round robin: each connection with waiters and room under its cap gets the next free permit.
            var passes = state.turns.count
            while state.free > 0, passes > 0, !state.turns.isEmpty {
                passes -= 1
                let next = state.turns.removeFirst()
                guard var queue = state.waiting[next] else { continue }
                if state.running[next, default: 0] >= perClient {
                    state.turns.append(next)
                    continue
                }
                admitted.append(queue.removeFirst())
                state.free -= 1
                state.running[next, default: 0] += 1
                state.waiting[next] = queue.isEmpty ? nil : queue
                if !queue.isEmpty { state.turns.append(next) }
                passes = state.turns.count
            }
            return admitted
        }
        for waiter in admitted { waiter.continuation.resume() }
    }
}
