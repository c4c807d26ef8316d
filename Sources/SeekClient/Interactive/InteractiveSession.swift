import Foundation
import Glibc
import SeekProtocol

/// `seek --interactive`: search as you type over one connection. Every change of the query sends a search on the
/// same channel, so the daemon supersedes (and stops) the one still running; only the newest answer is shown.
public struct InteractiveSession: Sendable {
    /// How the session ended.
    public enum Outcome: Sendable, Equatable {
        /// Enter on a hit.
        case chosen(SearchHit)
        /// Enter with no hit to choose.
        case nothingChosen
        /// Esc, Ctrl-C and the like.
        case aborted
        /// A signal such as SIGTERM or SIGHUP ended the session.
        case signalled(Int32)
    }

    private enum Event: Sendable {
        case input([UInt8])
        case response(Response)
        case signal(Int32)
        case terminalClosed
        case disconnected
    }

    public var socketPath: String
    public var query: String
    public var syntax: SearchParams.Syntax
    public var paths: [String]?
    public var timeoutMilliseconds: Int

    public init(
        socketPath: String,
        query: String,
        syntax: SearchParams.Syntax = .simple,
        paths: [String]? = nil,
        timeoutMilliseconds: Int = ProtocolLimits.defaultSearchTimeoutMilliseconds
    ) {
        self.socketPath = socketPath
        self.query = query
        self.syntax = syntax
        self.paths = paths
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    /// Connects, takes over the terminal until the user chooses or leaves, and gives the terminal back on every
    /// path (errors and signals included) before it returns.
    public func run() async throws -> Outcome {
        try await SeekConnection.withDuplex(socketPath: socketPath) { requester, responses in
            let terminal = try Terminal()
            defer { terminal.restore() }
            let (events, continuation) = AsyncStream.makeStream(of: Event.self)
            let signals = SignalWatcher([SIGWINCH, SIGTERM, SIGINT, SIGHUP, SIGQUIT]) {
                continuation.yield(.signal($0))
            }
            defer { signals.cancel() }
            terminal.startReading { bytes in continuation.yield(bytes.isEmpty ? .terminalClosed : .input(bytes)) }
            defer { terminal.stopReading() }
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    do {
                        for try await response in responses { continuation.yield(.response(response)) }
                    } catch {
                        // A malformed line ends the session like a closed connection: nothing more can be read.
                    }
                    continuation.yield(.disconnected)
                }
                defer { group.cancelAll() }
                return try await loop(events: events, terminal: terminal, requester: requester)
            }
        }
    }

    private func loop(
        events: AsyncStream<Event>,
        terminal: Terminal,
        requester: SeekRequester
    ) async throws -> Outcome {
        var renderer = ScreenRenderer(columns: terminal.size.columns, rows: terminal.size.rows)
        var state = InteractiveState(query: query, limit: Self.limit(for: renderer))
        var decoder = KeyDecoder()
        var actions = [state.initialAction()]
        var iterator = events.makeAsyncIterator()
        while true {
            var redraw = false
            for action in actions {
                switch action {
                case .none:
                    continue
                case .redraw:
                    redraw = true
                case .search(let text):
                    state.sent(try await requester.start(.search, searchParams(text, limit: Self.limit(for: renderer))))
                    redraw = true
                case .cancelSearch:
                    if let id = state.awaited { try await requester.notify(.cancel, CancelParams(id: id)) }
                    state.cancelled()
                    redraw = true
                case .accept(let hit):
                    return hit.map(Outcome.chosen) ?? .nothingChosen
                case .abort:
                    return .aborted
                }
            }
            if redraw { terminal.write(renderer.frame(state)) }

            guard let event = await iterator.next() else { return .aborted }
            switch event {
            case .input(let bytes):
                actions = decoder.keys(from: bytes).map { state.handle($0) }
            case .response(let response):
                actions = [state.handle(response)]
            case .signal(SIGWINCH):
                renderer = ScreenRenderer(columns: terminal.size.columns, rows: terminal.size.rows)
                actions = [.redraw]
            case .signal(let number):
                return .signalled(number)
            case .terminalClosed:
                return .signalled(SIGHUP)
            case .disconnected:
                throw SeekClientError.connectionClosed
            }
        }
    }

    private func searchParams(_ text: String, limit: Int) -> SearchParams {
        SearchParams(
            query: text,
            syntax: syntax,
            limit: limit,
            timeoutMilliseconds: timeoutMilliseconds,
            paths: paths,
            highlight: ScreenRenderer.highlight
        )
    }

    /// Enough hits to fill the screen twice, so Page Down has somewhere to go.
    private static func limit(for renderer: ScreenRenderer) -> Int { min(max(renderer.hitRows * 2, 10), 200) }
}
