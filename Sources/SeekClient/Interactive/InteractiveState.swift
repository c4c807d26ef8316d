import Foundation
import SeekProtocol

/// What the interactive mode shows and which answer it waits for. Pure state: keys and responses go in, the
/// things to do come out, so every rule here is unit-tested without a terminal or a daemon.
public struct InteractiveState: Sendable {
    public enum Action: Sendable, Equatable {
        case none
        case redraw
        /// Send a search for this query (it supersedes the one in flight on the daemon's side).
        case search(String)
        /// Nothing to search for: cancel the search in flight, if any, and redraw.
        case cancelSearch
        /// Enter: print this hit (nil when there is none) and leave.
        case accept(SearchHit?)
        case abort
    }

    public private(set) var query: String
    public private(set) var hits: [SearchHit] = []
    public private(set) var selected = 0
    /// The search whose answer will be shown; answers to older ones are dropped.
    public private(set) var awaited: RequestID?
    public private(set) var awaitedSince: ContinuousClock.Instant?
    /// The last answer's figures, or an error from the daemon, for the status line.
    public private(set) var lastLatency: Duration?
    public private(set) var lastError: String?
    public private(set) var ranked = true
    /// The most hits a search asks for; more hits than that means "at least".
    public let limit: Int

    public init(query: String = "", limit: Int) {
        self.query = query
        self.limit = limit
    }

    public var isSearching: Bool { awaited != nil }
    public var hasSearchableQuery: Bool { !query.allSatisfy(\.isWhitespace) }

    /// The action for the query given at start.
    public func initialAction() -> Action { hasSearchableQuery ? .search(query) : .redraw }

    public mutating func handle(_ key: TerminalKey) -> Action {
        switch key {
        case .text(let text):
            query += text
        case .backspace:
            guard !query.isEmpty else { return .none }
            query.removeLast()
        case .deleteWord:
            guard !query.isEmpty else { return .none }
            while query.last?.isWhitespace == true { query.removeLast() }
            while let last = query.last, !last.isWhitespace { query.removeLast() }
        case .clearQuery:
            guard !query.isEmpty else { return .none }
            query = ""
        case .up:
            return move(by: -1)
        case .down:
            return move(by: 1)
        case .pageUp:
            return move(by: -10)
        case .pageDown:
            return move(by: 10)
        case .enter:
            return .accept(hits.indices.contains(selected) ? hits[selected] : nil)
        case .abort:
            return .abort
        }
        return queryChanged()
    }

    private mutating func queryChanged() -> Action {
        guard hasSearchableQuery else {
            hits = []
            selected = 0
            lastError = nil
            lastLatency = nil
            return .cancelSearch
        }
        return .search(query)
    }

    private mutating func move(by offset: Int) -> Action {
        let target = min(max(selected + offset, 0), max(hits.count - 1, 0))
        guard target != selected else { return .none }
        selected = target
        return .redraw
    }

    /// Records that the search for the current query went out as `id`.
    public mutating func sent(_ id: RequestID, at instant: ContinuousClock.Instant = .now) {
        awaited = id
        awaitedSince = instant
    }

    /// Records that nothing is awaited any more (the query became empty).
    public mutating func cancelled() {
        awaited = nil
        awaitedSince = nil
    }

    /// Takes a response; only the answer to the awaited search changes what is shown.
    public mutating func handle(_ response: Response, at instant: ContinuousClock.Instant = .now) -> Action {
        guard let id = response.id, id == awaited else { return .none }
        lastLatency = awaitedSince.map { instant - $0 }
        awaited = nil
        awaitedSince = nil
        if let error = response.error {
            lastError = error.message
            return .redraw
        }
        do {
            let result = try response.decodeResult(SearchResult.self)
            hits = result.hits
            ranked = result.ranked ?? true
            lastError = nil
        } catch {
            lastError = "\(error)"
        }
        selected = 0
        return .redraw
    }
}
