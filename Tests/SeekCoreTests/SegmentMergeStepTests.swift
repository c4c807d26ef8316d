import GRDB
import Logging
import Testing

@testable import SeekCore

/// Merging the index's full-text segments a step at a time (`IndexStore.mergeSegmentsStep`, `SegmentMerger`).
@Suite struct SegmentMergeStepTests {
    /// Each transaction leaves FTS5 at least one new segment.
    static func fill(_ store: IndexStore, transactions: Int, rowsEach: Int) async throws {
        for transaction in 0..<transactions {
            try await store.pool.write { db in
                for row in 0..<rowsEach {
                    let id = transaction * rowsEach + row + 1
                    try db.execute(
                        sql: "INSERT INTO fts(rowid, name, path, body) VALUES (?, ?, ?, ?)",
                        arguments: [id, "f\(id).txt", "d/f\(id).txt", "common words w\(id) and more text \(row)"]
                    )
                }
            }
        }
    }

    static func withStore(_ body: (IndexStore) async throws -> Void) async throws {
        try await withTemporaryDirectoryAsync { directory in
            let store = try IndexStore(path: directory.description + "/index.sqlite3", logger: Logger(label: "test"))
            defer { store.close() }
            try await body(store)
        }
    }

    static func matches(_ store: IndexStore, _ query: String) async throws -> Int {
        try await store.pool.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM fts WHERE fts MATCH ?", arguments: [query]) ?? 0
        }
    }

    static func integrityCheck(_ store: IndexStore) async throws {
        try await store.pool.write { db in try db.execute(sql: "INSERT INTO fts(fts) VALUES('integrity-check')") }
    }

    @Test func stepsMergeUntilNothingIsLeftAndSearchesStillFindEverything() async throws {
        try await Self.withStore { store in
            try await Self.fill(store, transactions: 12, rowsEach: 50)
            #expect(try await store.mergeSegmentsStep(pages: 1), "twelve commits leave segments to merge")
            let steps = try await SegmentMerger(store: store, stepPages: 1).merge()
            #expect(steps >= 1)
            #expect(try await !store.mergeSegmentsStep(pages: 1000), "merged into one: nothing left")
            try await Self.integrityCheck(store)
            #expect(try await Self.matches(store, "common") == 600)
            #expect(try await Self.matches(store, "w599") == 1)
        }
    }

    /// A merge cancelled at any point leaves a consistent index (the interrupted step rolls back), and a later merge
    /// finishes the work.
    @Test func cancelledMergeLeavesAConsistentIndex() async throws {
        try await Self.withStore { store in
            try await Self.fill(store, transactions: 40, rowsEach: 200)
            let merger = SegmentMerger(store: store, stepPages: 2)
            for spins in [0, 20, 200] {
                let merging = Task { try await merger.merge() }
                for _ in 0..<spins { await Task.yield() }
                merging.cancel()
                do {
                    _ = try await merging.value
                } catch is CancellationError {
                    // Expected unless the merge was already done.
                }
                try await Self.integrityCheck(store)
                #expect(try await Self.matches(store, "common") == 8000)
            }
            _ = try await merger.merge()
            #expect(try await !store.mergeSegmentsStep(pages: 1000))
            #expect(try await Self.matches(store, "w7999") == 1)
        }
    }

    /// A merge cancelled after some steps, with new rows committed before it goes on: it carries on the merge it had
    /// begun (a positive page count) instead of starting over, finishes, and the index stays whole. The new rows'
    /// segment may stay beside the merged one (FTS5's automerge deals with small segments).
    @Test func resumedMergeCarriesOnAfterNewRows() async throws {
        try await Self.withStore { store in
            try await Self.fill(store, transactions: 30, rowsEach: 200)
            #expect(try await store.mergeSegmentsStep(pages: 2), "a new merge begins")
            #expect(try await store.mergeBacklog(countingFilesFrom: 0).begun, "and the index records it")
            #expect(try await store.mergeSegmentsStep(pages: 2), "it goes on")
            try await store.pool.write { db in
                try db.execute(
                    sql: "INSERT INTO fts(rowid, name, path, body) VALUES (100000, 'new.txt', 'd/new.txt', 'fresh')"
                )
            }
            let steps = try await SegmentMerger(store: store, stepPages: 2).merge()
            #expect(steps >= 2)
            #expect(try await !store.mergeBacklog(countingFilesFrom: 0).begun, "a finished merge clears its record")
            try await Self.integrityCheck(store)
            #expect(try await Self.matches(store, "common") == 6000)
            #expect(try await Self.matches(store, "fresh") == 1)
        }
    }
}
