import Glibc
import Logging

/// One index pass: it looks at the paths and directories of a work set, re-reads only files whose stat data
/// changed, drops what vanished, and commits in batches (one transaction each).
///
/// Cancellation: the pass checks between files and between read chunks; when cancelled it returns the work it
/// has not committed yet, so the next pass inherits it. Committed batches stay committed.
package struct IndexPass: Sendable {
    package enum Outcome: Sendable {
        case completed(files: Int)
        case cancelled(leftover: WorkSet)
        case failed(any Error, leftover: WorkSet)
    }

    let store: IndexStore
    let policy: CrawlPolicy
    let roots: [BytePath]
    let progress: PassProgress
    let hooks: PassHooks
    /// Watches each directory before it is listed, so nothing created in between is missed.
    let watcher: InotifyWatcher?
    let logger: Logger

    /// Flush a batch at this many files or this much text, whichever comes first. Each commit makes FTS5 flush its
    /// pending terms into new segments (four, with the prefix indexes) that automerge rewrites later: 500-file batches
    /// cost a CPython cold index 13% more wall time than these (22.0 vs 18.5-19.7 s, alternated runs), for ~30 MB
    /// more peak memory.
    static let batchFiles = 5000
    static let batchTextBytes = 16 << 20
    /// A pass's first batch is this many times smaller than `batchFiles` and `batchTextBytes`, and each next one
    /// twice the one before, up to them: SQLite, the slower side of a cold index, starts on the first few hundred
    /// files while the crawl reads on, instead of idling until thousands were read.
    static let firstBatchDivisor = 16

    package init(
        store: IndexStore,
        policy: CrawlPolicy,
        roots: [BytePath],
        progress: PassProgress,
        hooks: PassHooks,
        watcher: InotifyWatcher?,
        logger: Logger
    ) {
        self.store = store
        self.policy = policy
        self.roots = roots
        self.progress = progress
        self.hooks = hooks
        self.watcher = watcher
        self.logger = logger
    }

    package func run(_ work: WorkSet) async -> Outcome {
        var run = PassRun(pass: self, work: work)
        progress.start(queued: work.count)
        defer { progress.stop() }
        do {
            try await run.execute()
            return .completed(files: run.filesIndexed)
        } catch {
            // The batch being committed finishes first (two passes never write at once); if it fails, its work
            // joins the leftover.
            do { try await run.finishCommit() } catch let commitError {
                logger.debug(
                    "index batch failed to commit; its work stays queued",
                    metadata: ["error": "\(commitError)"]
                )
            }
            if error is CancellationError || Task.isCancelled {
                // What this pass did is kept, so that a stream of changes cannot make every pass start over: the
                // batch holds whole files and completed directories only. Not after a failed commit: the partial
                // batch may finish directories whose first files were in the failed one, and committing it would
                // take them out of the leftover.
                if !run.commitFailed { try? await run.commitPartial() }
                return .cancelled(leftover: run.leftover())
            }
            return .failed(error, leftover: run.leftover())
        }
    }

    func root(of path: BytePath) -> BytePath? {
        roots.filter { path.isWithin($0) }.max { $0.bytes.count < $1.bytes.count }
    }
}

/// The mutable state of one pass while it runs.
private struct PassRun {
    let pass: IndexPass
    var paths: [BytePath]
    var queue: [(BytePath, WorkSet.ScanMode)]
    var current: (BytePath, WorkSet.ScanMode)?
    /// Directories listed into the unflushed batch: rescanned shallowly if that batch never commits.
    var uncommitted: [BytePath] = []
    var uncommittedPaths: [BytePath] = []
    /// A batch's commit failed: its work is in `uncommitted` and `uncommittedPaths` and must stay there.
    var commitFailed = false
    /// The batch SQLite is committing while the pass reads the next one (reading and writing overlap on two cores).
    /// Its task is not a child of the pass on purpose: a cancelled pass lets it commit, and always awaits it.
    var committing: (task: Task<[BytePath], any Error>, directories: [BytePath], paths: [BytePath])?
    var scanned: [BytePath: WorkSet.ScanMode] = [:]
    var batch = IndexBatch()
    /// The current batch is full at `IndexPass.batchFiles` and `batchTextBytes` divided by this.
    var batchDivisor = IndexPass.firstBatchDivisor
    var stacks: [BytePath: IgnoreStack] = [:]
    /// Directories below a root whose whole ancestry this pass found included and real (no symlink).
    var includedDirectories: Set<BytePath> = []
    /// Files already looked at in this pass: a path checked on its own is not indexed again by its directory's scan.
    var looked: Set<BytePath> = []
    var renamed: Set<Int64> = []
    var filesSeen = 0
    var filesIndexed = 0
    /// The index was empty when this pass, which checks no single path, began: a directory it has not scanned yet
    /// then has no rows but ones this pass wrote for it, which only its own scan writes. Its scans skip asking the
    /// index what it holds (two pooled reads a directory, 6 s of CPU in a cold index of the CPython tree's 8,700
    /// directories) and for renames (a file moved during the pass is indexed as new; its old path's event removes
    /// the old row).
    var startedOnEmptyIndex = false

    init(pass: IndexPass, work: WorkSet) {
        self.pass = pass
        // Parents before children, so a directory's scan can skip subdirectories it already covered.
        paths = work.paths.sorted(by: >)
        queue = work.directories.sorted { $0.key > $1.key }.map { ($0.key, $0.value) }
    }

    func leftover() -> WorkSet {
        var work = WorkSet()
        for (directory, mode) in queue { work.scan(directory, mode) }
        if let current { work.scan(current.0, current.1) }
        for directory in uncommitted { work.scan(directory, .shallow) }
        for path in paths + uncommittedPaths { work.check(path) }
        return work
    }

    mutating func execute() async throws {
        if paths.isEmpty { startedOnEmptyIndex = try await pass.store.isEmpty() }
        // Renames whose old row an earlier batch deleted come back as paths to read anew, hence the loop.
        repeat {
            while let path = paths.last {
                try Task.checkCancellation()
                try await checkPath(path)
                paths.removeLast()
                uncommittedPaths.append(path)
            }
            while let next = queue.popLast() {
                current = next
                try await scan(next.0, mode: next.1)
                current = nil
            }
            try await flush(completesPass: false)
            try await finishCommit()
        } while !paths.isEmpty
        try await flush(completesPass: true)
    }

    // MARK: Single paths

    private mutating func checkPath(_ path: BytePath) async throws {
        guard let root = pass.root(of: path) else { return }
        let status = FileStatus.of(path, root: root)
        if path == root {
            scheduleScan(path, .full)
            return
        }
        let parentStack = try await stack(for: path.parent, root: root)
        let excluded =
            try await isExcludedAncestry(path.parent, root: root)
            || pass.policy.exclusion(
                name: path.lastComponent,
                path: path,
                isDirectory: status?.kind == .directory,
                stack: parentStack
            ) != nil
        switch status?.kind {
        case .directory? where !excluded:
            batch.deletedFiles.append(path)
            scheduleScan(path, .full)
        case .regular? where !excluded:
            try await index(path, root: root, status: status!, stored: try await pass.store.file(at: path))
        default:
            batch.deletedFiles.append(path)
            batch.purgedDirectories.append(path)
        }
        try await flushIfFull()
    }

    /// Whether a component between the root and `directory` (inclusive) is excluded, or is not a directory. A path
    /// through a symlink (which `reindex` or a rescan may name) lies outside the tree: symlinks are not followed.
    /// Included directories are remembered for the pass, so each is looked at once however deep the tree.
    private mutating func isExcludedAncestry(_ directory: BytePath, root: BytePath) async throws -> Bool {
        if directory == root || includedDirectories.contains(directory) { return false }
        guard directory.bytes.count > root.bytes.count else { return true }
        let parent = directory.parent
        if try await isExcludedAncestry(parent, root: root) { return true }
        let stack = try await stack(for: parent, root: root)
        if pass.policy.exclusion(name: directory.lastComponent, path: directory, isDirectory: true, stack: stack) != nil
        {
            return true
        }
        guard FileStatus.of(directory)?.kind == .directory else { return true }
        includedDirectories.insert(directory)
        return false
    }

    /// The ignore stack for the entries of `directory`; `opened`, when given, is that directory.
    private mutating func stack(
        for directory: BytePath,
        root: BytePath,
        opened: OpenDirectory? = nil
    ) async throws -> IgnoreStack {
        if let cached = stacks[directory] { return cached }
        let stack: IgnoreStack
        if directory == root {
            stack = pass.policy.rootStack(root)
        } else {
            stack = try await self.stack(for: directory.parent, root: root).pushing(
                pass.policy.ignoreFiles(in: directory, root: root, opened: opened)
            )
        }
        stacks[directory] = stack
        return stack
    }

    private mutating func scheduleScan(_ directory: BytePath, _ mode: WorkSet.ScanMode) {
        if let done = scanned[directory], done >= mode { return }
        queue.append((directory, mode))
    }

    // MARK: Directories

    private mutating func scan(_ directory: BytePath, mode: WorkSet.ScanMode) async throws {
        if let done = scanned[directory], done >= mode { return }
        guard let root = pass.root(of: directory) else { return }
        if directory != root, try await isExcludedAncestry(directory, root: root) {
            batch.purgedDirectories.append(directory)
            return
        }
        // Opened first, without following a symlink on the way (nothing reached through a link is watched or
        // listed), then watched, then listed: a file created before the watch is in the listing.
        let entries: [DirectoryListing.Entry]
        let opened: OpenDirectory
        do {
            let listing = try DirectoryListing(of: directory, root: root)
            opened = listing.directory
            _ = await pass.watcher?.watch(directory)
            entries = try listing.entries()
        } catch .cancelled {
            throw CancellationError()
        } catch {
            if directory == root {
                pass.logger.warning(
                    "root is gone or unreadable; its files left the index until it returns",
                    metadata: ["root": "\(directory)", "error": "\(error)"]
                )
            } else {
                pass.logger.debug(
                    "directory gone or unreadable",
                    metadata: ["path": "\(directory)", "error": "\(error)"]
                )
            }
            // A vanished root is purged like any directory and scanned again in full when it returns.
            batch.purgedDirectories.append(directory)
            try await flushIfFull()
            return
        }
        let knowsNothing = startedOnEmptyIndex && scanned[directory] == nil
        let (stored, knownDirectories) = knowsNothing ? ([:], []) : try await pass.store.listing(of: directory)
        let stack = try await stack(for: directory, root: root, opened: opened)
        var seenFiles = Set<[UInt8]>()
        var seenDirectories = Set<BytePath>()
        var subdirectories: [BytePath] = []
        var regular: [(path: BytePath, status: FileStatus, stored: StoredFile?)] = []

        for entry in entries {
            try Task.checkCancellation()
            let name = entry.name
            let path = directory.appending(name)
            guard let status = entry.status else { continue }
            let isDirectory = status.kind == .directory
            if pass.policy.exclusion(name: name, path: path, isDirectory: isDirectory, stack: stack) != nil { continue }
            switch status.kind {
            case .directory:
                seenDirectories.insert(path)
                if mode == .full || !knownDirectories.contains(path) { subdirectories.append(path) }
            case .regular:
                seenFiles.insert(name)
                regular.append((path, status, stored[name]))
            case .symlink, .other:
                continue
            }
        }
        // One look-up per directory for files the index may know under another name (renames), not one per file.
        let newFiles = regular.filter { $0.stored == nil }.map(\.status)
        let renameCandidates =
            newFiles.isEmpty || knowsNothing ? [:] : try await pass.store.files(sameAsAnyOf: newFiles)
        for (path, status, stored) in regular {
            try Task.checkCancellation()
            try await index(
                path,
                root: root,
                status: status,
                stored: stored,
                renameCandidates: renameCandidates,
                in: opened
            )
            try await flushIfFull()
        }
        for name in stored.keys where !seenFiles.contains(name) {
            batch.deletedFiles.append(directory.appending(name))
        }
        for subdirectory in knownDirectories where !seenDirectories.contains(subdirectory) {
            batch.purgedDirectories.append(subdirectory)
        }
        batch.scannedDirectories.append((directory, directory.parent))
        scanned[directory] = mode
        uncommitted.append(directory)
        for subdirectory in subdirectories.reversed() { scheduleScan(subdirectory, .full) }
        pass.progress.update(done: filesSeen, queued: queue.count)
        try await flushIfFull()
    }

    // MARK: Files

    /// Indexes a regular file. `renameCandidates`, when given, holds what the index knows of new files' inodes
    /// (fetched for a whole directory); without it, a new file's inode is looked up on its own.
    private mutating func index(
        _ path: BytePath,
        root: BytePath,
        status: FileStatus,
        stored: StoredFile?,
        renameCandidates: [UInt64: IndexStore.KnownFile]? = nil,
        in directory: OpenDirectory? = nil
    ) async throws {
        guard looked.insert(path).inserted else { return }
        filesSeen += 1
        if let stored, !status.differs(from: stored.status) { return }
        if stored == nil {
            let candidate =
                if let renameCandidates { renameCandidates[status.inode] } else {
                    try await pass.store.file(sameAs: status)
                }
            if let candidate, moved(to: path, root: root, status: status, from: candidate) { return }
        }
        let content = try pass.policy.extractor.extract(path, size: status.size, root: root, in: directory)
        // Gone since it was listed, or reachable only through a symlink now: not a file below the root.
        if case .unreadable(let code) = content, NoFollowOpen.Failure(code).meansMissing {
            if stored != nil { batch.deletedFiles.append(path) }
            return
        }
        batch.entries.append(
            FileEntry(
                path: path,
                relativePath: Array(path.relative(to: root)),
                status: status,
                content: content,
                existingID: stored?.id
            )
        )
        batch.textBytes += content.text.utf8.count
        filesIndexed += 1
        pass.progress.read()
        try await pass.hooks.fileIndexed(count: filesIndexed)
    }

    /// A new path holding a file the index knows under a path that no longer has it: a rename.
    private mutating func moved(
        to path: BytePath,
        root: BytePath,
        status: FileStatus,
        from known: IndexStore.KnownFile
    ) -> Bool {
        let (id, oldPath) = (known.id, known.path)
        guard known.size == status.size, known.mtimeNanoseconds == status.mtimeNanoseconds, oldPath != path,
            !renamed.contains(id), FileStatus.of(oldPath)?.inode != status.inode
        else { return false }
        renamed.insert(id)
        batch.renames.append(
            FileRename(id: id, path: path, relativePath: Array(path.relative(to: root)), status: status)
        )
        pass.progress.renamed()
        return true
    }

    private mutating func flushIfFull() async throws {
        // Directories count too: a walk over unchanged files still records its progress.
        if batch.fileCount >= IndexPass.batchFiles / batchDivisor
            || batch.textBytes >= IndexPass.batchTextBytes / batchDivisor
            || batch.scannedDirectories.count >= IndexPass.batchFiles
        {
            try await flush(completesPass: false)
        }
    }

    private mutating func flush(completesPass: Bool) async throws {
        if batch.isEmpty && !completesPass { return }
        try await finishCommit()
        pass.watcher?.forgetUnwatched(under: batch.purgedDirectories)
        let store = pass.store
        let hooks = pass.hooks
        let full = batch
        committing = (
            Task {
                try hooks.beforeCommit()
                return try await store.commit(full, completesPass: completesPass)
            }, uncommitted, uncommittedPaths
        )
        batchDivisor = max(1, batchDivisor / 2)
        batch = IndexBatch()
        uncommitted.removeAll()
        uncommittedPaths.removeAll()
        if completesPass { try await finishCommit() }
    }

    /// Awaits the batch in flight; its directories and paths count as done only once it committed.
    mutating func finishCommit() async throws {
        guard let (task, directories, paths) = committing else { return }
        committing = nil
        let unmatched: [BytePath]
        do {
            unmatched = try await task.value
        } catch {
            uncommitted += directories
            uncommittedPaths += paths
            commitFailed = true
            throw error
        }
        reread(unmatched)
        pass.progress.update(done: filesSeen, queued: queue.count)
    }

    /// Commits the unflushed batch of a cancelled pass in a task that cancellation does not reach, and awaits it.
    mutating func commitPartial() async throws {
        guard !batch.isEmpty else { return }
        pass.watcher?.forgetUnwatched(under: batch.purgedDirectories)
        let store = pass.store
        let partial = batch
        let unmatched = try await Task { try await store.commit(partial) }.value
        batch = IndexBatch()
        uncommitted.removeAll()
        uncommittedPaths.removeAll()
        reread(unmatched)
    }

    /// Files whose rename could not be applied are read as new files (by this pass, or the next through the leftover).
    private mutating func reread(_ unmatched: [BytePath]) {
        for path in unmatched {
            looked.remove(path)
            paths.append(path)
        }
    }
}
