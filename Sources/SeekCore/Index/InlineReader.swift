import Foundation
import GRDB
import GRDBSQLite
import SeekLocking
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
/// starts after it (an interrupt sent between statements is lost).
package final class InlineReader: Sendable {
    private let queue: DatabaseQueue?
    private let isBusy = Atomic<Bool>(false)

    /// SQLite calls the progress handler every this many virtual machine instructions (a few µs).
    private static let progressInterval: Int32 = 1000

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
    /// Throws `SQLITE_INTERRUPT` (as a `DatabaseError`) or `CancellationError` when the task is cancelled.
    package func read<T>(_ body: (Database) throws -> T) async throws -> T? {
        guard let queue, isBusy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            return nil
        }
        defer { isBusy.store(false, ordering: .releasing) }
        let cancellation = ReadCancellation()
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
            guard let connection = db.sqliteConnection else {
                throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "the inline reader is closed")
            }
            try db.beginTransaction(.deferred)
            // Declared first, so it runs last: the transaction always ends, after the progress handler is gone (a
            // late cancellation cannot fail the commit).
            defer {
                do { try db.commit() } catch { try? db.rollback() }
            }
            cancellation.attach(connection)
            sqlite3_progress_handler(
                connection,
                progressInterval,
                { context in
                    guard let context else { return 0 }
                    return Unmanaged<ReadCancellation>.fromOpaque(context).takeUnretainedValue().isCancelled ? 1 : 0
                },
                Unmanaged.passUnretained(cancellation).toOpaque()
            )
            defer {
                sqlite3_progress_handler(connection, 0, nil, nil)
                cancellation.detach()
            }
            if cancellation.isCancelled { throw CancellationError() }
            return try body(db)
        }
    }

    /// Closes the connection (at shutdown, before the index's last checkpoint).
    func close() {
        try? queue?.close()
    }
}

/// The cancellation of one inline read: a flag for the progress handler, and the connection to interrupt while the
/// read holds it.
private final class ReadCancellation: Sendable {
    private let cancelled = Atomic<Bool>(false)
    /// Guarded so that no interrupt can reach the connection once the read let it go (the next read's statements).
    private let connection = Locked<SQLiteConnectionHandle?>(nil)

    var isCancelled: Bool { cancelled.load(ordering: .acquiring) }

    func attach(_ handle: OpaquePointer) {
        connection.withLock { $0 = SQLiteConnectionHandle(pointer: handle) }
    }

    func detach() {
        connection.withLock { $0 = nil }
    }

    func cancel() {
        cancelled.store(true, ordering: .releasing)
        // Under the lock, unlike most work: `detach` must not return while an interrupt for this read is on its way.
        // `sqlite3_interrupt` only sets a flag, from any thread.
        connection.withLock { handle in
            if let handle { sqlite3_interrupt(handle.pointer) }
        }
    }
}

/// An SQLite connection pointer, which `sqlite3_interrupt` may use from any thread.
private struct SQLiteConnectionHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}
