import Foundation
import GRDB
import GRDBSQLite
import Logging
import SeekLocking

/// Copies committed pages from the WAL into the database file on a connection of its own, beside the writer.
///
/// SQLite's automatic checkpoint runs inside the committing writer, so the one thread every index write goes through
/// also copied each page a second time and waited for two fsyncs (9% of a cold index's wall time, measured). The
/// writer's automatic checkpoint is off instead, and every commit asks this checkpointer for a passive checkpoint,
/// which SQLite runs concurrently with the writer and the readers. Requests that arrive while one runs merge into one
/// more run.
///
/// A passive checkpoint cannot copy what a newer commit is writing, and the WAL only starts over from its beginning
/// when a write transaction finds it fully copied; a writer that never waited could grow it without bound. So
/// `awaitBacklog()`, called before each batch, waits for the running checkpoint once the WAL has passed
/// `backlogBytes` (1 GiB unless a test says otherwise, and at most a quarter of the free disk space, looked up at each
/// call). The WAL file keeps its largest size unless cut back: the writer cuts it to `retainedBytes` (64 MiB) at its
/// first commit after the WAL started over, and once the checkpoints have caught up and no commit came for
/// `trimDelay` (1 s), a `TRUNCATE` checkpoint empties it, so a big pass does not leave a big WAL on disk until the
/// next write.
package final class WALCheckpointer: Sendable {
    /// Past this much WAL, a new batch waits for the running checkpoint. The backlog is slack for the checkpoint's
    /// fsyncs, not a cache: a kernel-tree batch writes more than 64 MiB of WAL, so at 64 MiB every batch waited for
    /// the checkpoint of the one before (22.5 s of a 121 s cold index); 256 MiB left 7.3 s of waits and 1 GiB 1.5 s
    /// (99 s), the checkpoints keeping up on average.
    package static let defaultBacklogBytes = 1 << 30
    /// The WAL file is cut back to this size each time it starts over (SQLite's `journal_size_limit`).
    package static let defaultRetainedBytes = 64 << 20
    /// How long after the last commit a WAL file larger than `retainedBytes` is emptied.
    package static let defaultTrimDelay = DispatchTimeInterval.seconds(1)

    private struct State {
        var running = false
        var again = false
        /// Frames in the WAL after the last commit, as the writer's WAL hook reported.
        var walPages: Int32 = 0
        /// The index's page size, known once the writer is adopted: WAL frames are counted in pages.
        var pageSize = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
        var closed = false
        /// Commits seen so far: a trim is attempted only if none came since it was planned.
        var commits = 0

        /// A batch can only wait for a checkpoint that runs, once the writer is adopted and until `close()`.
        var checkpointRunning: Bool { running && pageSize > 0 && !closed }
    }

    private let path: String
    private let backlogBytes: Int
    private let retainedBytes: Int
    private let trimDelay: DispatchTimeInterval
    private let logger: Logger
    private let state = Locked(State())
    /// Opened on first use, after the writer created the database in WAL mode; touched only on `queue`.
    private nonisolated(unsafe) var connection: DatabaseQueue?
    private let queue = DispatchQueue(label: "seek.wal-checkpoint")

    init(
        path: String,
        backlogBytes: Int = defaultBacklogBytes,
        retainedBytes: Int = defaultRetainedBytes,
        trimDelay: DispatchTimeInterval = defaultTrimDelay,
        logger: Logger
    ) {
        self.path = path
        self.backlogBytes = backlogBytes
        self.retainedBytes = retainedBytes
        self.trimDelay = trimDelay
        self.logger = logger
    }

    /// Makes `db` (the writer) leave checkpoints to this checkpointer: its WAL hook replaces SQLite's automatic
    /// checkpoint, and it truncates the WAL to `retainedBytes` when it starts it over. The checkpointer must outlive
    /// the connection.
    func adopt(writer db: Database) throws {
        try db.execute(sql: "PRAGMA journal_size_limit = \(retainedBytes)")
        let pageSize = try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 4096
        state.withLock { $0.pageSize = max(pageSize, 512) }
        let context = Unmanaged.passUnretained(self).toOpaque()
        _ = sqlite3_wal_hook(
            db.sqliteConnection,
            { context, _, _, pages in
                guard let context else { return SQLITE_OK }
                Unmanaged<WALCheckpointer>.fromOpaque(context).takeUnretainedValue().committed(walPages: pages)
                return SQLITE_OK
            },
            context
        )
    }

    /// Waits for the running checkpoint when the WAL has grown past the backlog, so that the next write transaction
    /// can start the WAL over. Returns at once otherwise.
    func awaitBacklog() async {
        guard state.withLock({ $0.checkpointRunning }) else { return }
        // Free space is looked up each time: a daemon runs for weeks while the disk fills.
        let backlog = Self.backlog(limit: backlogBytes, freeBytes: Self.freeBytes(near: path))
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let wait = state.withLock { state -> Bool in
                guard state.checkpointRunning, Int(state.walPages) >= max(1, backlog / state.pageSize) else {
                    return false
                }
                state.waiters.append(continuation)
                return true
            }
            if !wait { continuation.resume() }
        }
    }

    /// Finishes the running checkpoint and closes the connection; later commits no longer start one.
    func close() {
        state.withLock { $0.closed = true }
        queue.sync {
            try? connection?.close()
            connection = nil
        }
    }

    /// Called by the writer's WAL hook inside each commit: only notes the request, the work runs on `queue`.
    private func committed(walPages: Int32) {
        let start = state.withLock { state -> Bool in
            state.walPages = walPages
            state.commits += 1
            guard !state.closed else { return false }
            if state.running {
                state.again = true
                return false
            }
            state.running = true
            return true
        }
        if start { queue.async { self.runUntilCaughtUp() } }
    }

    private func runUntilCaughtUp() {
        while true {
            checkpoint()
            // Waiters go on only once the checkpoint caught up with the last commit: the next write transaction
            // then finds the WAL fully copied and starts it over.
            let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>]? in
                if state.again && !state.closed {
                    state.again = false
                    return nil
                }
                state.running = false
                state.walPages = 0
                defer { state.waiters = [] }
                return state.waiters
            }
            guard let waiters else { continue }
            for waiter in waiters { waiter.resume() }
            planTrim(attempts: Self.trimAttempts)
            return
        }
    }

    /// Times a planned trim is tried again while a reader or a write transaction keeps the WAL busy.
    static let trimAttempts = 30

    /// Plans a `TRUNCATE` checkpoint `trimDelay` from now when the WAL file is larger than `retainedBytes`. Runs on
    /// `queue`, after a checkpoint caught up.
    private func planTrim(attempts: Int) {
        guard attempts > 0, Self.fileSize(path + "-wal") > retainedBytes else { return }
        let commits = state.withLock { $0.commits }
        queue.asyncAfter(deadline: .now() + trimDelay) { [self] in
            // A commit since then starts another checkpoint run, which plans its own trim.
            guard state.withLock({ !$0.closed && !$0.running && $0.commits == commits }) else { return }
            if !checkpoint(mode: SQLITE_CHECKPOINT_TRUNCATE) { planTrim(attempts: attempts - 1) }
        }
    }

    /// The backlog is disk space too: on a nearly full disk a 1 GiB WAL would take the room the index itself needs
    /// and reach `ENOSPC` sooner, so it is at most a quarter of the free space.
    static func backlog(limit: Int, freeBytes: Int?) -> Int {
        guard let freeBytes else { return limit }
        return max(0, min(limit, freeBytes / 4))
    }

    /// The space the index's owner may still use on the index's file system (`f_bavail`, not root's reserve).
    private static func freeBytes(near path: String) -> Int? {
        let directory = (path as NSString).deletingLastPathComponent
        var info = statvfs()
        // Some file systems (FUSE mounts among them) report no sizes at all: zero free of zero is not a full disk.
        guard statvfs(directory.isEmpty ? "." : directory, &info) == 0, info.f_blocks > 0 else { return nil }
        // Clamped: a file system's own figures must not be able to trap the daemon.
        let (bytes, overflow) = Int(clamping: info.f_bavail).multipliedReportingOverflow(
            by: Int(clamping: info.f_frsize)
        )
        return overflow ? .max : bytes
    }

    private static func fileSize(_ path: String) -> Int {
        var status = stat()
        return stat(path, &status) == 0 ? Int(status.st_size) : 0
    }

    /// Returns whether SQLite did all the mode asks (false when a reader or the writer kept it from it: `BUSY`).
    @discardableResult
    private func checkpoint(mode: Int32 = SQLITE_CHECKPOINT_PASSIVE) -> Bool {
        // A run queued by a commit just before `close()` must not open a connection that nothing would close.
        guard !state.withLock({ $0.closed }) else { return false }
        do {
            if connection == nil {
                var configuration = Configuration()
                configuration.label = "seek.wal-checkpoint"
                connection = try DatabaseQueue(path: path, configuration: configuration)
            }
            return try connection?.writeWithoutTransaction { db in
                var logPages: Int32 = 0
                var copiedPages: Int32 = 0
                let code = sqlite3_wal_checkpoint_v2(
                    db.sqliteConnection,
                    nil,
                    mode,
                    &logPages,
                    &copiedPages
                )
                if code != SQLITE_OK && code != SQLITE_BUSY {
                    throw DatabaseError(
                        resultCode: ResultCode(rawValue: code),
                        message: String(cString: sqlite3_errmsg(db.sqliteConnection))
                    )
                }
                return code == SQLITE_OK
            } ?? false
        } catch {
            // The pages stay in the WAL, readable and safe; the next commit asks again (a full disk, for one).
            logger.debug("WAL checkpoint failed", metadata: ["error": "\(error)"])
            return false
        }
    }
}
