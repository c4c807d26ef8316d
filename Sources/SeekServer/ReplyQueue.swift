import SeekLocking

/// The answers of one connection waiting for its writer, in order. The writer takes everything queued at once and
/// writes it with one flush (one event-loop round trip per batch, not per answer). Bounded in bytes: while more
/// than `limit` bytes wait (a client that sends but never reads), the connection stops reading requests, so NIO
/// stops reading the socket and the client's writes block in the kernel instead of growing the daemon's memory.
/// Answers are never refused or dropped: every request that was read still gets its one answer.
final class ReplyQueue: Sendable {
    private struct State {
        var queued: [UInt8] = []
        var isFinished = false
        var writer: CheckedContinuation<[UInt8]?, Never>?
        /// Bytes queued or being written.
        var pendingBytes = 0
        var roomWaiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter = 0
    }

    let limit: Int
    private let state = Locked(State())

    init(limit: Int) {
        self.limit = limit
    }

    /// Queues an answer (a whole line) for the writer, whatever the queue holds.
    func yield(_ reply: [UInt8]) {
        let writer = state.withLock { state -> CheckedContinuation<[UInt8]?, Never>? in
            guard !state.isFinished else { return nil }
            state.pendingBytes += reply.count
            guard let writer = state.writer else {
                state.queued += reply
                return nil
            }
            state.writer = nil
            return writer
        }
        writer?.resume(returning: reply)
    }

    /// No more answers: the writer ends once it has written what is queued.
    func finish() {
        let writer = state.withLock { state in
            state.isFinished = true
            defer { state.writer = nil }
            return state.queued.isEmpty ? state.writer : nil
        }
        writer?.resume(returning: nil)
    }

    /// Everything queued so far, waiting for something when nothing is; nil once finished and empty.
    func nextBatch() async -> [UInt8]? {
        await withCheckedContinuation { (writer: CheckedContinuation<[UInt8]?, Never>) in
            let batch = state.withLock { state -> [UInt8]?? in
                if !state.queued.isEmpty {
                    defer { state.queued = [] }
                    return .some(state.queued)
                }
                if state.isFinished { return .some(nil) }
                state.writer = writer
                return .none
            }
            if let batch { writer.resume(returning: batch) }
        }
    }

    /// The writer wrote (or gave up on) `count` bytes.
    func written(_ count: Int) {
        let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.pendingBytes -= count
            guard state.pendingBytes <= limit else { return [] }
            defer { state.roomWaiters.removeAll() }
            return Array(state.roomWaiters.values)
        }
        for waiter in ready { waiter.resume() }
    }

    /// Returns once no more than `limit` bytes wait, or when the task is cancelled.
    func waitForRoom() async {
        let id = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
                let hasRoom = state.withLock { state in
                    if state.pendingBytes <= limit || Task.isCancelled { return true }
                    state.roomWaiters[id] = waiter
                    return false
                }
                if hasRoom { waiter.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.roomWaiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }
}
