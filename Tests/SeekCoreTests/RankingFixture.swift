import GRDB

@testable import SeekCore

/// An index in memory for ranking tests: the schema, `seek_rank` registered, files added one by one, and the rows an
/// expression ranks.
struct RankingFixture {
    let db: DatabaseQueue

    init() throws {
        db = try DatabaseQueue()
        try db.write { db in
            try IndexSchema.create(db)
            try MatchRank.register(in: db)
        }
    }

    /// Adds file `id` at `/<path>` with `body` (`nameOnly`: found by name only, `content_state` 1).
    func add(id: Int, name: String, path: String, body: String, nameOnly: Bool = false) throws {
        try db.write { db in
            let directory = "/" + path.split(separator: "/").dropLast().joined(separator: "/")
            try db.execute(
                sql: "INSERT INTO files VALUES (?, ?, ?, 1, 1, 1, ?, ?)",
                arguments: [id, "/\(path)", directory, id, nameOnly ? 1 : 0]
            )
            try db.execute(
                sql: "INSERT INTO fts(rowid, name, path, body) VALUES (?, ?, ?, ?)",
                arguments: [id, name, path, body]
            )
        }
    }

    /// The rows `MATCH ?` finds, ranked by `rank` (an SQL expression) times the search's factor for files found by
    /// name only, best first, ties by path.
    func ranking(_ rank: String, arguments: StatementArguments) throws -> [(id: Int64, rank: Double)] {
        try db.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT files.id, \(rank) * (CASE files.content_state WHEN 0 THEN 1.0 ELSE 0.5 END) AS rank
                    FROM fts CROSS JOIN files ON files.id = fts.rowid
                    WHERE fts MATCH ?
                    ORDER BY rank, files.path
                    """,
                arguments: arguments
            ).map { ($0["id"], $0["rank"]) }
        }
    }
}
