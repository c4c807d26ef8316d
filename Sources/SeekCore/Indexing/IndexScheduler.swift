import Glibc
import Logging
import SeekLocking
import ServiceLifecycle

/// Runs index passes with supersede semantics. Work arrives through `submit`; events from the watcher settle for
/// a while counted from the first event of a burst (so a steady stream cannot postpone a pass forever). New work
/// arriving while a pass runs cancels that pass at its next safe point; the scheduler awaits it (two passes never
/// write at once) and merges its unfinished work into the next pass together with the new changes. While no work
/// waits, it merges the index's segments when a `SegmentMerger` says so; new work supersedes that merge like a pass.
package final class IndexScheduler: Service, Sendable {
    private struct CompletionWaiter {
        var ticket: Int
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var pending = WorkSet()
        /// Tickets number submissions; a completed pass covers every ticket taken with its work.
        var requested = 0
        var completed = 0
        var settleDeadline: ContinuousClock.Instant?
        /// Who waits for work: the run loop (any work) or a running pass's race (only work that supersedes).
        var workWaiter: (continuation: CheckedContinuation<Void, Never>, supersedingOnly: Bool)?
        /// Pending work holds something that supersedes a running pass (everything but periodic rescans).
        var pendingSupersedes = false
        /// An explicit request (`sync`, `reindex`) arrived since the last pass was taken: a failed pass is retried
        /// at once instead of after its backoff.
        var retryRequested = false
        var retryWaiter: CheckedContinuation<Void, Never>?
        var completionWaiters: [Int: CompletionWaiter] = [:]
        var nextWaiterID = 0
        var isStopped = false
        var generation = 0
        var passesCompleted = 0
        var passesSuperseded = 0
        var lastError: String?
        /// When the oldest change not yet taken by a pass arrived, and the same for the work of the running pass:
        /// together they say how far the index lags behind the files.
        var pendingSince: ContinuousClock.Instant?
        var takenSince: ContinuousClock.Instant?
        var lastLag: Duration?
        var merge = MergeFigures()
    }

    /// The segment merge, for `status`.
    package struct MergeFigures: Sendable {
        package enum State: String, Sendable {
            /// Nothing to merge, or not worth it yet.
            case idle
            /// Waiting for the index to be quiet.
            case due
            case running
        }

        package var state = State.idle
        package var completed = 0
        /// Merges that new work cancelled (each resumes once the work is indexed and the index is quiet again).
        package var superseded = 0
    }

    /// Scheduler figures for `status`.
    package struct Figures: Sendable {
        package var generation: Int
        package var passesCompleted: Int
        package var passesSuperseded: Int
        package var lastError: String?
        package var pass: PassProgress.Snapshot
        package var contentReads = 0
        package var renamesFollowed = 0
        /// From the first change a completed pass covered to its commit, for the last pass that covered changes.
        package var lastLag: Duration?
        /// Age of the oldest change not committed yet; zero when the index is current.
        package var pendingAge: Duration = .zero
        package var merge = MergeFigures()
    }

    private let state = Locked(State())
    private let makePass: @Sendable () -> IndexPass
    private let merger: SegmentMerger?
    private let progress: PassProgress
    private let settle: Duration
    private let logger: Logger

    package init(
        generation: Int,
        settle: Duration,
        progress: PassProgress,
        logger: Logger,
        merger: SegmentMerger? = nil,
        makePass: @escaping @Sendable () -> IndexPass
    ) {
        self.merger = merger
        self.settle = settle
        self.progress = progress
        self.logger = logger
        self.makePass = makePass
        state.withLock { $0.generation = generation }
    }

    package var figures: Figures {
        let now = ContinuousClock.now
        let snapshot = state.withLock { state in
            let oldest = [state.pendingSince, state.takenSince].compactMap { $0 }.min()
            return Figures(
                generation: state.generation,
                passesCompleted: state.passesCompleted,
                passesSuperseded: state.passesSuperseded,
                lastError: state.lastError,
                pass: PassProgress.Snapshot(),
                lastLag: state.lastLag,
                pendingAge: oldest.map { now - $0 } ?? .zero,
                merge: state.merge
            )
        }
        var figures = snapshot
        figures.pass = progress.snapshot
        (figures.contentReads, figures.renamesFollowed) = progress.work
        return figures
    }

    package var generation: Int { state.withLock { $0.generation } }

    /// Adds work and returns its ticket for `waitUntilIndexed`. `settles`: the work comes from file events and
    /// waits for the burst to settle; explicit requests (start, `reindex`) run at once, and end the backoff after a
    /// failed pass. `supersedes`: false for periodic rescans, which wait for the running pass to end rather than
    /// cancel it: a pass longer than their period would otherwise never complete, nor any `sync` waiting on it.
    @discardableResult
    package func submit(_ work: WorkSet, settles: Bool, supersedes: Bool = true) -> Int {
        let (ticket, waiter) = state.withLock { state -> (Int, CheckedContinuation<Void, Never>?) in
            state.pending.merge(work)
            state.requested += 1
            if supersedes { state.pendingSupersedes = true }
            if state.pendingSince == nil { state.pendingSince = .now }
            if settles, state.settleDeadline == nil {
                state.settleDeadline = .now + settle
            }
            var waiter: CheckedContinuation<Void, Never>?
            if let waiting = state.workWaiter, supersedes || !waiting.supersedingOnly {
                waiter = waiting.continuation
                state.workWaiter = nil
            }
            return (state.requested, waiter)
        }
        waiter?.resume()
        if !settles { retryNow() }
        return ticket
    }

    /// Ends the backoff after a failed pass at once: someone waits for the index (`sync`), and the cause (a full
    /// disk) may be gone. Events never do this, so a lasting fault cannot pin the CPU.
    package func retryNow() {
        let waiter = state.withLock { state in
            state.retryRequested = true
            defer { state.retryWaiter = nil }
            return state.retryWaiter
        }
        waiter?.resume()
    }

    /// The newest ticket: waiting for it waits for everything submitted so far.
    package var latestTicket: Int { state.withLock { $0.requested } }

    /// Returns once every pass covering `ticket` has committed. Cancellable; throws `CancellationError` when the
    /// scheduler stops first.
    package func waitUntilIndexed(ticket: Int) async throws {
        let id = state.withLock { state in
            defer { state.nextWaiterID += 1 }
            return state.nextWaiterID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome: Result<Void, any Error>? = state.withLock { state in
                    if state.completed >= ticket { return .success(()) }
                    if state.isStopped || Task.isCancelled { return .failure(CancellationError()) }
                    state.completionWaiters[id] = CompletionWaiter(ticket: ticket, continuation: continuation)
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.completionWaiters.removeValue(forKey: id) }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    package func run() async throws {
        defer { stop() }
        do {
            try await runPasses()
        } catch is CancellationError {
            // Shutdown: the running pass stopped at a safe point; its unfinished work is found again at next start.
        }
    }

    private func runPasses() async throws {
        try await cancelWhenGracefulShutdown { [self] in
            var failures = 0
            while true {
                if let merger, state.withLock({ $0.merge.state == .due }) { try await mergeWhileIdle(merger) }
                try await waitForWork()
                try await waitToSettle()
                let (work, ticket) = take()
                switch await runSuperseding(work) {
                case .completed(let files):
                    failures = 0
                    // Before `sync` waiters are answered, so that a `status` sent after them shows a merge due.
                    if let merger { await noteIndexed(merger: merger) }
                    // A big pass leaves glibc's arenas (one per thread that allocated) holding what it freed; give it
                    // back, or the daemon keeps its peak size for as long as it runs. Before `sync` is answered, so
                    // that what a client sees after it is the daemon's lasting size (read just after the answer, the
                    // kernel tree's cold index showed 73 MB in one run and 120 MB in the next).
                    if files >= 1_000 { MallocPolicy.returnFreedMemory() }
                    completed(ticket: ticket)
                    logger.debug("index pass done", metadata: ["pass.files": "\(files)"])
                case .cancelled(let leftover):
                    requeue(leftover, superseded: !Task.isCancelled)
                    try Task.checkCancellation()
                case .failed(let error, let leftover):
                    failures += 1
                    requeue(leftover, superseded: false, error: "indexing failed: \(error)")
                    logger.warning("index pass failed; will retry", metadata: ["error": "\(error)"])
                    // Back off so that a lasting fault (a full disk) does not pin the CPU.
                    try await backOff(for: .milliseconds(min(60_000, 250 << min(failures, 8))))
                }
            }
        }
    }

    private enum RaceEvent: Sendable {
        case pass(IndexPass.Outcome)
        case newWork
        case stopped
    }

    /// Runs a pass racing the arrival of new work; the loser is cancelled and awaited.
    private func runSuperseding(_ work: WorkSet) async -> IndexPass.Outcome {
        let pass = makePass()
        return await withTaskGroup(of: RaceEvent.self) { group in
            group.addTask { .pass(await pass.run(work)) }
            group.addTask { [self] in
                do {
                    try await waitForWork(supersedingOnly: true)
                    try await waitToSettle()
                    return .newWork
                } catch {
                    return .stopped
                }
            }
            var outcome: IndexPass.Outcome = .cancelled(leftover: work)
            while let event = await group.next() {
                switch event {
                case .pass(let result):
                    outcome = result
                    group.cancelAll()
                case .newWork:
                    group.cancelAll()
                case .stopped:
                    break
                }
            }
            return outcome
        }
    }

    /// Marks a merge due after a completed pass when the merger says it is worthwhile.
    private func noteIndexed(merger: SegmentMerger) async {
        guard state.withLock({ $0.merge.state == .idle }), await merger.isDue() else { return }
        state.withLock { $0.merge.state = .due }
    }

    private enum MergeEvent: Sendable {
        case merged(steps: Int, took: Duration)
        case newWork
        case failed(String)
        case stopped
    }

    /// Merges the index's segments once no work has arrived for the merger's quiet period, racing the arrival of
    /// work: whichever comes first cancels the other, and the loser is awaited (a merge step and a pass never write
    /// at once). A superseded merge stays due; a failed one is given up until a pass completes and finds it due.
    private func mergeWhileIdle(_ merger: SegmentMerger) async throws {
        let event = await withTaskGroup(of: MergeEvent.self) { group in
            group.addTask { [self] in
                do {
                    try await Task.sleep(for: merger.quietPeriod)
                    state.withLock { $0.merge.state = .running }
                    let started = ContinuousClock.now
                    let steps = try await merger.merge()
                    return .merged(steps: steps, took: .now - started)
                } catch is CancellationError {
                    return .stopped
                } catch {
                    return .failed("\(error)")
                }
            }
            group.addTask { [self] in
                do {
                    // Periodic rescans wait for the merge, as they wait for a running pass.
                    try await waitForWork(supersedingOnly: true)
                    return .newWork
                } catch {
                    return .stopped
                }
            }
            var first = await group.next() ?? .stopped
            group.cancelAll()
            // A merge that finished as work arrived counts as finished.
            while let other = await group.next() {
                if case .merged = other { first = other }
            }
            return first
        }
        switch event {
        case .merged(let steps, let took):
            state.withLock { state in
                state.merge.state = .idle
                state.merge.completed += 1
            }
            logger.info(
                "index segments merged",
                metadata: ["merge.steps": "\(steps)", "merge.ms": "\(Int(took / .milliseconds(1)))"]
            )
        case .newWork:
            state.withLock { state in
                if state.merge.state == .running { state.merge.superseded += 1 }
                state.merge.state = .due
            }
        case .failed(let error):
            state.withLock { $0.merge.state = .idle }
            logger.warning("index segment merge failed", metadata: ["error": "\(error)"])
        case .stopped:
            state.withLock { state in
                if state.merge.state == .running { state.merge.state = .due }
            }
        }
        try Task.checkCancellation()
    }

    /// Returns once there is work (`supersedingOnly`: work that supersedes a running pass).
    private func waitForWork(supersedingOnly: Bool = false) async throws {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    let ready = supersedingOnly ? state.pendingSupersedes : !state.pending.isEmpty
                    if ready || Task.isCancelled { return true }
                    state.workWaiter = (continuation, supersedingOnly)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                defer { state.workWaiter = nil }
                return state.workWaiter
            }
            waiter?.continuation.resume()
        }
        try Task.checkCancellation()
    }

    /// Sleeps for `delay`, or less when `retryNow` is called (or was, since the failed pass was taken).
    private func backOff(for delay: Duration) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await Task.sleep(for: delay) }
            group.addTask { [self] in await waitForRetryRequest() }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    private func waitForRetryRequest() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    if state.retryRequested || Task.isCancelled { return true }
                    state.retryWaiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                defer { state.retryWaiter = nil }
                return state.retryWaiter
            }
            waiter?.resume()
        }
    }

    private func waitToSettle() async throws {
        if let deadline = state.withLock({ $0.settleDeadline }) {
            try await Task.sleep(until: deadline, clock: .continuous)
        }
    }

    private func take() -> (WorkSet, Int) {
        state.withLock { state in
            state.settleDeadline = nil
            state.retryRequested = false
            state.pendingSupersedes = false
            state.takenSince = [state.takenSince, state.pendingSince].compactMap { $0 }.min()
            state.pendingSince = nil
            return (state.pending.take(), state.requested)
        }
    }

    private func completed(ticket: Int) {
        let ready = state.withLock { state in
            state.completed = max(state.completed, ticket)
            state.generation += 1
            state.passesCompleted += 1
            state.lastError = nil
            if let since = state.takenSince { state.lastLag = .now - since }
            state.takenSince = nil
            let ready = state.completionWaiters.filter { $0.value.ticket <= state.completed }
            for id in ready.keys { state.completionWaiters[id] = nil }
            return ready.values
        }
        for waiter in ready { waiter.continuation.resume() }
    }

    private func requeue(_ leftover: WorkSet, superseded: Bool, error: String? = nil) {
        state.withLock { state in
            state.pending.merge(leftover)
            if superseded { state.passesSuperseded += 1 }
            if let error { state.lastError = error }
        }
    }

    private func stop() {
        let waiters = state.withLock { state in
            state.isStopped = true
            defer { state.completionWaiters.removeAll() }
            return state.completionWaiters.values
        }
        for waiter in waiters { waiter.continuation.resume(throwing: CancellationError()) }
    }
}
