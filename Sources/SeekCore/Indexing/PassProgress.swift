import Synchronization

/// Live figures of the running pass, read by `status` while the pass updates them.
package final class PassProgress: Sendable {
    package struct Snapshot: Sendable, Equatable {
        package var isRunning = false
        package var done = 0
        package var queued = 0
    }

    private let state = Mutex(Snapshot())

    package init() {}

    package var snapshot: Snapshot { state.withLock { $0 } }

    func start(queued: Int) { state.withLock { $0 = Snapshot(isRunning: true, done: 0, queued: queued) } }
    func update(done: Int, queued: Int) {
        state.withLock {
            $0.done = done
            $0.queued = queued
        }
    }
    func stop() { state.withLock { $0 = Snapshot() } }
}
