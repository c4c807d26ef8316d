import Foundation
import GRDB

/// Runs searches on the index's reader pool.
///
/// Cancellation: each search is one async GRDB read on its own reader connection; cancelling the awaiting task
/// makes GRDB call `sqlite3_interrupt` on that connection, the statement stops, and the connection returns to the
/// pool clean (GRDB ends the read transaction on every path). Nothing is started for a task already cancelled.
package struct SearchService: Sendable {
    let store: IndexStore

    package init(store: IndexStore) {
        self.store = store
    }

    /// Snippets span about this many tokens.
    static let snippetTokens = 16

    package func search(_ request: SearchRequest) async throws -> [SearchMatch] {
        let expression: String
        switch request.syntax {
        case .fts5:
            expression = request.query
        case .simple:
            guard let translated = SimpleQuery.translate(request.query) else { return [] }
            expression = translated
        }
        try Task.checkCancellation()
        do {
            return try await store.pool.read { db in try Self.run(request, expression: expression, db: db) }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_INTERRUPT {
            throw CancellationError()
        } catch let error as DatabaseError where error.resultCode == .SQLITE_ERROR && request.syntax == .fts5 {
            throw SearchFailure.syntax(error.message ?? "\(error)")
        }
    }

    private static func run(_ request: SearchRequest, expression: String, db: Database) throws -> [SearchMatch] {
        var sql = """
            SELECT files.id, files.path, files.size, files.mtime_ns, bm25(fts, \(IndexSchema.rankWeights)) AS rank
            FROM fts JOIN files ON files.id = fts.rowid
            WHERE fts MATCH ?
            """
        var arguments: StatementArguments = [expression]
        if let scopes = request.scopes {
            let conditions = scopes.map { _ in "files.path = ? OR (files.path >= ? AND files.path < ?)" }
            sql += " AND (" + conditions.joined(separator: " OR ") + ")"
            for scope in scopes {
                let range = scope.descendantRange
                arguments += [Data(scope.bytes), Data(range.lower), Data(range.upper)]
            }
        }
        sql += " ORDER BY rank, files.path LIMIT ?"
        arguments += [request.limit]

        // The top rows first, snippets only for them: FTS5 would otherwise build a snippet for every match.
        var matches: [(id: Int64, match: SearchMatch)] = []
        let rows = try Row.fetchCursor(db.cachedStatement(sql: sql), arguments: arguments)
        while let row = try rows.next() {
            let match = SearchMatch(
                path: BytePath([UInt8](row["path"] as Data)),
                score: -(row["rank"] as Double),
                size: row["size"],
                mtimeNanoseconds: row["mtime_ns"],
                snippet: nil
            )
            matches.append((row["id"], match))
        }
        guard let highlight = request.highlight else { return matches.map(\.match) }
        let snippet = try db.cachedStatement(
            sql: "SELECT snippet(fts, 2, ?, ?, '…', \(snippetTokens)) FROM fts WHERE fts MATCH ? AND rowid = ?"
        )
        return try matches.map { id, match in
            var match = match
            match.snippet =
                try String.fetchOne(snippet, arguments: [highlight.open, highlight.close, expression, id]) ?? ""
            return match
        }
    }
}
