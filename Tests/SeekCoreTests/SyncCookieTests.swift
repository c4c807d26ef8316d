import Foundation
import Glibc
import Logging
import SeekCore
import SeekLocking
import SeekTestSupport
import Testing

/// `sync` cookies are created where other people may write (a root): nothing planted there may block seekd, be
/// written through, or be guessed in advance. Serialized: libinotifytools is one inotify instance per process, so two
/// watchers at once would read each other's events.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct SyncCookieTests {
    static func withDirectory(_ body: (String) async throws -> Void) async throws {
        try await withTemporaryDirectoryAsync { try await body($0.description) }
    }

    @Test func namesAreOwnPrefixedAndUnpredictable() {
        let names = (0..<100).map { _ in InotifyWatcher.cookieName() }
        #expect(Set(names).count == 100)
        for name in names {
            #expect(name.starts(with: InotifyWatcher.ownCookiePrefix))
            #expect(name.count == InotifyWatcher.ownCookiePrefix.count + 16)
        }
    }

    @Test func cookieIsCreatedPrivate() async throws {
        try await Self.withDirectory { directory in
            let name = InotifyWatcher.cookieName()
            #expect(InotifyWatcher.createCookieFile(named: name, in: BytePath(directory)) == 0)
            var info = stat()
            #expect(lstat(BytePath(directory).appending(name).description, &info) == 0)
            #expect(info.st_mode & S_IFMT == S_IFREG)
            #expect(info.st_mode & 0o777 == 0o600)
        }
    }

    /// A FIFO planted under the name is never opened: the open would block until someone reads it. A watchdog
    /// opens the FIFO's reading end after a deadline, so a blocking open fails this test instead of hanging it.
    @Test func plantedFIFOGivesEEXISTWithoutBlocking() async throws {
        try await Self.withDirectory { directory in
            let name = InotifyWatcher.cookieName()
            let fifo = BytePath(directory).appending(name).description
            #expect(mkfifo(fifo, 0o600) == 0)
            // The watchdog is a child of this group (no detached task outlives the test); cancelled once the call
            // returns, it ends without opening anything.
            let code = await withTaskGroup(of: Void.self) { group -> Int32 in
                group.addTask {
                    try? await Task.sleep(for: .seconds(5))
                    guard !Task.isCancelled else { return }
                    let reader = open(fifo, O_RDONLY | O_NONBLOCK)
                    if reader >= 0 { close(reader) }
                }
                defer { group.cancelAll() }
                return InotifyWatcher.createCookieFile(named: name, in: BytePath(directory))
            }
            // EEXIST is the proof: an open that blocked would have been released by the watchdog and succeeded.
            // No bound on the elapsed time: under a loaded machine a non-blocking call took 7 s (a CI run beside a
            // benchmark).
            #expect(code == EEXIST)
        }
    }

    @Test func plantedSymlinkOrFileIsNotWrittenThrough() async throws {
        try await Self.withDirectory { directory in
            let target = directory + "/target"
            #expect(FileManager.default.createFile(atPath: target, contents: Data("keep".utf8)))
            let linkName = InotifyWatcher.cookieName()
            symlink(target, BytePath(directory).appending(linkName).description)
            #expect(InotifyWatcher.createCookieFile(named: linkName, in: BytePath(directory)) == EEXIST)
            let kept = try String(contentsOfFile: target, encoding: .utf8)
            #expect(kept == "keep")
        }
    }

    /// A root deleted and made again before the watcher has read its old watch's removal: `watch(root)` still says
    /// yes, and the cookie lands in the new directory, which the old watch never reports. The cookie is given up (the
    /// caller rescans the root instead) and removed, rather than waited for until the sync times out.
    @Test func cookieInARootWhoseWatchIsGoingIsGivenUp() async throws {
        try await Self.withDirectory { directory in
            let root = BytePath(directory + "/root")
            #expect(mkdir(root.description, 0o700) == 0)
            let watcher = InotifyWatcher(roots: [root], logger: Logger(label: "SyncCookieTests"))
            // The watcher's thread is held in the delivery of the root's deletion, before it reads the removal. Only
            // once: the root made again is reported too, through the watch on its parent.
            let (deletions, deletion) = AsyncStream.makeStream(of: Void.self)
            let held = Locked(false)
            let release = DispatchSemaphore(value: 0)
            watcher.onEvents { events in
                guard events.contains(.changed(root)) else { return }
                let heldBefore = held.withLock { held in
                    defer { held = true }
                    return held
                }
                guard !heldBefore else { return }
                deletion.yield()
                release.wait()
            }
            let running = Task { try await watcher.run() }
            defer { running.cancel() }
            var released = false
            defer { if !released { release.signal() } }
            try #require(await watcher.watch(root))
            #expect(rmdir(root.description) == 0)
            var deletionSeen = deletions.makeAsyncIterator()
            await deletionSeen.next()
            #expect(mkdir(root.description, 0o700) == 0)
            // A child task: the suite's time limit cancels it if it waits for an event that cannot come. Where the
            // new directory got another inode number, the sync gives up at once (it is not the watched directory);
            // where the old number was reused, it writes its cookie and must give up once the removal is read.
            let finished = Locked(false)
            async let synced: Void = {
                defer { finished.withLock { $0 = true } }
                try await watcher.syncCookie(in: root)
            }()
            try await repeatUntil("the sync's cookie or its answer") {
                finished.withLock { $0 } || !Self.entries(of: root).isEmpty
            }
            release.signal()
            released = true
            do {
                try await synced
                Issue.record("the sync answered, yet its cookie's event cannot have come")
            } catch {
                #expect(!(error is CancellationError))
            }
            #expect(Self.entries(of: root).isEmpty)
            running.cancel()
            try? await running.value
        }
    }

    /// A root deleted while something still holds it (a shell's working directory, an open descriptor) keeps its
    /// watch until that reference goes: only then does the kernel report the removal. A root made again meanwhile is
    /// another directory, which that watch never reports. The sync gives up on the root rather than wait (its caller
    /// rescans it), and the root is watched afresh: the next sync's cookie comes back.
    @Test func rootMadeAgainWhileTheOldOneIsHeldIsWatchedAfresh() async throws {
        try await Self.withDirectory { directory in
            let root = BytePath(directory + "/root")
            #expect(mkdir(root.description, 0o700) == 0)
            let watcher = InotifyWatcher(roots: [root], logger: Logger(label: "SyncCookieTests"))
            watcher.onEvents { _ in }
            let running = Task { try await watcher.run() }
            defer { running.cancel() }
            try #require(await watcher.watch(root))
            let held = open(root.description, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            #expect(held >= 0)
            #expect(rmdir(root.description) == 0)
            #expect(mkdir(root.description, 0o700) == 0)
            await #expect(throws: (any Error).self) { try await watcher.syncCookie(in: root) }
            #expect(Self.entries(of: root).isEmpty)
            #expect(await watcher.watch(root))
            try await watcher.syncCookie(in: root)
            #expect(Self.entries(of: root).isEmpty)
            close(held)
            running.cancel()
            try? await running.value
        }
    }

    static func entries(of directory: BytePath) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: directory.description)) ?? []
    }

    /// A root replaced by a symlink gets no cookie in the link's target.
    @Test func rootReplacedBySymlinkGetsNoCookie() async throws {
        try await Self.withDirectory { directory in
            mkdir(directory + "/elsewhere", 0o700)
            symlink(directory + "/elsewhere", directory + "/root")
            let code = InotifyWatcher.createCookieFile(
                named: InotifyWatcher.cookieName(),
                in: BytePath(directory + "/root")
            )
            #expect(code == ELOOP || code == ENOTDIR)
            let elsewhere = try FileManager.default.contentsOfDirectory(atPath: directory + "/elsewhere")
            #expect(elsewhere.isEmpty)
        }
    }
}
