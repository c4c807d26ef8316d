import GRDB

extension IndexStore {
    /// One step of merging FTS5's segments into one, in one write transaction with the index's record of the merge
    /// (`meta`: `merge_begun`, and `merge_files`, the files written since the last merge ended, counted by `commit`),
    /// so the merge's progress survives a restart. A new merge uses `'merge'` with a negative page count: every level
    /// takes part, as in `'optimize'`, but the work is cut into transactions of about `pages` leaf pages. Once one has
    /// begun, it goes on with a positive count: FTS5 then carries on the merge in progress first, where a negative
    /// count would put the segments written since (and the merge's own half-written output) on one level and start
    /// over. Returns false when there was nothing left to merge; the record is then cleared.
    ///
    /// A search looks a term up in every segment: the kernel tree's cold index leaves 18, and its rare-identifier
    /// searches took 3.4-3.8 ms there against 2.7-2.9 ms once merged into one (`'optimize'` on a copy, alternated).
    /// Cancellation interrupts the step's statement (GRDB calls `sqlite3_interrupt` and throws `CancellationError`),
    /// and its transaction rolls back: the index stays as it was before that step, and earlier steps stay committed.
    package func mergeSegmentsStep(pages: Int) async throws -> Bool {
        await checkpointer.awaitBacklog()
        return try await pool.write { db in
            let begun = try Self.mergeRecord("merge_begun", db) == 1
            let before = db.totalChangesCount
            try db.execute(
                sql: "INSERT INTO fts(fts, rank) VALUES('merge', ?)",
                arguments: [begun ? max(1, pages) : -max(1, pages)]
            )
            // FTS5 documents this test: the command itself counts one change; merging work counts more.
            let merged = db.totalChangesCount - before >= 2
            if !merged {
                try db.execute(sql: "UPDATE meta SET value = 0 WHERE key IN ('merge_begun', 'merge_files')")
            } else if !begun {
                try db.execute(sql: "UPDATE meta SET value = 1 WHERE key = 'merge_begun'")
            }
            return merged
        }
    }

    /// What the index records of merging: files written since the last merge ended, whether a merge has begun (and
    /// was stopped before its end), and the number of indexed files (counted only when the first two make it worth
    /// asking: the record is read after every pass).
    package func mergeBacklog(countingFilesFrom minimum: Int) async throws -> (files: Int, begun: Bool, indexed: Int?) {
        try await pool.read { db in
            let files = try Self.mergeRecord("merge_files", db)
            let begun = try Self.mergeRecord("merge_begun", db) == 1
            let indexed =
                begun || files >= minimum ? try Int.fetchOne(db, sql: "SELECT count(*) FROM files") : nil
            return (files, begun, indexed)
        }
    }

    private static func mergeRecord(_ key: String, _ db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key]) ?? 0
    }
}
