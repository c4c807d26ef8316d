import Foundation
import GRDB
import Logging
import SeekLocking
import SeekTestSupport
import Testing

@testable import SeekCore

/// The inline reader's reads hold their thread, so cancellation must reach SQLite by itself: these tests cancel a
/// statement that would run for most of a minute, and expect it interrupted (no timing threshold: a statement that
/// was not stopped completes, and the test fails on its result). Serialized: each test holds a thread of the
/// two-thread cooperative pool while another task cancels it.
@Suite(
    .serialized,
    .timeLimit(.minutes(3)),
    .enabled(if: ProcessInfo.processInfo.activeProcessorCount > 1, "a single core has no inline reader")
)
struct InlineReaderTests {
    /// Counts to 10^8: 42 s of SQLite virtual machine steps on a machine of this kind, interruptible at every one.
    static let endless = """
        WITH RECURSIVE counter(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM counter WHERE n < 100000000)
        SELECT count(*) FROM counter
        """

    static func withStore(_ body: (IndexStore) async throws -> Void) async throws {
        try await withTemporaryDirectoryAsync { directory in
            let store = try IndexStore(path: directory.description + "/index.sqlite3", logger: Logger(label: "test"))
            defer { store.close() }
            try await body(store)
        }
    }

    /// Whether a read failed the way a cancelled one must: interrupted, or refused before it began.
    static func isCancellation(_ error: any Error) -> Bool {
        if error is CancellationError { return true }
        return (error as? DatabaseError)?.resultCode == .SQLITE_INTERRUPT
    }

    /// After a cancelled read, the reader is free, holds no old snapshot (it sees a later write), and reads again.
    static func expectReusable(_ store: IndexStore) async throws {
        try await store.pool.write { db in try db.execute(sql: "UPDATE meta SET value = 41 WHERE key = 'generation'") }
        let generation = try await store.inlineReader.read { db in
            try Int.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'generation'")
        }
        #expect(generation == 41)
    }

    @Test func cancelledInlineReadStopsItsStatement() async throws {
        try await Self.withStore { store in
            let started = Locked(false)
            let read = Task {
                try await store.inlineReader.read { db in
                    started.withLock { $0 = true }
                    return try Int.fetchOne(db, sql: Self.endless)
                }
            }
            try await repeatUntil("the read to start its statement") { started.withLock { $0 } }
            read.cancel()
            let error = await read.result.failure
            #expect(error.map(Self.isCancellation) == true, "\(String(describing: error))")
            try await Self.expectReusable(store)
        }
    }

    /// An interrupt sent while no statement runs is lost; the progress handler stops the next statement instead.
    @Test func inlineReadCancelledBetweenStatementsStopsTheNext() async throws {
        try await Self.withStore { store in
            let betweenStatements = Locked(false)
            let read = Task {
                try await store.inlineReader.read { db in
                    _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM files")
                    betweenStatements.withLock { $0 = true }
                    while !Task.isCancelled { sched_yield() }
                    return try Int.fetchOne(db, sql: Self.endless)
                }
            }
            try await repeatUntil("the read to finish its first statement") { betweenStatements.withLock { $0 } }
            read.cancel()
            let error = await read.result.failure
            #expect((error as? DatabaseError)?.resultCode == .SQLITE_INTERRUPT, "\(String(describing: error))")
            try await Self.expectReusable(store)
        }
    }

    /// A simple query's ranking budget is a deadline its read's progress handler checks: the statement stops with
    /// `SQLITE_INTERRUPT` though nothing cancelled the task, and the reader is free again.
    @Test func inlineReadPastItsDeadlineStopsItsStatement() async throws {
        try await Self.withStore { store in
            let deadline = ContinuousClock.now + .milliseconds(50)
            let error = await #expect(throws: DatabaseError.self) {
                try await store.inlineReader.read(until: deadline) { db in try Int.fetchOne(db, sql: Self.endless) }
            }
            #expect(error?.resultCode == .SQLITE_INTERRUPT)
            #expect(!Task.isCancelled)
            try await Self.expectReusable(store)
        }
    }

    /// The same deadline on a read from the pool (the ranking's read when the inline reader is busy).
    @Test func poolReadPastItsDeadlineStopsItsStatement() async throws {
        try await Self.withStore { store in
            let deadline = ContinuousClock.now + .milliseconds(50)
            let error = await #expect(throws: DatabaseError.self) {
                try await store.pool.read { db in
                    try ReadCancellation(deadline: deadline).watching(db) { try Int.fetchOne(db, sql: Self.endless) }
                }
            }
            #expect(error?.resultCode == .SQLITE_INTERRUPT)
            let count = try await store.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM files") }
            #expect(count == 0)
        }
    }

    @Test func readThatFindsTheReaderBusyGetsNilAtOnce() async throws {
        try await Self.withStore { store in
            let holding = Locked(false)
            let release = Locked(false)
            let first = Task {
                try await store.inlineReader.read { _ in
                    holding.withLock { $0 = true }
                    while !release.withLock({ $0 }) { sched_yield() }
                    return 1
                }
            }
            try await repeatUntil("the first read to hold the reader") { holding.withLock { $0 } }
            let second = try await store.inlineReader.read { _ in 2 }
            #expect(second == nil)
            release.withLock { $0 = true }
            #expect(try await first.value == 1)
            #expect(try await store.inlineReader.read { _ in 3 } == 3)
        }
    }

    @Test func readOfATaskAlreadyCancelledStartsNothing() async throws {
        try await Self.withStore { store in
            let ran = Locked(false)
            let read = Task {
                while !Task.isCancelled { await Task.yield() }
                return try await store.inlineReader.read { _ in ran.withLock { $0 = true } }
            }
            read.cancel()
            let error = await read.result.failure
            #expect(error is CancellationError, "\(String(describing: error))")
            #expect(ran.withLock { $0 } == false)
        }
    }
}

extension Result {
    fileprivate var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
