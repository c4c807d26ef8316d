import GRDB
import GRDBSQLite
import SeekLocking
import Synchronization

/// What stops the statements of one read: its task's cancellation (`cancel`), and a deadline when it has one (a
/// simple query's ranking budget). SQLite calls a progress handler every `progressInterval` virtual machine
/// instructions (a few µs), which turns either into `SQLITE_INTERRUPT`: a deadline needs no timer and no task of its
/// own, and a cancellation sent between two statements is not lost (`sqlite3_interrupt` reaches only a statement
/// running). Neither reaches into a step that SQLite runs without calling the handler, such as the expansion of a
/// prefix term: such a step ends, and the statement stops at the next call.
final class ReadCancellation: Sendable {
    private let cancelled = Atomic<Bool>(false)
    private let deadline: ContinuousClock.Instant?
    /// Guarded so that no interrupt can reach the connection once the read let it go (the next read's statements).
    private let connection = Locked<SQLiteConnectionHandle?>(nil)

    /// SQLite calls the progress handler every this many virtual machine instructions.
    private static let progressInterval: Int32 = 1000

    init(deadline: ContinuousClock.Instant? = nil) {
        self.deadline = deadline
    }

    var isCancelled: Bool { cancelled.load(ordering: .acquiring) }

    /// Whether the deadline has passed (false without one).
    var isPastDeadline: Bool { deadline.map { ContinuousClock.now >= $0 } ?? false }

    /// Runs `body` with the progress handler on `db`'s connection, and with `cancel` interrupting a statement running
    /// there.
    func watching<T>(_ db: Database, _ body: () throws -> T) throws -> T {
        guard let connection = db.sqliteConnection else {
            throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "the connection is closed")
        }
        self.connection.withLock { $0 = SQLiteConnectionHandle(pointer: connection) }
        sqlite3_progress_handler(
            connection,
            Self.progressInterval,
            { context in
                guard let context else { return 0 }
                let read = Unmanaged<ReadCancellation>.fromOpaque(context).takeUnretainedValue()
                return read.isCancelled || read.isPastDeadline ? 1 : 0
            },
            Unmanaged.passUnretained(self).toOpaque()
        )
        defer {
            sqlite3_progress_handler(connection, 0, nil, nil)
            self.connection.withLock { $0 = nil }
        }
        if isCancelled { throw CancellationError() }
        return try body()
    }

    func cancel() {
        cancelled.store(true, ordering: .releasing)
        // Under the lock, unlike most work: `watching` must not return while an interrupt for this read is on its
        // way. `sqlite3_interrupt` only sets a flag, from any thread.
        connection.withLock { handle in
            if let handle { sqlite3_interrupt(handle.pointer) }
        }
    }
}

/// An SQLite connection pointer, which `sqlite3_interrupt` may use from any thread.
private struct SQLiteConnectionHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}
