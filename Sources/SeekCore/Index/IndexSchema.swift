import GRDB

/// The index's tables. A database whose `user_version` differs from `version` is rebuilt from scratch:
/// the index is a cache of the files on disk, so nothing is lost by rebuilding it.
package enum IndexSchema {
    /// 2 (2026-11-29): version 1 could hold a file's text cut at a NUL byte past the binary probe (see
    /// `ContentExtractor.indexableText`), and only a rebuild reads such files again.
    package static let version: Int32 = 2

    /// The page size of a new index (SQLite's default is 4 KiB; an existing index keeps its own): fewer pages to write,
    /// log and checkpoint for the same text. A bulk load of the CPython tree took 11.2-11.7 s against 13.0-17.0 s with
    /// 4 KiB, and in the bench seekd's cold index of the kernel tree 87.3 s against 95.4 s (CPython: within the
    /// noise), for a 2% larger file; searches were unchanged.
    static let pageSize = 16384

    /// The prefix lengths FTS5 keeps an index for: as-you-type prefixes of these many characters are one doclist
    /// each, longer ones are expanded over every completion (see `SimpleQuery.narrowedPrefix`).
    static let prefixIndexLengths = [1, 2, 3]

    /// bm25 weights for the FTS columns (name, path, body): a match in the file name ranks above a mention.
    static let rankColumnWeights: [Double] = [10, 2, 1]

    static let statements = [
        """
        CREATE TABLE meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID
        """,
        "INSERT INTO meta(key, value) VALUES ('generation', 0), ('roots', ''), ('settings', ''), ('merge_files', 0), "
            + "('merge_begun', 0)",
        // Paths are BLOBs: file names need not be UTF-8, and byte order makes "everything under a directory"
        // a range scan (see `BytePath.descendantRange`).
        """
        CREATE TABLE files(
            id INTEGER PRIMARY KEY,
            path BLOB NOT NULL UNIQUE,
            dir BLOB NOT NULL,
            size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL,
            ctime_ns INTEGER NOT NULL,
            inode INTEGER NOT NULL,
            content_state INTEGER NOT NULL
        )
        """,
        "CREATE INDEX files_dir ON files(dir)",
        // Finds the old row of a renamed file, so a rename moves the row instead of reading the content again.
        "CREATE INDEX files_inode ON files(inode)",
        "CREATE TABLE dirs(path BLOB PRIMARY KEY, parent BLOB NOT NULL) WITHOUT ROWID",
        "CREATE INDEX dirs_parent ON dirs(parent)",
        """
        CREATE VIRTUAL TABLE fts USING fts5(
            name, path, body,
            tokenize = 'unicode61 remove_diacritics 2',
            prefix = '\(prefixIndexLengths.map(String.init).joined(separator: " "))'
        )
        """,
        "CREATE TRIGGER files_delete AFTER DELETE ON files BEGIN DELETE FROM fts WHERE rowid = old.id; END",
    ]

    /// Creates the schema in an empty database.
    static func create(_ db: Database) throws {
        for statement in statements { try db.execute(sql: statement) }
        try db.execute(sql: "PRAGMA user_version = \(version)")
    }
}
