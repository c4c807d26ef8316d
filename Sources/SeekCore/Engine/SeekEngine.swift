import Glibc
import Logging
import ServiceLifecycle

/// The engine: the index, the scheduler of passes and the search service, wired for one set of roots.
/// It knows no sockets; `SeekServer` puts it on the wire.
package final class SeekEngine: Sendable {
    package let configuration: EngineConfiguration
    package let store: IndexStore
    package let scheduler: IndexScheduler
    package let searchService: SearchService
    package let watcher: InotifyWatcher
    package let startedAt = ContinuousClock.now

    /// Opens the index, purges roots no longer given, and queues the first pass over every root.
    package init(configuration: EngineConfiguration, logger: Logger) async throws {
        guard configuration.policy.maxFileSize <= CrawlPolicy.largestMaxFileSize else {
            throw CrawlPolicy.SettingError(
                description: "--max-file-size must be at most \(CrawlPolicy.largestMaxFileSize) (512 MiB): a file's "
                    + "text is held in memory whole, and SQLite stores at most 1 GB in one value"
            )
        }
        self.configuration = configuration
        store = try IndexStore(path: configuration.indexPath, logger: logger)
        try await store.reconcile(roots: configuration.roots, settings: configuration.contentSettings)
        let progress = PassProgress()
        let watcher = InotifyWatcher(
            roots: configuration.roots,
            ruleFileNames: configuration.policy.ruleFileNames,
            logger: logger,
            watchLimit: configuration.watchLimit
        )
        self.watcher = watcher
        let pass = IndexPass(
            store: store,
            policy: configuration.policy,
            roots: configuration.roots,
            progress: progress,
            hooks: configuration.hooks,
            watcher: watcher,
            logger: logger
        )
        scheduler = IndexScheduler(
            generation: try await store.generation(),
            settle: configuration.settle,
            progress: progress,
            logger: logger,
            merger: SegmentMerger(
                store: store,
                minimumFiles: configuration.hooks.mergeAfterFiles ?? SegmentMerger.defaultMinimumFiles,
                stepDelay: configuration.hooks.mergeStepDelay
            ),
            makePass: { pass }
        )
        searchService = SearchService(store: store, rankingBudget: configuration.rankingBudget)
        let scheduler = scheduler
        let roots = configuration.roots
        watcher.onEvents { events in
            // Periodic rescans alone wait for a running pass; anything else supersedes it.
            let periodic = events.allSatisfy { if case .rescan = $0 { true } else { false } }
            scheduler.submit(Self.work(for: events, roots: roots), settles: true, supersedes: !periodic)
        }
        var initial = WorkSet()
        for root in configuration.roots { initial.scan(root, .full) }
        scheduler.submit(initial, settles: false)
    }

    /// Releases the index once the services have stopped.
    package func close() {
        store.close()
    }

    /// The long-running parts, in start order (they stop in reverse order).
    package var services: [any Service] { [scheduler, watcher] }

    static func work(for events: [FileEvent], roots: [BytePath]) -> WorkSet {
        var work = WorkSet()
        for event in events {
            switch event {
            case .changed(let path): work.check(path)
            case .rulesChanged(let directory): work.scan(directory, .full)
            case .overflow: for root in roots { work.scan(root, .full) }
            case .rescan(let directory): work.scan(directory, .shallow)
            }
        }
        return work
    }

    package var roots: [BytePath] { configuration.roots }

    /// The root a path lies in, if any.
    package func root(of path: BytePath) -> BytePath? {
        roots.filter { path.isWithin($0) }.max { $0.bytes.count < $1.bytes.count }
    }

    /// Queues a rescan of these paths (every root when nil) that supersedes the running pass; returns the ticket
    /// to wait on. Paths must lie within the roots.
    package func reindex(_ paths: [BytePath]?) -> Int {
        var work = WorkSet()
        for path in paths ?? roots {
            // A path reached through a symlink is checked as a path (and found missing), never scanned.
            let status = root(of: path).flatMap { FileStatus.of(path, root: $0) }
            if roots.contains(path) || status?.kind == .directory {
                work.scan(path, .full)
            } else {
                work.check(path)
            }
        }
        return scheduler.submit(work, settles: false)
    }

    /// The ticket that covers every change made before now. A cookie file written into each root comes back
    /// through the watcher after every earlier event, so once it is seen those events are in the scheduler.
    /// Where no cookie can be written (a read-only root) and where no watch could be set, a rescan that compares
    /// stat data stands in.
    package func syncTicket() async throws -> Int {
        // A pass that failed (a full disk) is retried for this sync now rather than after its backoff.
        scheduler.retryNow()
        var rescans = WorkSet()
        for root in roots {
            do {
                try await watcher.syncCookie(in: root)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                rescans.scan(root, .full)
            }
        }
        for directory in watcher.unwatchedDirectories { rescans.scan(directory, .shallow) }
        // Checked after the cookies came back: an overflow before them has been seen by then, and either its rescan
        // is in the scheduler (so the newest ticket covers it) or it is still owed and this sync submits one.
        let owedOverflow = watcher.startOwedOverflowRescan()
        if owedOverflow != nil {
            for root in roots { rescans.scan(root, .full) }
        }
        let ticket = rescans.isEmpty ? scheduler.latestTicket : scheduler.submit(rescans, settles: false)
        if let owedOverflow { watcher.overflowRescanSubmitted(covering: owedOverflow) }
        return ticket
    }

    // MARK: Explain

    package func explain(_ path: BytePath) -> Explanation {
        let policy = configuration.policy
        guard let root = root(of: path) else {
            let roots = roots.map(\.description).joined(separator: ", ")
            return Explanation(state: .outsideRoots, reason: "not under any root (roots: \(roots))")
        }
        var stack = policy.rootStack(root)
        var current = root
        let components = path.relative(to: root).split(separator: BytePath.slash)
        for (index, component) in components.enumerated() {
            current = current.appending(component)
            let isLast = index == components.count - 1
            guard let status = FileStatus.of(current) else {
                return Explanation(state: .missing, reason: "\(current) does not exist")
            }
            if status.kind == .symlink {
                return Explanation(state: .excluded, reason: Exclusion.symlink.reason + (isLast ? "" : ": \(current)"))
            }
            let isDirectory = status.kind == .directory
            if let exclusion = policy.exclusion(name: component, path: current, isDirectory: isDirectory, stack: stack)
            {
                var rule: IgnoreDecision?
                if case .ignored(let decision) = exclusion { rule = decision }
                return Explanation(state: .excluded, reason: exclusion.reason, rule: rule)
            }
            if isLast { return explainEntry(path, root: root, status: status) }
            guard isDirectory else { return Explanation(state: .missing, reason: "\(current) is not a directory") }
            stack = stack.pushing(policy.ignoreFiles(in: current, root: root))
        }
        return explainEntry(path, root: root, status: FileStatus.of(path))
    }

    private func explainEntry(_ path: BytePath, root: BytePath, status: FileStatus?) -> Explanation {
        guard let status else { return Explanation(state: .missing, reason: "\(path) does not exist") }
        switch status.kind {
        case .directory:
            return Explanation(state: .indexed, reason: "directory: the files in it are indexed")
        case .symlink:
            return Explanation(state: .excluded, reason: Exclusion.symlink.reason)
        case .other:
            return Explanation(state: .excluded, reason: Exclusion.notRegularFile.reason)
        case .regular:
            let maxSize = configuration.policy.maxFileSize
            if status.size > maxSize {
                return Explanation(
                    state: .nameOnly,
                    reason: "larger than --max-file-size (\(maxSize.byteCountDescription))"
                )
            }
            switch try? ContentExtractor.read(path, limit: maxSize, stopAtNUL: true, root: root) {
            case .nul(let offset)?:
                return Explanation(state: .nameOnly, reason: "binary: NUL byte at offset \(offset)")
            case .tooLarge?:
                return Explanation(
                    state: .nameOnly,
                    reason: "larger than --max-file-size (\(maxSize.byteCountDescription))"
                )
            case .failed(let code)?:
                return Explanation(state: .nameOnly, reason: "unreadable: \(String(cString: strerror(code)))")
            case .bytes(let bytes)?:
                return Explanation(state: .indexed, reason: "text, \(bytes.count) bytes")
            case nil:
                return Explanation(state: .missing, reason: "\(path) could not be read")
            }
        }
    }
}

extension SeekEngine {
    /// inotify figures for `status`: watches held and directories that could not be watched.
    package var watchFigures: (watches: Int, errors: Int) { watcher.figures }
}
