/// What the watcher owes for inotify queue overflows: a rescan of the roots after each, since only comparing stat
/// data can tell what the dropped events said.
///
/// An overflow stays owed until a rescan covering it has been *submitted* to the scheduler, not merely decided on:
/// a `sync` that finds nothing owed takes the scheduler's newest ticket, and that ticket must include the rescan.
/// (Clearing the debt when the rescan was decided, before its submission, let a `sync` answer without it: its cookie
/// came back, the next overflow's rescan was decided on the watcher's thread, and the `sync` read the ticket before
/// that rescan reached the scheduler.) Whoever finds a debt may start a rescan; two submitted for one debt merge.
///
/// Rescans are spaced out by a backoff that doubles while overflows keep coming (up to 30 s), so an overflow storm
/// cannot pin the CPU; a `sync` does not wait for the backoff.
struct OverflowLedger: Sendable {
    /// Overflows read so far.
    private(set) var seen = 0
    /// The count of overflows read when the last submitted rescan started.
    private var covered = 0
    private(set) var backoff: Duration = .seconds(1)
    private var lastRescan: ContinuousClock.Instant?
    private var lastOverflow: ContinuousClock.Instant?
    /// Time from the overflow before the last one to the last one.
    private var lastOverflowGap: Duration?

    static let longestBackoff: Duration = .seconds(30)

    /// Some overflow has no submitted rescan covering it yet.
    var owesRescan: Bool { covered < seen }

    /// Notes an overflow read from the queue.
    mutating func recordOverflow(at now: ContinuousClock.Instant) {
        seen += 1
        lastOverflowGap = lastOverflow.map { now - $0 }
        lastOverflow = now
    }

    /// Whether the backoff since the last rescan has passed.
    func isDue(at now: ContinuousClock.Instant) -> Bool {
        lastRescan.map { now - $0 >= backoff } ?? true
    }

    /// Starts a rescan that covers every overflow read so far; returns what to pass to `submitted(covering:)` once it
    /// has reached the scheduler. `growingBackoff`: an overflow prompted it, so the next one waits twice as long
    /// while overflows keep coming; one after a quiet spell (none for 30 s) starts the backoff over.
    mutating func startRescan(at now: ContinuousClock.Instant, growingBackoff: Bool) -> Int {
        if growingBackoff {
            if lastRescan != nil, let lastOverflowGap, lastOverflowGap < Self.longestBackoff {
                backoff = min(backoff * 2, Self.longestBackoff)
            } else {
                backoff = .seconds(1)
            }
        }
        lastRescan = now
        return seen
    }

    /// A rescan started with `startRescan` has been submitted: the overflows it covers are paid.
    mutating func submitted(covering count: Int) {
        covered = max(covered, count)
    }
}
