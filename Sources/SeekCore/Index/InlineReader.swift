import Foundation
import GRDB
import Synchronization

/// A read connection of its own whose reads run on the calling thread, while the cooperative pool can spare it.
///
/// GRDB's async read crosses threads four times (to its pool's waiting queue and back, to the reader's queue and
/// back): ~150 µs of a rare word's ~1.2 ms search on this machine (docs/BENCHMARKS.md). A synchronous read crosses
/// none, but it holds its thread and does not see task cancellation. So this reader runs one read at a time, and
/// only on a machine whose cooperative pool has a thread besides it for everything else (timers, supersedes, other
/// connections): `read` returns nil at once when the reader is busy or the machine has a single core, and the caller
/// reads from the pool instead. Callers keep it for reads that are short or interrupted on a deadline (a simple
/// query's ranking races its budget), never for a user's `fts5` expression, which may run until its timeout.
///
/// Cancellation reaches SQLite as in GRDB's async read: the task's cancellation handler calls `sqlite3_interrupt`
/// for a statement running, and sets a flag that a progress handler turns into `SQLITE_INTERRUPT` for one that
/// starts after it (an interrupt sent between statements is lost); see `ReadCancellation`, which also stops a read at
/// its deadline.
package final class InlineReader: Sendable {
    private let queue: DatabaseQueue?
    private let isBusy = Atomic<Bool>(false)

    /// `configuration` is the pool's (its `prepareDatabase` registers the ranking function); it is opened read-only.
    init(path: String, configuration: Configuration) throws {
        guard ProcessInfo.processInfo.activeProcessorCount > 1 else {
            queue = nil
            return
        }
        var configuration = configuration
        configuration.readonly = true
        queue = try DatabaseQueue(path: path, configuration: configuration)
    }

    /// Runs `body` in a read transaction on this thread; nil, at once, when the reader is busy or absent.
    /// Throws `SQLITE_INTERRUPT` (as a `DatabaseError`) or `CancellationError` when the task is cancelled, and
    /// `SQLITE_INTERRUPT` when a statement runs past `deadline`.
    package func read<T>(
        until deadline: ContinuousClock.Instant? = nil,
        _ body: (Database) throws -> T
    ) async throws
        -> T?
    {
        guard let queue, isBusy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            return nil
        }
        defer { isBusy.store(false, ordering: .releasing) }
        let cancellation = ReadCancellation(deadline: deadline)
        return try await withTaskCancellationHandler {
            try Self.read(queue, cancellation: cancellation, body)
        } onCancel: {
            cancellation.cancel()
        }
    }

    /// Synchronous, so that nothing between the start and the end of the read can suspend the task.
    private static func read<T>(
        _ queue: DatabaseQueue,
        cancellation: ReadCancellation,
        _ body: (Database) throws -> T
    ) throws -> T {
        try queue.inDatabase { db in
            // Cached statements: GRDB's `beginTransaction` and `commit` compile their SQL on every call, some 30 µs
            // of a search that takes a few hundred (measured with perf).
            try db.cachedStatement(sql: "BEGIN DEFERRED TRANSACTION").execute()
            // Declared first, so it runs last: the transaction always ends, after the progress handler is gone (a
            // late cancellation cannot fail the commit).
            defer {
                do { try db.cachedStatement(sql: "COMMIT TRANSACTION").execute() } catch { try? db.rollback() }
            }
            return try cancellation.watching(db) { try body(db) }
        }
    }

    /// Closes the connection (at shutdown, before the index's last checkpoint).
    func close() {
        try? queue?.close()
    }
}
