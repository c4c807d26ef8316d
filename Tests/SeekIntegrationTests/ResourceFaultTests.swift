import Foundation
import Glibc
import SeekProtocol
import SeekTestSupport
import Testing

/// inotify's per-user watch limit really exhausted (the kernel setting lowered, as root), not the test hook.
///
/// `fs.inotify.max_user_watches` is per user and machine-wide: while it is lowered, every other daemon of this uid
/// (parallel tests included) is refused new watches too. Those stay correct the same way (a refused directory is
/// rescanned every 5 s and by every `sync`), but the window is kept to one pass, and the suite runs serialized.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct WatchExhaustionFaultTests {
    static let maxUserWatches = "/proc/sys/fs/inotify/max_user_watches"

    @Test func exhaustedWatchesAreReportedAndCoveredByRescans() async throws {
        try await withDaemon(files: ["early/a.txt": "early file"], arguments: ["--settle-ms", "0"]) {
            (daemon: DaemonHarness) async throws in
            try await daemon.sync()
            let before = try await daemon.status()
            #expect(before.watchErrors == 0)
            // Three directories made outside and moved in at once, so one pass finds them all.
            let staging = daemon.directory + "/staging"
            try Faults.write("late file one", to: staging + "/late1/deeper/one.txt")
            try Faults.write("late file two", to: staging + "/late2/two.txt")
            // Below what this uid holds already: every new watch is refused (ENOSPC) until it is restored, which
            // happens as soon as the daemon has been refused the three new directories' watches.
            let lowered = ContinuousClock.now
            try await Faults.withKernelSetting(Self.maxUserWatches, "1") {
                for name in ["late1", "late2"] { rename(staging + "/" + name, daemon.root + "/" + name) }
                try await Faults.waitUntil("the new directories' watches to be refused", timeout: .seconds(10)) {
                    try await daemon.status().watchErrors >= 3
                }
            }
            print("max_user_watches lowered for \(ContinuousClock.now - lowered)")
            let status = try await daemon.status()
            #expect(status.watchErrors == 3)
            #expect(status.watches == before.watches)
            #expect(daemon.log.contains("fs.inotify.max_user_watches"))
            // No event comes from the unwatched directories: `sync` rescans them (and, the limit being back,
            // watches them again).
            let root = daemon.root
            try daemon.write("late file three", to: "late1/deeper/three.txt")
            try daemon.write("late rewritten", to: "late2/two.txt")
            #expect(
                Set(try await daemon.paths("late"))
                    == [root + "/late1/deeper/one.txt", root + "/late1/deeper/three.txt", root + "/late2/two.txt"]
            )
            #expect(try await daemon.paths("rewritten") == [root + "/late2/two.txt"])
            let after = try await daemon.status()
            #expect(after.watchErrors == 0)
            #expect(after.watches == before.watches + 3)
            // Watched again: a deletion is seen through its event.
            try FileManager.default.removeItem(atPath: root + "/late1/deeper/one.txt")
            #expect(try await daemon.search("late").hits.count == 2)
        }
    }
}

/// inotify that cannot start at all (no watch for the wake file, or no instance left): the roots are rescanned
/// periodically instead, and `status` says so.
@Suite(.timeLimit(.minutes(3)))
struct InotifyStartFaultTests {
    @Test func inotifyThatCannotStartFallsBackToPeriodicRescans() async throws {
        try await withDaemon(files: ["a.txt": "first"], environment: ["SEEK_TEST_WATCH_LIMIT": "0"]) {
            (daemon: DaemonHarness) async throws in
            try await daemon.sync()
            let status = try await daemon.status()
            #expect(status.watches == 0)
            #expect(status.watchErrors == 1)
            #expect(daemon.log.contains("inotify could not start"))
            try daemon.write("appears without a sync", to: "sub/new.txt")
            // Neither an event nor a sync: only the periodic rescan (every 5 s) can find it.
            let started = ContinuousClock.now
            try await Faults.waitUntil("the periodic rescan", timeout: .seconds(20)) {
                try await daemon.searchNow("appears").hits.count == 1
            }
            print("inotify down: a new file found by the periodic rescan after \(ContinuousClock.now - started)")
            #expect(try await daemon.paths("first") == [daemon.root + "/a.txt"])
        }
    }
}

/// The disk holding the index fills up (a 2 MiB tmpfs, as root): searches keep answering from what was committed,
/// `status.last_error` says why indexing stopped, and once there is room again indexing resumes and converges.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct DiskFullFaultTests {
    @Test func fullIndexDiskKeepsServingAndResumesWhenSpaceReturns() async throws {
        try await Faults.withTmpfs(size: "2m") { mount in
            var seed: [String: String] = [:]
            for index in 0..<50 { seed["seed/s\(index).txt"] = "seedword \(index)" }
            let daemon = try await DaemonHarness.start(files: seed, indexPath: mount + "/index.sqlite3")
            do {
                try await Self.fillAndFree(daemon, mount: mount)
                await daemon.cleanUp()
            } catch {
                await daemon.cleanUp()
                throw error
            }
        }
    }

    static func fillAndFree(_ daemon: DaemonHarness, mount: String) async throws {
        try await daemon.sync()
        #expect(try await daemon.search("seedword").hits.count == 50)
        // About 6 MB of text in words that rarely repeat: an index well over 2 MiB.
        var random = SeededRandom(seed: 7)
        let directories = 20
        let perDirectory = 150
        for directory in 0..<directories {
            for index in 0..<perDirectory {
                let words = (0..<200).map { _ in String(random.next() % 1_000_000_000, radix: 36) }
                try daemon.write("bulkword " + words.joined(separator: " "), to: "bulk/d\(directory)/f\(index).txt")
            }
        }
        try await Faults.waitUntil("indexing to fail", timeout: .seconds(60)) {
            try await daemon.status().lastError != nil
        }
        let failing = try await daemon.status()
        let lastError = try #require(failing.lastError)
        #expect(lastError.contains("full"), "\(lastError)")
        print("disk full: last_error \(lastError); \(failing.files) files committed")
        // Still serving, from what was committed.
        #expect(try await daemon.searchNow("seedword").hits.count == 50)
        let committed = try await daemon.searchNow("bulkword").hits.count
        #expect(committed < 1000)

        try await Faults.remount(mount, size: "64m")
        let freed = ContinuousClock.now
        try await daemon.sync()
        print("disk full: converged \(ContinuousClock.now - freed) after space returned")
        let status = try await daemon.status()
        #expect(status.lastError == nil)
        #expect(status.files == 50 + directories * perDirectory)
        for directory in 0..<directories {
            let hits = try await daemon.searchNow("bulkword", paths: [daemon.root + "/bulk/d\(directory)"]).hits
            #expect(hits.count == perDirectory)
        }
        #expect(try await daemon.stop() == 0)
    }
}
