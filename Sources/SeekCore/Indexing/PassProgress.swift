import SeekLocking

/// Live figures of the running pass, read by `status` while the pass updates them.
package final class PassProgress: Sendable {
    package struct Snapshot: Sendable, Equatable {
        package var isRunning = false
        package var done = 0
        package var queued = 0
        package var startedAt: ContinuousClock.Instant?
    }

    private let state = Locked(Snapshot())
    private let totals = Locked((reads: 0, renames: 0))

    /// Files whose content was read, and files whose rename was followed without reading, since start.
    package var work: (reads: Int, renames: Int) { totals.withLock { $0 } }

    func read() { totals.withLock { $0.reads += 1 } }
    func renamed() { totals.withLock { $0.renames += 1 } }

    package init() {}

    package var snapshot: Snapshot { state.withLock { $0 } }

    func start(queued: Int) {
        state.withLock { $0 = Snapshot(isRunning: true, done: 0, queued: queued, startedAt: .now) }
    }
    func update(done: Int, queued: Int) {
        state.withLock {
            $0.done = done
            $0.queued = queued
        }
    }
    func stop() { state.withLock { $0 = Snapshot() } }
}
