import CInotifyTools
import Foundation
import Glibc
import Logging
import SeekLocking
import ServiceLifecycle

/// Watches every directory the crawl keeps, with libinotifytools.
///
/// libinotifytools is not thread-safe (one static inotify descriptor, global trees), so every call into it happens
/// on one dedicated thread. Other tasks ask that thread for watches through a queue; the thread is woken from its
/// blocking read by a write to an unlinked temporary file that it watches (libinotifytools exposes no descriptor to
/// poll). Events are copied out and handed to `onEvents` on that thread, which must not block.
package final class InotifyWatcher: Service, Sendable {
    /// The events watched on each directory.
    static let mask: Int32 = {
        let changes = [IN_CREATE, IN_DELETE, IN_CLOSE_WRITE, IN_MODIFY, IN_MOVED_FROM].reduce(UInt32(IN_MOVED_TO)) {
            $0 | UInt32($1)
        }
        let selves = UInt32(IN_DELETE_SELF) | UInt32(IN_MOVE_SELF) | UInt32(IN_ATTRIB)
        let options: UInt32 = UInt32(IN_ONLYDIR) | UInt32(IN_DONT_FOLLOW) | UInt32(IN_EXCL_UNLINK)
        return Int32(bitPattern: changes | selves | options)
    }()

    /// Sync cookies: created in a root, seen come back as an event, then deleted; never indexed.
    package static let cookiePrefix = Array(".seek-sync-".utf8)
    package static let ownCookiePrefix = cookiePrefix + Array("\(getpid())-".utf8)

    private struct State {
        var requests: [(BytePath, CheckedContinuation<Bool, Never>)] = []
        var watched: Set<BytePath> = []
        var unwatched: Set<BytePath> = []
        var cookies: [BytePath: CheckedContinuation<Void, any Error>] = [:]
        /// The directory each root's watch was set on. A root deleted while something still holds it (a shell's
        /// working directory) keeps its watch until that reference goes, and a root made again meanwhile is another
        /// directory under the same path: a cookie must not be written there (see `createCookieFile`).
        var rootIdentities: [BytePath: DirectoryIdentity] = [:]
        var stopped = false
        var warnedAboutLimit = false
        var warnedAboutLongPath = false
        var overflows = OverflowLedger()

        /// Stops counting the directories `isGone` picks as watched. A cookie waiting in one of them can no longer
        /// come back through its watch (a root deleted and made again before its old watch's removal was read gets
        /// its cookie in the new directory, which that watch never reports): its waiter is returned, to be failed,
        /// so its `sync` rescans the root instead of waiting forever.
        mutating func forgetWatches(where isGone: (BytePath) -> Bool) -> [CheckedContinuation<Void, any Error>] {
            watched = watched.filter { !isGone($0) }
            rootIdentities = rootIdentities.filter { !isGone($0.key) }
            let lost = cookies.filter { isGone($0.key.parent) }
            for cookie in lost.keys { cookies[cookie] = nil }
            return Array(lost.values)
        }
    }

    /// A cookie's directory lost its watch before the cookie's event was read.
    private struct CookieWatchLost: Error {}

    private let state = Locked(State())
    private let roots: [BytePath]
    /// Ignore-file names: a change to one of them rescans its directory instead of checking one path.
    private let ruleFileNames: [[UInt8]]
    private let logger: Logger
    private let handler = Locked<(@Sendable ([FileEvent]) -> Void)?>(nil)
    private let wakeDescriptor = Locked<Int32>(-1)
    private let threadExit = Locked<CheckedContinuation<Void, Never>?>(nil)

    /// A test hook: behave as if the kernel refused watches (ENOSPC) beyond this many.
    private let watchLimit: Int?

    package init(
        roots: [BytePath],
        ruleFileNames: [[UInt8]] = CrawlPolicy.defaultIgnoreFileNames,
        logger: Logger,
        watchLimit: Int? = nil
    ) {
        self.roots = roots
        self.ruleFileNames = ruleFileNames
        self.logger = logger
        self.watchLimit = watchLimit
    }

    /// Sets what receives events; called on the watcher's thread, it must not block.
    package func onEvents(_ handler: @escaping @Sendable ([FileEvent]) -> Void) {
        self.handler.withLock { $0 = handler }
    }

    private func deliver(_ events: [FileEvent]) {
        handler.withLock { $0 }?(events)
    }

    /// Watches held and directories that could not be watched (covered by rescans instead).
    package var figures: (watches: Int, errors: Int) {
        state.withLock { ($0.watched.count, $0.unwatched.count) }
    }

    /// Directories that could not be watched: `sync` and the periodic rescan look at them.
    package var unwatchedDirectories: [BytePath] { state.withLock { Array($0.unwatched) } }

    /// Directories the index let go of (gone, excluded, or reached through a symlink): they and everything below
    /// them leave the unwatched set, so `watch_errors` and the periodic rescans count only directories that are
    /// still crawled. One that comes back is watched again, or joins the set again, when its parent's scan finds it.
    package func forgetUnwatched(under directories: [BytePath]) {
        guard !directories.isEmpty else { return }
        state.withLock { state in
            guard !state.unwatched.isEmpty else { return }
            state.unwatched = state.unwatched.filter { path in !directories.contains { path.isWithin($0) } }
        }
    }

    /// Starts the rescan owed for overflows (deferred by the backoff, or decided and not submitted yet): a `sync`
    /// must not answer before it. Returns what to pass to `overflowRescanSubmitted(covering:)` once the caller has
    /// submitted the rescan, nil when nothing is owed.
    package func startOwedOverflowRescan() -> Int? {
        state.withLock { state in
            guard state.overflows.owesRescan else { return nil }
            return state.overflows.startRescan(at: .now, growingBackoff: false)
        }
    }

    /// A rescan started with `startOwedOverflowRescan` has been submitted.
    package func overflowRescanSubmitted(covering count: Int) {
        state.withLock { $0.overflows.submitted(covering: count) }
    }

    /// Makes sure `directory` is watched before the caller lists it; false when it could not be.
    package func watch(_ directory: BytePath) async -> Bool {
        let known = state.withLock { state -> Bool? in
            if state.watched.contains(directory) { return true }
            if state.stopped { return false }
            return nil
        }
        if let known { return known }
        let added = await withCheckedContinuation { continuation in
            let stopped = state.withLock { state in
                if state.stopped { return true }
                state.requests.append((directory, continuation))
                return false
            }
            if stopped { continuation.resume(returning: false) } else { wake() }
        }
        return added
    }

    /// Creates a cookie file in `root` and returns once the watcher has read its event: every event of changes made
    /// before this call has then been handed to `onEvents`. Throws when the cookie cannot be created (a read-only
    /// root, a root replaced by a symlink); the caller must then use another strict way.
    package func syncCookie(in root: BytePath) async throws {
        // A root that came back may not be watched yet: its cookie event would never come.
        guard await watch(root) else { throw POSIXError(.ENOENT) }
        // The name being tried, for the cancellation handler (a taken name is given up for another).
        let attempt = CookieAttempt()
        do {
            try await waitForCookie(in: root, attempt: attempt)
        } catch {
            // A cookie this sync made, on every failure path (cancelled, its directory's watch lost): nothing else
            // would remove it. Never a name that was taken (EEXIST): that file is someone else's.
            attempt.createdPath?.withCString { _ = unlink($0) }
            throw error
        }
    }

    private func waitForCookie(in root: BytePath, attempt: CookieAttempt) async throws {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                for _ in 0..<Self.cookieAttempts {
                    let name = Self.cookieName()
                    let cookie = root.appending(name)
                    attempt.state.withLock { $0 = (cookie, false) }
                    // Registered before the file exists: its event may come back at once.
                    let registration = state.withLock { state -> Result<DirectoryIdentity?, any Error> in
                        if state.stopped || Task.isCancelled { return .failure(CancellationError()) }
                        // Its watch was removed since `watch(root)` said yes: nothing would report the cookie.
                        guard state.watched.contains(root) else { return .failure(CookieWatchLost()) }
                        state.cookies[cookie] = continuation
                        return .success(state.rootIdentities[root])
                    }
                    let identity: DirectoryIdentity?
                    switch registration {
                    case .success(let watchedIdentity): identity = watchedIdentity
                    case .failure(let refusal): return continuation.resume(throwing: refusal)
                    }
                    let code = Self.createCookieFile(named: name, in: root, watchedAs: identity)
                    if code == 0 {
                        attempt.state.withLock { $0?.created = true }
                        // An overflow released this sync before the file existed (its rescan covers the sync); if
                        // the file's event is dropped too, nothing else would remove it.
                        if state.withLock({ $0.cookies[cookie] == nil }) { cookie.withCString { _ = unlink($0) } }
                        return
                    }
                    // Only whoever removes the waiter resumes it (the cancellation handler may have).
                    guard state.withLock({ $0.cookies.removeValue(forKey: cookie) }) != nil else { return }
                    if code == EEXIST { continue }
                    if code == ESTALE {
                        // The watch is on a directory that is gone: dropped, so the caller's rescan watches the new one.
                        forgetWatches { $0 == root }
                        return continuation.resume(throwing: CookieWatchLost())
                    }
                    return continuation.resume(throwing: POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO))
                }
                continuation.resume(throwing: POSIXError(.EEXIST))
            }
        } onCancel: {
            // The file, if this sync made it, is removed by `syncCookie` once the continuation has thrown.
            guard let cookie = attempt.state.withLock({ $0?.path }) else { return }
            let waiter = state.withLock { $0.cookies.removeValue(forKey: cookie) }
            waiter?.resume(throwing: CancellationError())
        }
    }

    /// Names tried before `syncCookie` gives up on a root (a taken name means someone plants files there).
    static let cookieAttempts = 4

    /// `.seek-sync-PID-` and 64 random bits in hex: nobody can plant a file under the next name in advance.
    package static func cookieName() -> [UInt8] {
        let random = UInt64.random(in: .min ... .max)
        let hex = String(random, radix: 16)
        return ownCookiePrefix + Array((String(repeating: "0", count: 16 - hex.count) + hex).utf8)
    }

    /// Creates the cookie file `name` in `root`; 0 or the `errno` of the failure. Never follows a symlink (neither a
    /// root replaced by one nor one planted under the name), never opens what is already there (`O_EXCL`: a FIFO
    /// planted under the name gives EEXIST rather than an open that blocks until someone reads it). ESTALE, and no
    /// file, when `root` is no longer the directory `watchedAs` names (the one its watch is on).
    package static func createCookieFile(
        named name: [UInt8],
        in root: BytePath,
        watchedAs identity: DirectoryIdentity? = nil
    ) -> Int32 {
        let directory = root.withCString { open($0, NoFollowOpen.pathOnly | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
        guard directory >= 0 else { return errno }
        defer { close(directory) }
        if let identity {
            var info = stat()
            guard fstat(directory, &info) == 0 else { return errno }
            guard DirectoryIdentity(FileStatus(info)) == identity else { return ESTALE }
        }
        let flags = O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC
        let file = BytePath(name).withCString { openat(directory, $0, flags, 0o600) }
        guard file >= 0 else { return errno }
        close(file)
        return 0
    }

    package func run() async throws {
        let failure = await startThread()
        if let failure {
            // For example no watch left for the wake file (`max_user_watches`) or no inotify instance left
            // (`max_user_instances`). The roots then count as unwatched: `status.watch_errors` says so, `sync`
            // rescans them, and so does the periodic rescan below.
            logger.error(
                "inotify could not start; the roots are rescanned every 5 s instead",
                metadata: ["error": "\(String(cString: strerror(failure)))"]
            )
            stopThread()  // releases every waiting `watch`, and later ones return at once
            state.withLock { $0.unwatched.formUnion(roots) }
        }
        defer { stopThread() }
        // The periodic part: rescans that stand in for missing watches and overflowed queues.
        try? await cancelWhenGracefulShutdown { [self] in
            while !Task.isCancelled {
                try await Task.sleep(for: .seconds(1))
                tick()
            }
        }
        if failure == nil { await stopThreadAndWait() }
    }

    private let lastUnwatchedRescan = Locked(ContinuousClock.now)

    private func tick() {
        var events: [FileEvent] = []
        let now = ContinuousClock.now
        let (overflow, unwatched) = state.withLock { state -> (Int?, [BytePath]) in
            var overflow: Int?
            if state.overflows.owesRescan, state.overflows.isDue(at: now) {
                overflow = state.overflows.startRescan(at: now, growingBackoff: false)
            }
            return (overflow, Array(state.unwatched))
        }
        if overflow != nil { events.append(.overflow) }
        let rescanDue = lastUnwatchedRescan.withLock { last in
            guard now - last >= .seconds(5) else { return false }
            last = now
            return true
        }
        if rescanDue { events += unwatched.map(FileEvent.rescan) }
        if !events.isEmpty { deliver(events) }
        if let overflow { overflowRescanSubmitted(covering: overflow) }
    }

    // MARK: The inotify thread

    /// Starts the inotify thread; returns the `errno` value of a failure to start, nil once it runs.
    private func startThread() async -> Int32? {
        await withCheckedContinuation { (started: CheckedContinuation<Int32?, Never>) in
            let thread = Thread { [self] in
                guard inotifytools_initialize() != 0 else {
                    started.resume(returning: inotifytools_error())
                    return
                }
                let wake: (descriptor: Int32, watch: Int32)
                switch makeWakeWatch() {
                case .success(let made): wake = made
                case .failure(let failure):
                    inotifytools_cleanup()  // closes the inotify instance
                    started.resume(returning: failure.code)
                    return
                }
                wakeDescriptor.withLock { $0 = wake.descriptor }
                started.resume(returning: nil)
                eventLoop(wakeWatch: wake.watch)
                wakeDescriptor.withLock { descriptor in
                    close(descriptor)
                    descriptor = -1
                }
                let exit = threadExit.withLock { exit in
                    defer { exit = nil }
                    return exit
                }
                exit?.resume()
            }
            thread.name = "seek-inotify"
            thread.start()
        }
    }

    private func stopThread() {
        let requests = state.withLock { state in
            state.stopped = true
            defer { state.requests.removeAll() }
            return state.requests
        }
        for (_, continuation) in requests { continuation.resume(returning: false) }
        wake()
    }

    private func stopThreadAndWait() async {
        await withCheckedContinuation { continuation in
            threadExit.withLock { $0 = continuation }
            stopThread()
        }
    }

    /// Under the lock, so the write can never reach a descriptor number that was closed and reused.
    private func wake() {
        wakeDescriptor.withLock { descriptor in
            if descriptor >= 0 { _ = pwrite(descriptor, "w", 1, 0) }
        }
    }

    private struct StartFailure: Error {
        var code: Int32
    }

    /// An unlinked temporary file the thread watches: writing to it produces an event that wakes the thread.
    private func makeWakeWatch() -> Result<(descriptor: Int32, watch: Int32), StartFailure> {
        var template = Array("/tmp/seekd-wake-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { return .failure(StartFailure(code: errno)) }
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        let path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        defer { unlink(path) }
        guard inotifytools_watch_file(path, Int32(bitPattern: UInt32(IN_MODIFY))) != 0 else {
            let code = inotifytools_error()
            close(descriptor)
            return .failure(StartFailure(code: code))
        }
        return .success((descriptor, inotifytools_wd_from_filename(path)))
    }

    private func eventLoop(wakeWatch: Int32) {
        var directories: [Int32: BytePath] = [:]
        var rootParents: [Int32: BytePath] = [:]
        while true {
            let requests = state.withLock { state -> [(BytePath, CheckedContinuation<Bool, Never>)]? in
                if state.stopped { return nil }
                defer { state.requests.removeAll() }
                return state.requests
            }
            guard let requests else { return }
            for (directory, continuation) in requests {
                continuation.resume(returning: addWatch(directory, into: &directories))
            }
            // Blocks until an event arrives; `wake()` makes one. libinotifytools has no non-blocking read, so events
            // are handed over one at a time (the scheduler merges them).
            guard let event = inotifytools_next_event(0), event.pointee.wd != wakeWatch else { continue }
            var events: [FileEvent] = []
            handle(event, directories: &directories, rootParents: &rootParents, into: &events)
            if !events.isEmpty { deliver(events) }
        }
    }

    private func addWatch(_ directory: BytePath, into directories: inout [Int32: BytePath]) -> Bool {
        // Asked for twice before the first request was served.
        if state.withLock({ $0.watched.contains(directory) }) { return true }
        let overLimit = watchLimit.map { limit in state.withLock { $0.watched.count >= limit } } ?? false
        let name = Self.freeName(for: directory)
        let added = !overLimit && name.withCString { inotifytools_watch_file($0, Self.mask) } != 0
        if added {
            let watch = name.withCString { inotifytools_wd_from_filename($0) }
            if watch >= 0 { directories[watch] = directory }
            logger.trace("watch added", metadata: ["path": "\(directory)", "watch": "\(watch)"])
            // Taken just after the watch was set: a root replaced in between would be taken for the watched one.
            let identity = roots.contains(directory) ? FileStatus.of(directory).map(DirectoryIdentity.init) : nil
            state.withLock { state in
                state.watched.insert(directory)
                state.unwatched.remove(directory)
                if let identity { state.rootIdentities[directory] = identity }
            }
            return true
        }
        let code = overLimit ? ENOSPC : inotifytools_error()
        let limitReached = code == ENOSPC || code == ENOMEM
        // A path longer than PATH_MAX cannot be named to the kernel: such a deep directory is rescanned instead too.
        guard limitReached || code == ENAMETOOLONG else { return false }
        let warn = state.withLock { state in
            state.unwatched.insert(directory)
            if limitReached {
                defer { state.warnedAboutLimit = true }
                return !state.warnedAboutLimit
            }
            defer { state.warnedAboutLongPath = true }
            return !state.warnedAboutLongPath
        }
        if warn, limitReached {
            logger.warning(
                "inotify watch limit reached; unwatched directories are rescanned instead. Raise it with: sudo sysctl fs.inotify.max_user_watches=1048576",
                metadata: ["path": "\(directory)", "limit": "\(inotifytools_get_max_user_watches())"]
            )
        } else if warn {
            logger.notice(
                "directory path longer than PATH_MAX cannot be watched; such directories are rescanned instead",
                metadata: ["path.bytes": "\(directory.bytes.count)"]
            )
        }
        return false
    }

    private func handle(
        _ event: UnsafeMutablePointer<inotify_event>,
        directories: inout [Int32: BytePath],
        rootParents: inout [Int32: BytePath],
        into events: inout [FileEvent]
    ) {
        let mask = event.pointee.mask
        if mask & UInt32(IN_Q_OVERFLOW) != 0 {
            handleOverflow()
            return
        }
        let watch = event.pointee.wd
        let name = Self.name(of: event)
        logger.trace(
            "inotify event",
            metadata: [
                "watch": "\(watch)", "mask": "\(String(mask, radix: 16))",
                "name": "\(String(decoding: name, as: UTF8.self))",
            ]
        )
        if let root = rootParents[watch] {
            if !name.isEmpty, root.lastComponent.elementsEqual(name) {
                rootParents[watch] = nil
                events.append(.changed(root))
            }
            return
        }
        guard let directory = directories[watch] else { return }
        if mask & UInt32(IN_IGNORED) != 0 {
            logger.trace("watch removed", metadata: ["path": "\(directory)", "watch": "\(watch)"])
            directories[watch] = nil
            // The directory may be watched again already, under another descriptor.
            if !directories.values.contains(directory) { forgetWatches { $0 == directory } }
            return
        }
        if name.isEmpty {
            guard mask & UInt32(IN_DELETE_SELF | IN_MOVE_SELF) != 0 else { return }
            if mask & UInt32(IN_MOVE_SELF) != 0 {
                // The watch would follow the directory wherever it went; drop it, so a directory made in its place
                // gets a watch of its own and nothing outside is reported under the old path.
                _ = inotifytools_remove_watch_by_wd(watch)
                directories[watch] = nil
                forgetWatches { $0.isWithin(directory) }
            }
            events.append(.changed(directory))
            if roots.contains(directory) { watchForReturn(of: directory, rootParents: &rootParents) }
            return
        }
        let path = directory.appending(name)
        if mask & UInt32(IN_ISDIR) != 0, mask & UInt32(IN_MOVED_FROM | IN_DELETE) != 0 {
            // The watches of a directory that moved keep following it, wherever it went. Remove them: if it moved
            // within the roots, the scan of its new place watches it again (watch first, then list); if it left,
            // it no longer holds watches or reports its changes under its old path.
            if mask & UInt32(IN_MOVED_FROM) != 0 {
                for (descriptor, watched) in directories where watched.isWithin(path) {
                    _ = inotifytools_remove_watch_by_wd(descriptor)
                    directories[descriptor] = nil
                }
            }
            forgetWatches { $0.isWithin(path) }
        }
        if name.starts(with: Self.cookiePrefix) {
            let waiter = state.withLock { $0.cookies.removeValue(forKey: path) }
            // A cookie whose sync was cancelled before the file was made has no waiter: remove it all the same.
            if mask & UInt32(IN_DELETE) == 0, waiter != nil || name.starts(with: Self.ownCookiePrefix) {
                path.withCString { _ = unlink($0) }
            }
            waiter?.resume()
            return
        }
        if ruleFileNames.contains(where: { $0.elementsEqual(name) }) {
            events.append(.rulesChanged(directory))
        } else {
            events.append(.changed(path))
        }
    }

    private func forgetWatches(where isGone: (BytePath) -> Bool) {
        let lost = state.withLock { $0.forgetWatches(where: isGone) }
        for waiter in lost { waiter.resume(throwing: CookieWatchLost()) }
    }

    /// Events were dropped: only a rescan comparing stat data can tell what changed. Rescans are spaced out with a
    /// growing backoff so an overflow storm cannot pin the CPU (`OverflowLedger`), except when a `sync` waits: its
    /// cookie event may be among the dropped ones (the kernel queues the overflow event after any drop), so the
    /// rescan is submitted at once and the waiting syncs are released after it, their tickets covering it.
    private func handleOverflow() {
        let now = ContinuousClock.now
        let (rescan, cookies) = state.withLock {
            state -> (Int?, [(BytePath, CheckedContinuation<Void, any Error>)]) in
            state.overflows.recordOverflow(at: now)
            let cookies = Array(state.cookies)
            guard state.overflows.isDue(at: now) || !cookies.isEmpty else { return (nil, []) }
            state.cookies.removeAll()
            return (state.overflows.startRescan(at: now, growingBackoff: true), cookies)
        }
        logger.notice("inotify queue overflowed; rescanning the roots", metadata: ["rescan.now": "\(rescan != nil)"])
        guard let rescan else { return }
        deliver([.overflow])
        overflowRescanSubmitted(covering: rescan)
        for (path, waiter) in cookies {
            path.withCString { _ = unlink($0) }
            waiter.resume()
        }
    }

    /// A deleted root is watched for again through its parent, so it is indexed when it comes back.
    private func watchForReturn(of root: BytePath, rootParents: inout [Int32: BytePath]) {
        let parent = root.parent
        guard
            parent.withCString({
                inotifytools_watch_file(
                    $0,
                    Int32(bitPattern: UInt32(IN_CREATE) | UInt32(IN_MOVED_TO) | UInt32(IN_ONLYDIR))
                )
            }) != 0
        else { return }
        let watch = Self.watchDescriptor(of: parent)
        if watch >= 0 { rootParents[watch] = root }
    }

    /// The name to watch `directory` under. libinotifytools keys its entries by name and keeps the entry of a watch
    /// the kernel removed (a directory deleted) for good; a new watch under a name still taken would be hidden
    /// behind it. A taken name gets "./" appended until it is free: the same directory to the kernel, a new key to
    /// libinotifytools. (Renaming the stale entry instead, `inotifytools_set_filename_by_wd`, changes a key in place
    /// in libinotifytools' name tree: a later removal then missed its node and left it freed in the tree, and seekd
    /// crashed in `strcmp` under load.)
    private static func freeName(for directory: BytePath) -> BytePath {
        var name = directory.bytes == [BytePath.slash] ? directory : BytePath(directory.bytes + [BytePath.slash])
        while name.withCString({ inotifytools_wd_from_filename($0) }) >= 0 {
            name = BytePath(name.bytes + Array("./".utf8))
        }
        return name
    }

    /// libinotifytools keys directories by their path with a trailing slash.
    private static func watchDescriptor(of directory: BytePath) -> Int32 {
        let key = directory.bytes == [BytePath.slash] ? directory : BytePath(directory.bytes + [BytePath.slash])
        return key.withCString { inotifytools_wd_from_filename($0) }
    }

    private static func name(of event: UnsafeMutablePointer<inotify_event>) -> [UInt8] {
        let length = Int(event.pointee.len)
        guard length > 0 else { return [] }
        let start = UnsafeRawPointer(event).advanced(by: MemoryLayout<inotify_event>.size).assumingMemoryBound(
            to: UInt8.self
        )
        let bytes = UnsafeBufferPointer(start: start, count: length)
        return Array(bytes.prefix { $0 != 0 })
    }
}

/// The cookie path a `sync` is trying and whether it made that file, shared with its cancellation handler.
private final class CookieAttempt: Sendable {
    let state = Locked<(path: BytePath, created: Bool)?>(nil)

    var createdPath: BytePath? {
        state.withLock { $0.flatMap { $0.created ? $0.path : nil } }
    }
}
