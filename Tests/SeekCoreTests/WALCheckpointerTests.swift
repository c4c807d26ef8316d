import Foundation
import GRDB
import Logging
import SeekTestSupport
import Testing

@testable import SeekCore

/// The writer only appends to the WAL; the checkpointer copies it into the database file beside it, and a writer
/// that runs ahead waits once the WAL passed its backlog, so the WAL cannot grow with the size of a pass, and the
/// WAL file is cut back when it starts over.
@Suite(.timeLimit(.minutes(3)))
struct WALCheckpointerTests {
    @Test func commitsReachTheDatabaseFileAndTheWALStaysBounded() async throws {
        try await withTemporaryDirectoryAsync { directory in
            let path = directory.description + "/index.sqlite3"
            // 256 KiB of backlog: every batch below writes more than that.
            let store = try IndexStore(path: path, walBacklogBytes: 256 << 10, logger: Logger(label: "test"))
            // SQLite reports 0 when its own automatic checkpoint was replaced by a WAL hook: the writer never copies.
            #expect(try await store.pool.write { try Int.fetchOne($0, sql: "PRAGMA wal_autocheckpoint") } == 0)
            var largestWAL = 0
            var words = WordGenerator()
            for batchNumber in 0..<15 {
                _ = try await store.commit(Self.batch(number: batchNumber, files: 10, words: &words))
                largestWAL = max(largestWAL, Self.size(of: path + "-wal"))
            }
            let databaseBeforeClose = Self.size(of: path)
            store.close()
            let databaseAfterClose = Self.size(of: path)
            // Without checkpoints during the commits, the database file would hold only the schema until close, and
            // the WAL every page written (tens of MB).
            #expect(databaseBeforeClose > databaseAfterClose / 2, "\(databaseBeforeClose) of \(databaseAfterClose)")
            #expect(
                largestWAL < databaseAfterClose / 2,
                "largest WAL \(largestWAL) bytes for a \(databaseAfterClose)-byte index"
            )
        }
    }

    @Test func aWALThatStartsOverIsCutBackToItsRetainedSize() async throws {
        try await withTemporaryDirectoryAsync { directory in
            let path = directory.description + "/index.sqlite3"
            // No trim when idle here.
            var words = WordGenerator()
            let store = try await Self.storeWithABigWAL(at: path, trimDelay: .seconds(3600), words: &words)
            defer { store.close() }
            let grown = Self.size(of: path + "-wal")
            #expect(grown > 4 * Self.retained, "WAL of \(grown) bytes")
            // Every frame copied (the checkpointer's runs and this one's may take turns), so the next write
            // transaction starts the WAL over, and its commit cuts the file back.
            try await repeatUntil("the checkpoints caught up") {
                try await store.pool.writeWithoutTransaction { db in
                    let row = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(PASSIVE)")
                    let (busy, logged, copied): (Int, Int, Int) = (row?[0] ?? 1, row?[1] ?? -1, row?[2] ?? 0)
                    return busy == 0 && logged == copied
                }
            }
            _ = try await store.commit(Self.batch(number: 1, files: 1, words: &words))
            let cut = Self.size(of: path + "-wal")
            #expect(cut <= Self.retained, "WAL of \(cut) bytes after it started over, \(grown) before")
            let files = try await store.pool.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM files") }
            #expect(files == 101)
        }
    }

    @Test func aBigWALIsEmptiedOnceTheCommitsStop() async throws {
        try await withTemporaryDirectoryAsync { directory in
            let path = directory.description + "/index.sqlite3"
            var words = WordGenerator()
            let store = try await Self.storeWithABigWAL(at: path, trimDelay: .milliseconds(50), words: &words)
            defer { store.close() }
            // About 4 MB of WAL, and no commit follows: only the checkpointer's trim can empty it, and it trims only
            // a WAL larger than `retained` (so an empty WAL also shows that it grew; under load the trim may come
            // before a size read here would).
            try await repeatUntil("the WAL emptied") { Self.size(of: path + "-wal") == 0 }
            let files = try await store.pool.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM files") }
            #expect(files == 100)
        }
    }

    @Test func theBacklogIsAtMostAQuarterOfTheFreeDiskSpace() {
        let gib = 1 << 30
        #expect(WALCheckpointer.backlog(limit: gib, freeBytes: 76 * gib) == gib)
        #expect(WALCheckpointer.backlog(limit: gib, freeBytes: 400 << 20) == 100 << 20)
        #expect(WALCheckpointer.backlog(limit: gib, freeBytes: 0) == 0)
        #expect(WALCheckpointer.backlog(limit: gib, freeBytes: nil) == gib)
    }

    static let retained = 512 << 10

    /// A store whose WAL is cut back to `retained`, after one commit of about 4 MB of WAL. Its backlog is one no
    /// batch reaches: the WAL grows as far as the checkpoints lag.
    static func storeWithABigWAL(
        at path: String,
        trimDelay: DispatchTimeInterval,
        words: inout WordGenerator
    ) async throws -> IndexStore {
        let store = try IndexStore(
            path: path,
            walBacklogBytes: 1 << 30,
            walRetainedBytes: retained,
            walTrimDelay: trimDelay,
            logger: Logger(label: "test")
        )
        _ = try await store.commit(Self.batch(number: 0, files: 100, words: &words))
        return store
    }

    /// Distinct 8-letter words from a cheap generator (sanitizer builds run this code 10-50x slower), so that every
    /// batch adds index pages.
    struct WordGenerator {
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15

        mutating func text(words: Int) -> String {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(words * 9)
            for _ in 0..<words {
                seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                var letters = seed >> 16
                for _ in 0..<8 {
                    bytes.append(UInt8(ascii: "a") + UInt8(letters % 26))
                    letters /= 26
                }
                bytes.append(UInt8(ascii: " "))
            }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// `files` new files of about 7 KB of text each: about 40 KB of WAL per file.
    static func batch(number: Int, files: Int, words: inout WordGenerator) -> IndexBatch {
        var batch = IndexBatch()
        for file in 0..<files {
            let text = words.text(words: 800)
            let path = BytePath("/root/batch\(number)/file\(file).txt")
            batch.entries.append(
                FileEntry(
                    path: path,
                    relativePath: Array(path.relative(to: BytePath("/root"))),
                    status: FileStatus(
                        kind: .regular,
                        size: Int64(text.utf8.count),
                        mtimeNanoseconds: 1,
                        ctimeNanoseconds: 1,
                        inode: UInt64(number * 100 + file),
                        device: 1
                    ),
                    content: .text(text),
                    existingID: nil
                )
            )
        }
        return batch
    }

    static func size(of path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
    }
}
