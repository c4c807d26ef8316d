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

    /// Snippets come from this many leading characters of a file's text (what `SnippetBuilder` scans).
    static let snippetSourceLimit = SnippetBuilder.scanLimit

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
        let matches: [(match: SearchMatch, text: String)]
        do {
            matches = try await store.pool.read { db in try Self.run(request, expression: expression, db: db) }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_INTERRUPT {
            throw CancellationError()
        } catch let error as DatabaseError where error.resultCode == .SQLITE_ERROR && request.syntax == .fts5 {
            throw SearchFailure.syntax(error.message ?? "\(error)")
        }
        guard let highlight = request.highlight else { return matches.map(\.match) }
        // Snippets are built here, outside SQLite, where cancellation is checked between hits.
        let builder = SnippetBuilder(
            terms: HighlightTerms(expression: expression),
            open: highlight.open,
            close: highlight.close
        )
        return try matches.map { match, text in
            try Task.checkCancellation()
            var match = match
            match.snippet = builder.snippet(of: text)
            return match
        }
    }

    /// The top hits, each with the start of its text when snippets are wanted.
    private static func run(
        _ request: SearchRequest,
        expression: String,
        db: Database
    ) throws
        -> [(match: SearchMatch, text: String)]
    {
        var sql = """
            SELECT files.id, files.path, files.size, files.mtime_ns, bm25(fts, \(IndexSchema.rankWeights)) AS rank
            FROM fts CROSS JOIN files ON files.id = fts.rowid
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

        // CROSS JOIN keeps FTS5 as the outer loop: with files outside, SQLite would run the whole MATCH once per file.
        // The top rows first, text only for them; `snippet` carries the raw text until the builder turns it into one.
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
        guard request.highlight != nil else { return matches.map { ($0.match, "") } }
        let body = try db.cachedStatement(sql: "SELECT substr(body, 1, \(snippetSourceLimit)) FROM fts WHERE rowid = ?")
        return try matches.map { id, match in (match, try String.fetchOne(body, arguments: [id]) ?? "") }
    }
}
