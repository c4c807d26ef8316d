import Foundation

/// `fs.inotify.max_queued_events` is one setting for the whole machine, read when an inotify instance is made: a test
/// that lowers it to make a queue overflow would give every seekd started meanwhile, by tests running in parallel, a
/// queue that overflows at the second event, and an overflow supersedes the running pass. Such a test changes the
/// setting inside `withExclusiveAccess`; every daemon start (`DaemonHarness.start`, `restart`, `startOn`) holds the
/// gate until its seekd has made its inotify instance, so none is made while the setting is lowered.
public actor InotifyLimitGate {
    public static let shared = InotifyLimitGate()

    private var starting = 0
    private var isExclusive = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// Runs `start` as one of any number of daemon starts, none of them while a test holds the gate exclusively.
    func whileStarting<T: Sendable>(_ start: () async throws -> T) async throws -> T {
        while isExclusive { await waitForChange() }
        starting += 1
        defer {
            starting -= 1
            wakeWaiters()
        }
        return try await start()
    }

    /// Runs `body` once no daemon is starting, and keeps daemons from starting until it returns (except its own:
    /// `DaemonHarness.start(whileHoldingInotifyLimitGate: true)`).
    public func withExclusiveAccess<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        while isExclusive || starting > 0 { await waitForChange() }
        isExclusive = true
        defer {
            isExclusive = false
            wakeWaiters()
        }
        return try await body()
    }

    private func waitForChange() async {
        await withCheckedContinuation { waiters.append($0) }
    }

    private func wakeWaiters() {
        let woken = waiters
        waiters.removeAll()
        for waiter in woken { waiter.resume() }
    }
}
