import GRDB

extension IndexStore {
    /// One step of merging FTS5's segments into one. A new merge (`resuming == false`) uses `'merge'` with a negative
    /// page count: every level takes part, as in `'optimize'`, but the work is cut into transactions of about `pages`
    /// leaf pages. Once one has begun, it goes on with a positive count: FTS5 then carries on the merge in progress
    /// first, where a negative count would put the segments written since (and the merge's own half-written output)
    /// on one level and start over. Returns false when there was nothing left to merge.
    ///
    /// A search looks a term up in every segment: the kernel tree's cold index leaves 18, and its rare-identifier
    /// searches took 3.4-3.8 ms there against 2.7-2.9 ms once merged into one (`'optimize'` on a copy, alternated).
    /// Cancellation interrupts the step's statement (GRDB calls `sqlite3_interrupt`), its transaction rolls back,
    /// and `CancellationError` is thrown: the index stays as it was before that step, and earlier steps stay committed.
    package func mergeSegmentsStep(pages: Int, resuming: Bool = false) async throws -> Bool {
        await checkpointer.awaitBacklog()
        do {
            return try await pool.write { db in
                let before = db.totalChangesCount
                let count = max(1, pages)
                try db.execute(
                    sql: "INSERT INTO fts(fts, rank) VALUES('merge', ?)",
                    arguments: [resuming ? count : -count]
                )
                // FTS5 documents this test: the command itself counts one change; merging work counts more.
                return db.totalChangesCount - before >= 2
            }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_INTERRUPT {
            throw CancellationError()
        }
    }
}
