import GRDB
import Logging
import Testing

@testable import SeekCore

/// The storage settings the index is opened with (their figures are in `IndexSchema.pageSize` and
/// `IndexStore.readerCacheKiB`).
@Suite struct IndexStoreSettingsTests {
    static func settings(_ db: Database) throws -> (pageSize: Int?, cacheSize: Int?) {
        (try Int.fetchOne(db, sql: "PRAGMA page_size"), try Int.fetchOne(db, sql: "PRAGMA cache_size"))
    }

    @Test func newIndexHasLargePagesAndReadersHaveLargerCaches() async throws {
        try await withTemporaryDirectoryAsync { directory in
            let store = try IndexStore(path: directory.description + "/index.sqlite3", logger: Logger(label: "test"))
            defer { store.close() }
            let reader = try await store.pool.read { try Self.settings($0) }
            #expect(reader.pageSize == IndexSchema.pageSize)
            #expect(reader.cacheSize == -IndexStore.readerCacheKiB)
            // The inline reader (absent on a single core) is a reader like the pool's.
            if let inline = try await store.inlineReader.read({ try Self.settings($0) }) {
                #expect(inline.pageSize == IndexSchema.pageSize)
                #expect(inline.cacheSize == -IndexStore.readerCacheKiB)
            }
            // The writer keeps SQLite's default (2,000 KiB): a bigger one did not make a cold index faster.
            #expect(try await store.pool.write { try Self.settings($0) }.cacheSize == -2000)
        }
    }

    @Test func existingIndexKeepsItsPageSize() async throws {
        try await withTemporaryDirectoryAsync { directory in
            let path = directory.description + "/index.sqlite3"
            let old = try DatabaseQueue(path: path)
            try await old.write { db in
                try db.execute(sql: "PRAGMA page_size = 4096")
                try IndexSchema.create(db)
            }
            try old.close()
            let store = try IndexStore(path: path, logger: Logger(label: "test"))
            defer { store.close() }
            #expect(try await store.pool.read { try Self.settings($0) }.pageSize == 4096)
            #expect(try await store.generation() == 0)
        }
    }
}
