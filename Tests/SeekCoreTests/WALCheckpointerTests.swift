import Foundation
import GRDB
import Logging
import Testing

@testable import SeekCore

/// The writer only appends to the WAL; the checkpointer copies it into the database file beside it, and a writer
/// that runs ahead waits once the WAL passed its backlog, so the WAL cannot grow with the size of a pass.
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
            var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
            for batchNumber in 0..<15 {
                var batch = IndexBatch()
                for file in 0..<10 {
                    // Distinct 8-letter words (a cheap generator: sanitizer builds run this code 10-50x slower), so
                    // that every batch adds index pages: about 70 KB of text and 1 MB of WAL per batch.
                    var bytes: [UInt8] = []
                    bytes.reserveCapacity(800 * 9)
                    for _ in 0..<800 {
                        seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                        var letters = seed >> 16
                        for _ in 0..<8 {
                            bytes.append(UInt8(ascii: "a") + UInt8(letters % 26))
                            letters /= 26
                        }
                        bytes.append(UInt8(ascii: " "))
                    }
                    let text = String(decoding: bytes, as: UTF8.self)
                    let path = BytePath("/root/batch\(batchNumber)/file\(file).txt")
                    batch.entries.append(
                        FileEntry(
                            path: path,
                            relativePath: Array(path.relative(to: BytePath("/root"))),
                            status: FileStatus(
                                kind: .regular,
                                size: Int64(text.utf8.count),
                                mtimeNanoseconds: 1,
                                ctimeNanoseconds: 1,
                                inode: UInt64(batchNumber * 100 + file),
                                device: 1
                            ),
                            content: .text(text),
                            existingID: nil
                        )
                    )
                }
                _ = try await store.commit(batch)
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

    static func size(of path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
    }
}
