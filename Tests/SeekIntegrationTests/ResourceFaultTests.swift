import Foundation
import Glibc
import SeekProtocol
import SeekTestSupport
import Testing

/// inotify's watch limit really exhausted: the kernel refuses watches (ENOSPC), not the test hook.
///
/// The limit is lowered in seekd's own user namespace (`/proc/sys/user/max_inotify_watches`, which the kernel
/// checks like `fs.inotify.max_user_watches`, namespace by namespace), not machine-wide: `fs.inotify.max_user_watches`
/// binds every process of the uid, and while the pass it takes stretched to 3.3 s under the full suite's load, it
/// made a parallel test's daemon miss a watch (`renameMovesTheEntryWithoutReadingTheContentAgain` failed in 2 of 3
/// runs). Nothing outside the namespace is affected, and the setting dies with it.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct WatchExhaustionFaultTests {
    @Test func exhaustedWatchesAreReportedAndCoveredByRescans() async throws {
        let daemon = try await DaemonHarness.start(
            files: ["early/a.txt": "early file"],
            arguments: ["--settle-ms", "0"],
            launcher: Faults.ownUserNamespace
        )
        do {
            try await Self.exhaustAndRecover(daemon)
            await daemon.cleanUp()
        } catch {
            await daemon.cleanUp()
            throw error
        }
    }

    static func exhaustAndRecover(_ daemon: DaemonHarness) async throws {
        try await daemon.sync()
        let before = try await daemon.status()
        #expect(before.watchErrors == 0)
        // Three directories made outside and moved in at once, so one pass finds them all.
        let staging = daemon.directory + "/staging"
        try Faults.write("late file one", to: staging + "/late1/deeper/one.txt")
        try Faults.write("late file two", to: staging + "/late2/two.txt")
        // Below what the daemon holds already: every new watch is refused until the limit is restored, which
        // happens once the three new directories have been refused. The status is kept as seen then: a rescan
        // may watch them again as soon as the limit is back.
        let status = try await Faults.withNamespaceSetting(of: daemon.pid, "max_inotify_watches", 1) {
            for name in ["late1", "late2"] { rename(staging + "/" + name, daemon.root + "/" + name) }
            var status = try await daemon.status()
            try await repeatUntil("the new directories' watches to be refused", timeout: .seconds(20)) {
                status = try await daemon.status()
                return status.watchErrors >= 3
            }
            return status
        }
        #expect(status.watchErrors == 3)
        #expect(status.watches == before.watches)
        #expect(daemon.log.contains("fs.inotify.max_user_watches"))
        // No event comes from the unwatched directories: `sync` rescans them (and, the limit being back, watches
        // them again).
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

/// inotify that cannot start at all, as the kernel refuses it: no watch left for the wake file
/// (`max_inotify_watches` 0) or no instance left (`max_inotify_instances` 0), in seekd's own user namespace. The
/// roots are then rescanned every 5 s, and `status` says so.
@Suite(.timeLimit(.minutes(3)))
struct InotifyStartFaultTests {
    @Test(arguments: ["max_inotify_watches", "max_inotify_instances"])
    func inotifyThatCannotStartFallsBackToPeriodicRescans(limit: String) async throws {
        let daemon = try await DaemonHarness.start(
            files: ["a.txt": "first"],
            launcher: Faults.ownUserNamespace(setting: limit, to: 0)
        )
        do {
            try await Self.expectPeriodicRescans(daemon, limit: limit)
            await daemon.cleanUp()
        } catch {
            await daemon.cleanUp()
            throw error
        }
    }

    static func expectPeriodicRescans(_ daemon: DaemonHarness, limit: String) async throws {
        try await daemon.sync()
        let status = try await daemon.status()
        #expect(status.watches == 0)
        #expect(status.watchErrors == 1)
        #expect(daemon.log.contains("inotify could not start"))
        try daemon.write("appears without a sync", to: "sub/new.txt")
        // Neither an event nor a sync: only the periodic rescan (every 5 s) can find it.
        let started = ContinuousClock.now
        try await repeatUntil("the periodic rescan", timeout: .seconds(20)) {
            try await daemon.searchNow("appears").hits.count == 1
        }
        print(
            "inotify down (\(limit) 0): a new file found by the periodic rescan after \(ContinuousClock.now - started)"
        )
        #expect(try await daemon.paths("first") == [daemon.root + "/a.txt"])
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
        try await repeatUntil("indexing to fail", timeout: .seconds(60)) {
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
        var short: [String] = []
        for directory in 0..<directories {
            let hits = try await daemon.searchNow("bulkword", paths: [daemon.root + "/bulk/d\(directory)"]).hits
            if hits.count != perDirectory { short.append("d\(directory): \(hits.count)") }
        }
        // Seen once under the full suite (2,893 files, two directories short): seekd's log says which passes ran.
        #expect(
            status.files == 50 + directories * perDirectory && short.isEmpty,
            "\(status.files) files, short: \(short)\n\(daemon.log.split(separator: "\n").suffix(400).joined(separator: "\n"))"
        )
        #expect(try await daemon.stop() == 0)
    }
}
