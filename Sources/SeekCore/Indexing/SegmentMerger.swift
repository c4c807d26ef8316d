/// Decides when the index's full-text segments are merged into one, and merges them a step at a time.
///
/// Every commit adds segments that FTS5's automerge only combines level by level, so a big index keeps many (18 after
/// the kernel tree's cold index), and a search looks each term up in every one of them. Merging rewrites the whole
/// full-text index (12 s for the kernel tree's 2.4 GB), so it is worth it only after changes of a size comparable to
/// the index: a merge is due once the files written since the last one (by passes completed or superseded, counted in
/// the index) reach `minimumFiles` and a quarter of the index (a cold index qualifies; a checkout of a few hundred
/// files does not, and automerge keeps the small segments it adds few). The scheduler merges only after `quietPeriod`
/// without work and cancels the merge the moment work arrives: a merge step never delays a pass by more than its
/// interrupt.
package struct SegmentMerger: Sendable {
    let store: IndexStore
    var minimumFiles = Self.defaultMinimumFiles
    var quietPeriod: Duration = .seconds(1)
    /// Leaf pages per step (one write transaction each): 10 ms for most steps on the kernel tree, 180 ms at worst.
    var stepPages = 200
    /// Test hook: each step first waits this long (a cancelled merge stops waiting at once).
    var stepDelay: Duration?

    static let defaultMinimumFiles = 1000

    /// Whether a merge is worth starting: one was stopped before its end, or the files written since the last one
    /// (the index keeps the count, so a restart does not forget it) reach `minimumFiles` and a quarter of the index.
    /// A failed read says no (the next completed pass asks again).
    func isDue() async -> Bool {
        guard let backlog = try? await store.mergeBacklog(countingFilesFrom: minimumFiles) else { return false }
        if backlog.begun { return true }
        guard let indexed = backlog.indexed else { return false }
        return backlog.files >= minimumFiles && backlog.files * 4 >= indexed
    }

    /// Merges until nothing is left to merge; returns the number of steps. A merge stopped earlier (cancelled, or
    /// the daemon stopped) is carried on (`IndexStore.mergeSegmentsStep`). Throws `CancellationError` when cancelled
    /// (the step running then rolls back; the steps before it stay).
    func merge() async throws -> Int {
        var steps = 0
        repeat {
            try Task.checkCancellation()
            if let stepDelay { try await Task.sleep(for: stepDelay) }
            steps += 1
        } while try await store.mergeSegmentsStep(pages: stepPages)
        return steps
    }
}
