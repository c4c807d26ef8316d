/// A search as the engine runs it, already validated.
package struct SearchRequest: Sendable {
    package enum Syntax: Sendable {
        /// What people type; translated by `SimpleQuery`.
        case simple
        /// Passed to FTS5 as is.
        case fts5
    }

    package var query: String
    package var syntax: Syntax
    package var limit: Int
    /// Only files under one of these directories; nil: every root.
    package var scopes: [BytePath]?
    /// Markers around matches; nil: no snippet.
    package var highlight: (open: String, close: String)?

    package init(
        query: String,
        syntax: Syntax,
        limit: Int,
        scopes: [BytePath]?,
        highlight: (open: String, close: String)?
    ) {
        self.query = query
        self.syntax = syntax
        self.limit = limit
        self.scopes = scopes
        self.highlight = highlight
    }
}

/// One file found.
package struct SearchMatch: Sendable, Equatable {
    package var path: BytePath
    /// Higher is better.
    package var score: Double
    package var size: Int64
    package var mtimeNanoseconds: Int64
    package var snippet: String?
}

/// Why a search failed, other than cancellation.
package enum SearchFailure: Error, Equatable {
    /// FTS5 rejected an `fts5` query; the message says why.
    case syntax(String)
}
