import GRDB
import GRDBSQLite

/// The first bytes of a hit's indexed text, read straight from FTS5's content table with SQLite's incremental blob
/// I/O: `substr(body, 1, N)` loads a row's whole text before it cuts it (a 1 MB file costs 1 MB of page reads for
/// each snippet), where a blob read touches only the pages that hold the bytes asked for.
struct IndexedText: Sendable {
    let bytes: [UInt8]
    /// False when the text goes on past `bytes`.
    let isWhole: Bool

    static let none = IndexedText(bytes: [], isWhole: true)

    /// Reads up to `limit` bytes of the text of the file whose FTS row is `rowID`; an empty text when the row has
    /// none (it is checked inside the same read transaction as the search, so a gone row is not expected).
    static func read(rowID: Int64, limit: Int, in db: Database) throws -> IndexedText {
        var blob: OpaquePointer?
        // The table and column FTS5 keeps the third column's text in (`body`: columns c0, c1, c2).
        let opened = sqlite3_blob_open(db.sqliteConnection, "main", "fts_content", "c2", rowID, 0, &blob)
        defer { sqlite3_blob_close(blob) }
        guard opened == SQLITE_OK, let blob else {
            // SQLITE_ERROR is "no such rowid" or a NULL value: no text. Anything else (I/O, interrupt) is a failure.
            if opened == SQLITE_ERROR { return IndexedText(bytes: [], isWhole: true) }
            throw DatabaseError(
                resultCode: ResultCode(rawValue: opened),
                message: String(cString: sqlite3_errstr(opened))
            )
        }
        let total = Int(sqlite3_blob_bytes(blob))
        let count = min(total, limit)
        // Not zeroed first: the blob read fills every byte (up to 128 KiB a hit), or the read fails.
        var code = SQLITE_OK
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 { code = sqlite3_blob_read(blob, buffer.baseAddress, Int32(count), 0) }
            initialized = code == SQLITE_OK ? count : 0
        }
        guard code == SQLITE_OK else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errstr(code)))
        }
        return IndexedText(bytes: bytes, isWhole: count == total)
    }
}
