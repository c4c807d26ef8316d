import Foundation
import Glibc
import SeekProtocol
import SeekTestSupport
import Testing

/// Changes on disk reach the index through inotify; `sync` is the barrier, never a sleep.
@Suite(.timeLimit(.minutes(3)))
struct LiveIndexTests {
    @Test func createdFileIsFound() async throws {
        try await withDaemon(files: ["old.txt": "old"]) { (daemon: DaemonHarness) async throws in
            try await daemon.sync()
            try daemon.write("brand new quokka", to: "new.txt")
            #expect(try await daemon.paths("quokka") == [daemon.root + "/new.txt"])
        }
    }

    @Test func writesWithAndWithoutCloseAreIndexed() async throws {
        try await withDaemon(files: ["a.txt": "before"]) { (daemon: DaemonHarness) async throws in
            try await daemon.sync()
            try daemon.write("after closewrite", to: "a.txt")
            #expect(try await daemon.paths("closewrite") == [daemon.root + "/a.txt"])
            // A writer that keeps the file open: IN_MODIFY alone must be enough.
            let handle = try #require(FileHandle(forWritingAtPath: daemon.root + "/a.txt"))
            defer { try? handle.close() }
            try handle.truncate(atOffset: 0)
            try handle.write(contentsOf: Data("still open wombat".utf8))
            try handle.synchronize()
            #expect(try await daemon.paths("wombat") == [daemon.root + "/a.txt"])
        }
    }

    @Test func deletedFileIsGone() async throws {
        try await withDaemon(files: ["doomed.txt": "ephemeral"]) { (daemon: DaemonHarness) async throws in
            #expect(try await daemon.paths("ephemeral").count == 1)
            try FileManager.default.removeItem(atPath: daemon.root + "/doomed.txt")
            #expect(try await daemon.paths("ephemeral").isEmpty)
        }
    }

    @Test func renamesMovePathsAndChainsEndAtTheLastName() async throws {
        try await withDaemon(files: ["one.txt": "migrating content"]) { (daemon: DaemonHarness) async throws in
            try await daemon.sync()
            let manager = FileManager.default
            try manager.moveItem(atPath: daemon.root + "/one.txt", toPath: daemon.root + "/two.txt")
            try manager.moveItem(atPath: daemon.root + "/two.txt", toPath: daemon.root + "/three.txt")
            try manager.moveItem(atPath: daemon.root + "/three.txt", toPath: daemon.root + "/four.txt")
            #expect(try await daemon.paths("migrating") == [daemon.root + "/four.txt"])
            #expect(try await daemon.status().files == 1)
        }
    }

    @Test func renameMovesTheEntryWithoutReadingTheContentAgain() async throws {
        try await withDaemon(files: ["dir/old-name.txt": "unchanged capybara text"]) {
            (daemon: DaemonHarness) async throws in
            try await daemon.sync()
            let before = try await daemon.status()
            try FileManager.default.createDirectory(atPath: daemon.root + "/other", withIntermediateDirectories: true)
            try await daemon.sync()
            rename(daemon.root + "/dir/old-name.txt", daemon.root + "/other/new-name.txt")
            #expect(try await daemon.paths("capybara") == [daemon.root + "/other/new-name.txt"])
            let after = try await daemon.status()
            #expect(after.contentReads == before.contentReads)
            #expect(after.renamesFollowed == (before.renamesFollowed ?? 0) + 1)
            #expect(try await daemon.search("new name").hits.map(\.path) == [daemon.root + "/other/new-name.txt"])
        }
    }

    /// More files than one batch holds: renames spread over several transactions, with the old directory's purge
    /// in the first; none may be lost.
    @Test func renamedBigDirectoryKeepsEveryFile() async throws {
        var files: [String: String] = [:]
        for index in 0..<1200 { files["big/f\(index).txt"] = "moving file\(index)" }
        try await withDaemon(files: files) { (daemon: DaemonHarness) async throws in
            try await daemon.sync()
            rename(daemon.root + "/big", daemon.root + "/moved")
            let hits = try await daemon.search("moving", limit: 1000).hits.count
            #expect(hits == 1000)
            #expect(try await daemon.status().files == 1200)
            #expect(try await daemon.paths("file1199") == [daemon.root + "/moved/f1199.txt"])
            #expect(try await daemon.paths("file0 ") == [daemon.root + "/moved/f0.txt"])
        }
    }

    @Test func temporaryFileRenamedOverTargetIsASave() async throws {
        try await withDaemon(files: ["doc.md": "draft one"]) { (daemon: DaemonHarness) async throws in
            try await daemon.sync()
            try daemon.write("final version platypus", to: ".doc.md.swp")
            rename(daemon.root + "/.doc.md.swp", daemon.root + "/doc.md")
            #expect(try await daemon.paths("platypus") == [daemon.root + "/doc.md"])
            #expect(try await daemon.paths("draft").isEmpty)
        }
    }

    @Test func directoriesMovedInAreIndexedAndMovedOutArePurged() async throws {
        try await withDaemon { (daemon: DaemonHarness) async throws in
            let outside = daemon.directory + "/outside"
            try FileManager.default.createDirectory(
                atPath: outside + "/nested/deeper",
                withIntermediateDirectories: true
            )
            try Data("arrived from outside".utf8).write(to: URL(fileURLWithPath: outside + "/nested/deeper/in.txt"))
            try await daemon.sync()
            try FileManager.default.moveItem(atPath: outside, toPath: daemon.root + "/inside")
            #expect(try await daemon.paths("arrived") == [daemon.root + "/inside/nested/deeper/in.txt"])
            // The moved-in tree is watched: a change deep inside is seen.
            try daemon.write("later addition", to: "inside/nested/deeper/later.txt")
            #expect(try await daemon.paths("addition") == [daemon.root + "/inside/nested/deeper/later.txt"])
            let watchesInside = try await daemon.status().watches
            try FileManager.default.moveItem(atPath: daemon.root + "/inside", toPath: daemon.directory + "/away")
            #expect(try await daemon.paths("arrived").isEmpty)
            let status = try await daemon.status()
            #expect(status.files == 0)
            // The moved-out tree holds no watches any more (inside, nested, deeper).
            #expect(status.watches == watchesInside - 3)
        }
    }

    /// libinotifytools keeps watches in a tree ordered by name; renaming entries in place once broke that order and
    /// a later removal crashed seekd. Directories moving in, around and out again and again must leave it alive and
    /// right.
    @Test func directoriesMovingBackAndForthNeverBreakTheWatcher() async throws {
        try await withDaemon { (daemon: DaemonHarness) async throws in
            try await daemon.sync()
            let manager = FileManager.default
            for round in 0..<40 {
                let outside = daemon.directory + "/outside\(round)"
                try manager.createDirectory(atPath: outside + "/sub/deep", withIntermediateDirectories: true)
                try Data("round \(round) walrus".utf8).write(to: URL(fileURLWithPath: outside + "/sub/deep/f.txt"))
                try manager.moveItem(atPath: outside, toPath: daemon.root + "/m\(round % 3)")
                try await daemon.sync()
                try manager.moveItem(atPath: daemon.root + "/m\(round % 3)", toPath: daemon.root + "/z\(round % 2)")
                try await daemon.sync()
                try manager.moveItem(atPath: daemon.root + "/z\(round % 2)", toPath: daemon.directory + "/gone\(round)")
            }
            try daemon.write("survivor walrus", to: "m0/last.txt")
            #expect(try await daemon.paths("walrus") == [daemon.root + "/m0/last.txt"])
        }
    }

    @Test func mkdirThenImmediateWriteIsNotMissed() async throws {
        try await withDaemon { (daemon: DaemonHarness) async throws in
            try await daemon.sync()
            for index in 0..<20 {
                try daemon.write("deep file \(index) marmot", to: "a\(index)/b/c/d/file.txt")
            }
            #expect(try await daemon.search("marmot").hits.count == 20)
        }
    }

    @Test func burstOfAThousandFilesConverges() async throws {
        try await withDaemon { (daemon: DaemonHarness) async throws in
            try await daemon.sync()
            for index in 0..<1000 { try daemon.write("burst item\(index)", to: "burst/\(index % 10)/f\(index).txt") }
            #expect(try await daemon.search("burst", limit: 1000).hits.count == 1000)
            #expect(try await daemon.status().files == 1000)
        }
    }

    @Test func deleteThenRecreateKeepsTheNewContent() async throws {
        try await withDaemon(files: ["x.txt": "first life"]) { (daemon: DaemonHarness) async throws in
            try await daemon.sync()
            try FileManager.default.removeItem(atPath: daemon.root + "/x.txt")
            try daemon.write("second life", to: "x.txt")
            #expect(try await daemon.paths("second") == [daemon.root + "/x.txt"])
            #expect(try await daemon.paths("first").isEmpty)
        }
    }

    @Test func ignoreFileChangeReevaluatesItsDirectory() async throws {
        try await withDaemon(files: ["logs/a.log": "noisy entry", "logs/keep.txt": "noisy but kept"]) {
            (daemon: DaemonHarness) async throws in
            #expect(try await daemon.search("noisy").hits.count == 2)
            try daemon.write("*.log\n", to: ".gitignore")
            #expect(try await daemon.paths("noisy") == [daemon.root + "/logs/keep.txt"])
            try FileManager.default.removeItem(atPath: daemon.root + "/.gitignore")
            #expect(try await daemon.search("noisy").hits.count == 2)
        }
    }

    @Test func deletedRootIsPurgedAndWatchedAgainWhenItReturns() async throws {
        try await withDaemon(files: ["r.txt": "rooted"]) { (daemon: DaemonHarness) async throws in
            try await daemon.sync()
            try FileManager.default.removeItem(atPath: daemon.root)
            // No cookie can be written into a missing root: sync rescans it, and the purge is committed.
            try await daemon.sync()
            #expect(try await daemon.status().files == 0)
            #expect(daemon.log.contains("root is gone"))
            // The root comes back: the watch on its parent sees it, and it is indexed and watched again.
            try daemon.write("rooted again", to: "r.txt")
            #expect(try await daemon.paths("again") == [daemon.root + "/r.txt"])
            try daemon.write("regrown sprout", to: "sprout.txt")
            #expect(try await daemon.paths("sprout") == [daemon.root + "/sprout.txt"])
        }
    }

    /// `rm -r` of a root a shell is in, then a fresh clone in its place: the kernel reports the old root's removal
    /// only once nothing holds it, so until then its watch is on a directory that is gone.
    @Test func rootMadeAgainWhileTheOldOneIsHeldIsIndexed() async throws {
        try await withDaemon(files: ["r.txt": "rooted"]) { (daemon: DaemonHarness) async throws in
            try await daemon.sync()
            let held = open(daemon.root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            #expect(held >= 0)
            defer { close(held) }
            try FileManager.default.removeItem(atPath: daemon.root)
            try daemon.write("regrown while held", to: "again.txt")
            #expect(try await daemon.paths("regrown") == [daemon.root + "/again.txt"])
            #expect(try await daemon.paths("rooted").isEmpty)
            try daemon.write("later sprout", to: "later.txt")
            #expect(try await daemon.paths("sprout") == [daemon.root + "/later.txt"])
        }
    }

    @Test func rootMovedAwayAndMadeAgainIsWatchedAfresh() async throws {
        try await withDaemon(files: ["old.txt": "before the move"]) { (daemon: DaemonHarness) async throws in
            try await daemon.sync()
            rename(daemon.root, daemon.directory + "/root.old")
            try FileManager.default.createDirectory(atPath: daemon.root, withIntermediateDirectories: true)
            try daemon.write("in the new root", to: "new.txt")
            #expect(try await daemon.paths("root") == [daemon.root + "/new.txt"])
            // The moved-away tree is no longer reported under the root's path.
            try Data("outside now".utf8).write(to: URL(fileURLWithPath: daemon.directory + "/root.old/late.txt"))
            #expect(try await daemon.paths("outside").isEmpty)
            #expect(try await daemon.status().files == 1)
        }
    }

    @Test func syncCookiesAreNeverIndexedOrLeftBehind() async throws {
        try await withDaemon(files: ["a.txt": "a"], arguments: ["--hidden"]) { (daemon: DaemonHarness) async throws in
            for _ in 0..<5 { try await daemon.sync() }
            let names = try FileManager.default.contentsOfDirectory(atPath: daemon.root)
            #expect(names == ["a.txt"])
            #expect(try await daemon.status().files == 1)
        }
    }

    @Test func parkedPassIsSupersededByAFileEventAndItsWorkIsKept() async throws {
        var files: [String: String] = [:]
        for index in 0..<40 { files["d\(index % 4)/f\(index).txt"] = "parked common" }
        try await withDaemon(files: files, environment: ["SEEK_TEST_PARK_PASS_AFTER_FILES": "5"]) {
            (daemon: DaemonHarness) async throws in
            #expect(try await daemon.status().pass.state == "running")
            try daemon.write("event driven", to: "trigger.txt")
            #expect(try await daemon.search("common", limit: 100).hits.count == 40)
            #expect(try await daemon.paths("driven") == [daemon.root + "/trigger.txt"])
            #expect(try await daemon.status().passes.superseded >= 1)
        }
    }

    /// The first batch (312 files, all in `b/`, which a pass lists before `a/`) fails to commit; the pass finishes
    /// `b/`, parks in `a/` and is superseded. Its partial batch must not commit: that would mark `b/` done while the
    /// failed batch's files of `b/` are in no work set.
    @Test func supersededPassWhoseCommitFailedKeepsAllItsWork() async throws {
        var files: [String: String] = [:]
        for index in 0..<400 { files["b/f\(index).txt"] = "kept common" }
        for index in 0..<50 { files["a/g\(index).txt"] = "kept common" }
        let environment = ["SEEK_TEST_PARK_PASS_AFTER_FILES": "420", "SEEK_TEST_FAIL_FIRST_COMMIT": "1"]
        try await withDaemon(files: files, environment: environment) { (daemon: DaemonHarness) async throws in
            try await repeatUntil("the pass finished b/") { try await daemon.status().pass.done >= 400 }
            try daemon.write("event driven", to: "trigger.txt")
            let hits = try await daemon.search("common", limit: 1000).hits
            #expect(hits.count == 450, "seekd's log:\n\(daemon.log)")
            #expect(try await daemon.status().files == 451)
            #expect(try await daemon.status().passes.superseded >= 1)
            #expect(daemon.log.contains("injected commit failure"))
        }
    }

    @Test func killedDuringAPassRestartsToExactlyTheFilesOnDisk() async throws {
        var files: [String: String] = [:]
        for index in 0..<300 { files["k\(index % 7)/f\(index).txt"] = "survivor\(index) common" }
        let daemon = try await DaemonHarness.start(
            files: files,
            environment: ["SEEK_TEST_PARK_PASS_AFTER_FILES": "150"]
        )
        defer { Task { await daemon.cleanUp() } }
        #expect(try await daemon.status().pass.state == "running")
        await daemon.kill9()
        try FileManager.default.removeItem(atPath: daemon.root + "/k0/f0.txt")
        try daemon.write("added while dead", to: "k1/new.txt")
        let restarted = try await daemon.restart()
        let hits = try await restarted.search("common", limit: 1000).hits.map(\.path)
        #expect(hits.count == 299)
        #expect(Set(hits).count == hits.count)
        #expect(try await restarted.status().files == 300)
        #expect(try await restarted.stop() == 0)
    }

    @Test func churnConvergesAfterTheWriterStops() async throws {
        var files: [String: String] = [:]
        for index in 0..<50 { files["churn/f\(index).txt"] = "version0" }
        try await withDaemon(files: files) { (daemon: DaemonHarness) async throws in
            try await daemon.sync()
            let deadline = ContinuousClock.now + .seconds(5)
            var round = 0
            while ContinuousClock.now < deadline {
                round += 1
                for index in 0..<50 { try daemon.write("version\(round) churned", to: "churn/f\(index).txt") }
                await Task.yield()
            }
            let stopped = ContinuousClock.now
            let hits = try await daemon.search("version\(round)", limit: 100).hits
            let converged = ContinuousClock.now - stopped
            #expect(hits.count == 50)
            #expect(try await daemon.search("version\(round - 1) ", limit: 100).hits.isEmpty)
            print("churn: \(round) rounds of 50 writes; converged \(converged) after the writer stopped")
        }
    }
}
