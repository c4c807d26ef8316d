import Testing

@testable import SeekCore

/// An inotify overflow is owed a rescan until one covering it has reached the scheduler, and rescans back off while
/// overflows keep coming.
@Suite struct OverflowLedgerTests {
    let start = ContinuousClock.now

    @Test func anOverflowStaysOwedUntilItsRescanIsSubmitted() {
        var ledger = OverflowLedger()
        #expect(!ledger.owesRescan)
        ledger.recordOverflow(at: start)
        #expect(ledger.owesRescan)
        let covering = ledger.startRescan(at: start, growingBackoff: true)
        // Decided but not submitted yet: a `sync` looking now must submit one itself.
        #expect(ledger.owesRescan)
        ledger.submitted(covering: covering)
        #expect(!ledger.owesRescan)
    }

    @Test func anOverflowReadWhileARescanIsOnItsWayStaysOwed() {
        var ledger = OverflowLedger()
        ledger.recordOverflow(at: start)
        let first = ledger.startRescan(at: start, growingBackoff: true)
        ledger.recordOverflow(at: start)
        ledger.submitted(covering: first)
        #expect(ledger.owesRescan)
        // Two rescans started for one debt (the watcher's and a sync's) may be submitted in either order.
        let second = ledger.startRescan(at: start, growingBackoff: false)
        ledger.submitted(covering: second)
        ledger.submitted(covering: first)
        #expect(!ledger.owesRescan)
    }

    /// An overflow every second for three minutes, then one after a quiet spell.
    @Test func rescansBackOffWhileOverflowsKeepComing() {
        var ledger = OverflowLedger()
        var backoffs: [Int] = []
        var now = start
        for _ in 0..<180 {
            ledger.recordOverflow(at: now)
            if ledger.isDue(at: now) {
                ledger.submitted(covering: ledger.startRescan(at: now, growingBackoff: true))
                backoffs.append(Int(ledger.backoff / .seconds(1)))
            }
            now += .seconds(1)
        }
        #expect(backoffs == [1, 2, 4, 8, 16, 30, 30, 30, 30, 30])
        #expect(ledger.owesRescan)  // the overflows since the last rescan wait for the backoff
        now += .seconds(30)
        ledger.recordOverflow(at: now)
        #expect(ledger.isDue(at: now))
        _ = ledger.startRescan(at: now, growingBackoff: true)
        #expect(ledger.backoff == .seconds(1))
    }

    @Test func aRescanForASyncKeepsTheBackoffButRestartsIt() {
        var ledger = OverflowLedger()
        ledger.recordOverflow(at: start)
        _ = ledger.startRescan(at: start, growingBackoff: true)
        ledger.recordOverflow(at: start + .seconds(1))
        _ = ledger.startRescan(at: start + .seconds(1), growingBackoff: true)
        #expect(ledger.backoff == .seconds(2))
        _ = ledger.startRescan(at: start + .seconds(2), growingBackoff: false)
        #expect(ledger.backoff == .seconds(2))
        #expect(!ledger.isDue(at: start + .seconds(3)))
        #expect(ledger.isDue(at: start + .seconds(4)))
    }
}
