import Foundation
import SeekCore
import SeekProtocol

/// Validates requests and turns them into engine work, mapping results to wire types.
struct MethodHandler: Sendable {
    let engine: SeekEngine
    let statistics: QueryStatistics
    let version: String
    /// Searches hold one reader each; two per connection at most, connections taking turns.
    let gate = FairGate(permits: IndexStore.readerCount, perClient: 2)

    /// Checks params and captures what the request needs from the moment it was read.
    func prepare(_ request: Request, client: ObjectIdentifier) throws(RPCError) -> PreparedRequest {
        guard let method = Method(rawValue: request.method) else { throw .methodNotFound(request.method) }
        switch method {
        case .search:
            let params = try SearchParams(params: request.params)
            let search = try searchRequest(params)
            let sync = params.sync
            let engine = engine
            let gate = gate
            return PreparedRequest(
                channel: params.channel,
                timeoutMilliseconds: params.timeoutMilliseconds,
                isSearch: true
            ) {
                if sync { try await engine.scheduler.waitUntilIndexed(ticket: try await engine.syncTicket()) }
                let generation = engine.scheduler.generation
                let started = ContinuousClock.now
                let found = try await gate.withPermit(for: client) { try await engine.searchService.search(search) }
                let elapsed = ContinuousClock.now - started
                return SearchResult(
                    hits: found.matches.map(Self.hit),
                    elapsedMilliseconds: elapsed.milliseconds,
                    generation: generation,
                    ranked: found.ranked
                )
            }
        case .sync:
            let params = try SyncParams(params: request.params)
            let engine = engine
            return PreparedRequest(timeoutMilliseconds: params.timeoutMilliseconds, isSearch: false) {
                try await engine.scheduler.waitUntilIndexed(ticket: try await engine.syncTicket())
                return GenerationResult(generation: engine.scheduler.generation)
            }
        case .reindex:
            let params = try ReindexParams(params: request.params)
            let paths = try params.paths.map { paths throws(RPCError) in try paths.map(withinRoots) }
            let engine = engine
            // Submitted when the request runs, after registration: a refused reindex does nothing.
            return PreparedRequest(isSearch: false) {
                let ticket = engine.reindex(paths)
                if params.wait { try await engine.scheduler.waitUntilIndexed(ticket: ticket) }
                return GenerationResult(generation: engine.scheduler.generation)
            }
        case .status:
            let engine = engine
            let statistics = statistics
            let version = version
            return PreparedRequest(isSearch: false) {
                try await Self.status(engine: engine, statistics: statistics, version: version)
            }
        case .explain:
            let params = try ExplainParams(params: request.params)
            guard let path = BytePath.normalized(params.path) else { throw .invalidParams("\"path\" must be absolute") }
            let engine = engine
            return PreparedRequest(isSearch: false) {
                let explanation = engine.explain(path)
                return ExplainResult(
                    path: path.description,
                    state: Self.wireState(explanation.state),
                    reason: explanation.reason,
                    rule: explanation.rule.map {
                        ExplainResult.Rule(
                            file: BytePath($0.file).description,
                            line: $0.rule.line,
                            pattern: $0.rule.pattern
                        )
                    }
                )
            }
        case .cancel:
            throw .internalError("cancel is handled by the connection")
        }
    }

    private func searchRequest(_ params: SearchParams) throws(RPCError) -> SearchRequest {
        SearchRequest(
            query: params.query,
            syntax: params.syntax == .fts5 ? .fts5 : .simple,
            limit: params.limit,
            scopes: try params.paths.map { paths throws(RPCError) in try paths.map(withinRoots) },
            highlight: params.snippet ? (params.highlight[0], params.highlight[1]) : nil
        )
    }

    /// Normalizes a path from params and checks that it lies within a root.
    private func withinRoots(_ raw: String) throws(RPCError) -> BytePath {
        guard let path = BytePath.normalized(raw) else { throw .invalidParams("\"\(raw)\" is not an absolute path") }
        guard engine.root(of: path) != nil else {
            let roots = engine.roots.map(\.description).joined(separator: ", ")
            throw .invalidParams("\(path) is not under a root of this seekd (roots: \(roots))")
        }
        return path
    }

    private static func hit(_ match: SearchMatch) -> SearchHit {
        SearchHit(
            path: match.path.description,
            pathBytes: match.path.isValidUTF8 ? nil : Data(match.path.bytes).base64EncodedString(),
            score: match.score,
            size: Int(match.size),
            mtime: Double(match.mtimeNanoseconds) / 1e9,
            snippet: match.snippet
        )
    }

    private static func wireState(_ state: Explanation.State) -> ExplainResult.State {
        switch state {
        case .indexed: .indexed
        case .nameOnly: .nameOnly
        case .excluded: .excluded
        case .outsideRoots: .outsideRoots
        case .missing: .missing
        }
    }

    private static func status(
        engine: SeekEngine,
        statistics: QueryStatistics,
        version: String
    ) async throws
        -> StatusResult
    {
        let totals = try await engine.store.totals()
        let figures = engine.scheduler.figures
        let now = ContinuousClock.now
        let uptime = now - engine.startedAt
        let passElapsed = figures.pass.startedAt.map { (now - $0).milliseconds / 1000 }
        return StatusResult(
            version: version,
            roots: engine.roots.map(\.description),
            files: totals.files,
            bytes: totals.bytes,
            watches: engine.watchFigures.watches,
            watchErrors: engine.watchFigures.errors,
            generation: figures.generation,
            pass: .init(
                state: figures.pass.isRunning ? "running" : "idle",
                done: figures.pass.done,
                queued: figures.pass.queued,
                elapsedSeconds: passElapsed,
                filesPerSecond: passElapsed.map { $0 > 0 ? Double(figures.pass.done) / $0 : 0 }
            ),
            passes: .init(completed: figures.passesCompleted, superseded: figures.passesSuperseded),
            queries: statistics.snapshot,
            uptimeSeconds: uptime.milliseconds / 1000,
            indexPath: engine.store.path,
            indexBytes: engine.store.sizeOnDisk,
            lastError: figures.lastError,
            contentReads: figures.contentReads,
            renamesFollowed: figures.renamesFollowed,
            freshness: .init(
                lastMilliseconds: figures.lastLag?.milliseconds,
                pendingMilliseconds: figures.pendingAge.milliseconds
            ),
            merge: .init(
                state: figures.merge.state.rawValue,
                completed: figures.merge.completed,
                superseded: figures.merge.superseded
            )
        )
    }
}
