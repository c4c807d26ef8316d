import Foundation
import GRDB

/// Runs searches on the index's reader pool.
///
/// Cancellation: each search is one read on a connection of its own (the inline reader when it is free, else an
/// async GRDB read from the pool); cancelling the awaiting task calls `sqlite3_interrupt` on that connection, the
/// statement stops, and the connection is left clean (the read transaction ends on every path). Nothing is started
/// for a task already cancelled.
package struct SearchService: Sendable {
    /// Hits, best first, each with the start of its indexed text and the query terms its first bytes spell (empty
    /// and nil when no snippet is wanted).
    private typealias Hits = [(match: SearchMatch, text: IndexedText, sightings: TermSightings?)]

    let store: IndexStore
    let rankingBudget: Duration

    package init(store: IndexStore, rankingBudget: Duration = Self.defaultRankingBudget) {
        self.store = store
        self.rankingBudget = rankingBudget
    }

    /// Snippets come from this many leading bytes of a file's text (what `SnippetBuilder` scans).
    static let snippetSourceLimit = SnippetBuilder.scanLimit
    /// How much of a hit's text is read with the search; the rest, up to `snippetSourceLimit`, only when the
    /// snippet depends on it. Rare-word searches spent most of their time reading hits' text.
    static let snippetFirstBytes = SnippetBuilder.anchorSample

    /// How long ranking every match of a simple query may take before it is interrupted. Ranking a one- or
    /// two-letter prefix means scoring nearly every file (85 ms for `s*` on the 50k-file CPython tree, several times
    /// that on the kernel); past the budget the search returns the first matches SQLite finds instead, ranked among
    /// themselves, and says so (`ranked == false`). The next keystroke usually narrows the query enough to rank.
    package static let defaultRankingBudget: Duration = .milliseconds(40)

    /// Runs the ranked query within the budget (simple syntax only: an `fts5` query is the user's to shape). The
    /// budget is a deadline that the ranked read's progress handler checks (`ReadCancellation`): the ranking runs
    /// in this task, with no timer and no task of its own, and past the deadline its statement stops with
    /// `SQLITE_INTERRUPT`.
    ///
    /// The fallback is hedged: when ranking is still running after `hedgeDelay`, the unranked query starts beside it
    /// on another reader (the other core), so an answer past the budget costs the slower of the two instead of both
    /// in turn. That matters because SQLite does not check for interrupts while it expands a prefix term: an
    /// interrupted ranking of `stat*` on the kernel tree ran on ~90 ms past its budget, and the fallback expanded the
    /// same prefix again (keystroke p99 104 ms there). A ranking done within `hedgeDelay` (most queries) costs the
    /// hedge's sleeping task only; it is cancelled, and awaited, when the ranking returns. A ranking that ends past the
    /// deadline inside such a step, before the handler could stop it, is used as it is: it is the better answer, and
    /// it is ready.
    private func rankWithinBudget(
        _ request: SearchRequest,
        expression: String,
        builder: SnippetBuilder?
    ) async throws
        -> (matches: Hits, ranked: Bool)
    {
        let store = store
        let search: @Sendable (Database) throws -> Hits = { db in
            try Self.run(request, expression: expression, ranked: true, builder: builder, db: db)
        }
        // A user's `fts5` expression has no budget: it is read from the pool and may run until its timeout.
        guard request.syntax == .simple else { return (try await store.pool.read(search), true) }
        let deadline = ContinuousClock.now + rankingBudget
        let hedgeDelay = rankingBudget / 4
        return try await withThrowingTaskGroup(of: Hits.self) { group in
            group.addTask {
                try await Task.sleep(for: hedgeDelay)
                return try await store.pool.read { db in
                    try Self.run(request, expression: expression, ranked: false, builder: builder, db: db)
                }
            }
            defer { group.cancelAll() }
            do {
                // A simple query's ranking stops at its deadline, so it may hold this thread (`InlineReader`).
                if let hits = try await store.inlineReader.read(until: deadline, search) { return (hits, true) }
                let hits = try await store.pool.read { db in
                    try ReadCancellation(deadline: deadline).watching(db) { try search(db) }
                }
                return (hits, true)
            } catch let error as DatabaseError where error.resultCode == .SQLITE_INTERRUPT && !Task.isCancelled {
                // The budget is spent: the first matches, from the hedge.
                guard let first = try await group.next() else { throw CancellationError() }
                return (first, false)
            }
        }
    }

    /// The hits, best first, and whether they are ranked over every match (false past the ranking budget).
    package func search(_ request: SearchRequest) async throws -> (matches: [SearchMatch], ranked: Bool) {
        let expression: String
        switch request.syntax {
        case .fts5:
            expression = request.query
        case .simple:
            guard let translated = SimpleQuery.translate(request.query) else { return ([], true) }
            expression = translated
        }
        // Snippets are built outside SQLite, where cancellation is checked between hits.
        let builder = request.highlight.map {
            SnippetBuilder(terms: HighlightTerms(expression: expression), open: $0.open, close: $0.close)
        }
        try Task.checkCancellation()
        let found: (matches: Hits, ranked: Bool)
        do {
            found = try await rankWithinBudget(request, expression: expression, builder: builder)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_INTERRUPT {
            throw CancellationError()
        } catch let error as DatabaseError where error.resultCode == .SQLITE_ERROR && request.syntax == .fts5 {
            throw SearchFailure.syntax(error.message ?? "\(error)")
        }
        let matches = found.matches
        guard let builder else { return (matches.map(\.match), found.ranked) }
        // Long hits whose snippet the read could decide already have it; the rest are built here.
        let pending = matches.indices.filter { matches[$0].match.snippet == nil }
        let built = try await Self.snippets(
            of: pending.map { (matches[$0].text, matches[$0].sightings) },
            builder: builder
        )
        var snippeted = matches.map(\.match)
        for (index, snippet) in zip(pending, built) { snippeted[index].snippet = snippet }
        return (snippeted, found.ranked)
    }

    /// The snippet of each text: whole, or at least `snippetSourceLimit` bytes long (what `run` hands out), so the
    /// builder always decides it. Built by up to `snippetWorkers` tasks, each taking every n-th text: building 20 snippets is most of a rare
    /// word's search, and a machine with a core to spare answers sooner. A task is worth starting for
    /// `bytesPerSnippetWorker` of text (a few long texts count as much as many short ones). Cancellation is checked
    /// between texts.
    private static func snippets(
        of texts: [(text: IndexedText, sightings: TermSightings?)],
        builder: SnippetBuilder
    ) async throws -> [String] {
        let bytes = texts.reduce(0) { $0 + $1.text.bytes.count }
        let workers = min(snippetWorkers, texts.count, bytes / bytesPerSnippetWorker)
        let build: @Sendable ((text: IndexedText, sightings: TermSightings?)) -> String = { hit in
            hit.text.isWhole
                ? builder.snippet(ofUTF8: hit.text.bytes, sightings: hit.sightings)
                : builder.snippet(ofPrefix: hit.text.bytes, sightings: hit.sightings) ?? ""
        }
        guard workers > 1 else {
            return try texts.map { text in
                try Task.checkCancellation()
                return build(text)
            }
        }
        return try await withThrowingTaskGroup(of: [(Int, String)].self) { group in
            for worker in 0..<workers {
                group.addTask {
                    try stride(from: worker, to: texts.count, by: workers).map { index in
                        try Task.checkCancellation()
                        return (index, build(texts[index]))
                    }
                }
            }
            var result = [String](repeating: "", count: texts.count)
            for try await done in group {
                for (index, snippet) in done { result[index] = snippet }
            }
            return result
        }
    }

    private static let snippetWorkers = min(4, ProcessInfo.processInfo.activeProcessorCount)
    private static let bytesPerSnippetWorker = 32 << 10

    /// The top hits, each with the start of its text when snippets are wanted.
    private static func run(
        _ request: SearchRequest,
        expression: String,
        ranked: Bool,
        builder: SnippetBuilder?,
        db: Database
    ) throws
        -> Hits
    {
        // An identifier still being typed is ranked from its narrowed form first, in the same read; a row that form
        // cannot decide sends the search to the expression itself (`SimpleQuery.narrowedPrefix`, `MatchRank`).
        var matches: [(id: Int64, match: SearchMatch)]
        if ranked && request.syntax == .simple, let narrowed = SimpleQuery.narrowedPrefix(request.query) {
            do {
                matches = try topMatches(request, expression: narrowed, isNarrowed: true, ranked: true, db: db)
            } catch let error as DatabaseError where error.message == MatchRank.undecided {
                matches = try topMatches(request, expression: expression, isNarrowed: false, ranked: true, db: db)
            }
        } else {
            matches = try topMatches(request, expression: expression, isNarrowed: false, ranked: ranked, db: db)
        }
        guard let builder else { return matches.map { ($0.match, .none, nil) } }
        // Bytes, not characters (a Swift String would validate them again); the builder copes with a character cut
        // in two. A short prefix first: most hits' snippets are decided by it, and a long hit's is built right here,
        // so that one whose window lies further in (or whose prefix lacks a query word) is read up to the scan limit
        // in this same transaction instead of a second read after the builders. This counts toward the ranking budget
        // (at most a few dozen µs a hit). Blob reads do not see `sqlite3_interrupt`, so cancellation is checked between
        // hits (this closure runs in the task).
        return try matches.map { id, match in
            try Task.checkCancellation()
            var text = try IndexedText.read(rowID: id, limit: snippetFirstBytes, in: db)
            guard !text.isWhole else { return (match, text, nil) }
            // One walk over the first bytes says whether a window can be complete in them and which term to hunt.
            let sightings = builder.sightings(of: text.bytes)
            if sightings.mayHoldEveryTerm, let snippet = builder.snippet(ofPrefix: text.bytes, sightings: sightings) {
                var decided = match
                decided.snippet = snippet
                return (decided, .none, nil)
            }
            text = try IndexedText.read(rowID: id, limit: snippetSourceLimit, in: db)
            return (match, text, sightings)
        }
    }

    /// The top rows of `expression`, best first: ranked over every match, or the first ones FTS5 finds ranked among
    /// themselves. `isNarrowed`: the expression is a narrowed prefix, ranked as the phrase it stands for (it throws
    /// `MatchRank.undecided` when it cannot be).
    private static func topMatches(
        _ request: SearchRequest,
        expression: String,
        isNarrowed: Bool,
        ranked: Bool,
        db: Database
    ) throws -> [(id: Int64, match: SearchMatch)] {
        // FTS5's bm25 normalizes by the length of the whole row, so a long file whose name matches would lose to
        // short files that mention the words, and a binary file (no body) would beat its source. Files whose name
        // holds every query word get a 4x boost (`MatchRank`) and files found by name only (binary, too large) are
        // halved; for `fts5` syntax the user's expression is ranked as is.
        let boostsName = request.syntax == .simple
        var sql = """
            SELECT files.id, files.path, files.size, files.mtime_ns,
                \(MatchRank.name)(fts, \(boostsName ? 1 : 0), \(isNarrowed ? 1 : 0))
                    * (CASE files.content_state WHEN 0 THEN 1.0 ELSE 0.5 END) AS rank
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
        // Unranked, FTS5 stops after the first rows it finds, and bm25 is computed for those rows only.
        sql += ranked ? " ORDER BY rank, files.path LIMIT ?" : " LIMIT ?"
        arguments += [request.limit]

        // CROSS JOIN keeps FTS5 as the outer loop: with files outside, SQLite would run the whole MATCH once per file.
        // The top rows first, text only for them.
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
        if !ranked {
            matches.sort { ($0.match.score, $1.match.path) > ($1.match.score, $0.match.path) }
        }
        return matches
    }
}
