import Foundation
import GRDB
import Glibc
import SeekProtocol
import SeekTestSupport
import Testing

/// The index file damaged, or not an index at all. Damage is detected at start, the damaged file is moved aside
/// (never deleted: `--index` may name someone's file by mistake) and the index rebuilt; a file that is clearly not
/// an index is refused and left as it was.
@Suite(.timeLimit(.minutes(3)))
struct CorruptIndexFaultTests {
    /// A stopped daemon's index of 300 files, several hundred KiB: pages enough to damage in the middle.
    static func stoppedDaemon() async throws -> DaemonHarness {
        var files: [String: String] = [:]
        for index in 0..<300 {
            files["d\(index % 10)/f\(index).txt"] =
                "indexed \(index) " + String(repeating: "filler\(index) ", count: 50)
        }
        let daemon = try await DaemonHarness.start(files: files)
        try await daemon.sync()
        #expect(try await daemon.stop() == 0)
        return daemon
    }

    static func overwrite(_ path: String, at offset: Int, count: Int) throws {
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(offset))
        try handle.write(contentsOf: Data(repeating: 0x5A, count: count))
    }

    static func movedAside(in daemon: DaemonHarness) throws -> [String] {
        let directory = (daemon.indexPath as NSString).deletingLastPathComponent
        let name = (daemon.indexPath as NSString).lastPathComponent
        return try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter { $0.hasPrefix(name + ".corrupt-") && !$0.hasSuffix("-wal") }
            .map { directory + "/" + $0 }
    }

    @Test(arguments: [(label: "header", pages: [0]), (label: "middle", pages: [1, 2, 3])])
    func damagedIndexIsMovedAsideAndRebuilt(label: String, pages: [Int]) async throws {
        let daemon = try await Self.stoppedDaemon()
        defer { Task { await daemon.cleanUp() } }
        let size = try #require(try FileManager.default.attributesOfItem(atPath: daemon.indexPath)[.size] as? Int)
        #expect(size > 64 << 10)
        for page in pages {
            // The header: all of page 1 after SQLite's 16-byte magic. The middle: whole pages at quarters of the file.
            if page == 0 {
                try Self.overwrite(daemon.indexPath, at: 16, count: 4080)
            } else {
                try Self.overwrite(daemon.indexPath, at: size * page / 4 / 4096 * 4096, count: 4096)
            }
        }
        let damaged = try Data(contentsOf: URL(fileURLWithPath: daemon.indexPath))
        let restarted = try await daemon.restart()
        let line = try #require(restarted.log.split(separator: "\n").first { $0.contains("index file is damaged") })
        #expect(line.contains("warning"))
        let aside = try Self.movedAside(in: daemon)
        #expect(aside.count == 1)
        let movedTo = try #require(aside.first)
        #expect(line.contains(movedTo), "the log line names the new file: \(line)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: movedTo)) == damaged, "the damaged file is kept as it was")
        #expect(try await restarted.search("indexed", limit: 1000).hits.count == 300)
        #expect(try await restarted.status().files == 300)
        #expect(try await restarted.stop() == 0)
        print("damaged \(label): \(line)")
    }

    /// A file that is not SQLite at all, or another program's database (of any `user_version`), given as the index:
    /// seekd says so in one line, exits 2, and leaves the file and its directory exactly as they were.
    @Test(arguments: ["text", "sqlite", "sqlite-versioned"])
    func fileThatIsNotAnIndexIsRefusedAndLeftAlone(kind: String) async throws {
        let directory = try Faults.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let root = directory + "/root"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let index = directory + "/precious.db"
        switch kind {
        case "text":
            try Data("my precious notes, not an index\n".utf8).write(to: URL(fileURLWithPath: index))
        default:
            let queue = try DatabaseQueue(path: index)
            try await queue.write { db in
                try db.execute(sql: "CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT)")
                try db.execute(sql: "INSERT INTO notes(body) VALUES ('precious')")
                if kind == "sqlite-versioned" { try db.execute(sql: "PRAGMA user_version = 999") }
            }
            try queue.close()
        }
        let before = try Data(contentsOf: URL(fileURLWithPath: index))
        let listing = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        let result = try await Faults.runSeekdExpectingExit([
            "--socket", directory + "/s.sock", "--index", index, root,
        ])
        #expect(result.status == 2)
        let message = result.standardError.trimmingCharacters(in: .newlines)
        #expect(!message.contains("\n"), "one line: \(message)")
        #expect(message.contains(index) && message.contains("is not a Seek index"), "\(message)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: index)) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == listing)
        print("refused \(kind): \(message)")
    }

    @Test func emptyFileBecomesANewIndex() async throws {
        let directory = try Faults.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let index = directory + "/empty.sqlite3"
        #expect(FileManager.default.createFile(atPath: index, contents: nil))
        let daemon = try await DaemonHarness.start(files: ["a.txt": "fresh start"], indexPath: index)
        defer { Task { await daemon.cleanUp() } }
        #expect(try await daemon.paths("fresh") == [daemon.root + "/a.txt"])
        #expect(try await daemon.stop() == 0)
    }
}

/// SIGKILL at 20 moments of indexing, with files added, changed, renamed and deleted between kills: each restart
/// recovers, and after a clean `sync` the index holds exactly the files on disk, with their last content.
@Suite(.timeLimit(.minutes(3)))
struct KillFaultTests {
    /// What the test wrote, by path relative to the root: the round whose content the file holds.
    struct Disk {
        var files: [String: Int] = [:]
        var nextID = 0

        mutating func add(in directory: String, round: Int, root: String) throws {
            let path = "\(directory)/f\(nextID).txt"
            nextID += 1
            try write(path, round: round, root: root)
        }

        mutating func write(_ path: String, round: Int, root: String) throws {
            files[path] = round
            try Faults.write("common r\(round)x \(path)", to: root + "/" + path)
        }

        var directories: Set<String> { Set(files.keys.map { String($0.prefix { $0 != "/" }) }) }
    }

    @Test func killedAtTwentyPointsConvergesToTheFilesOnDisk() async throws {
        var random = SeededRandom(seed: 0x5EEC_0DE)
        let started = ContinuousClock.now
        var disk = Disk()
        let first = try await DaemonHarness.start()
        var current = first
        do {
            // The corpus is written while no daemon runs: the first kill lands in the cold pass.
            try await first.stop()
            for index in 0..<3000 { try disk.add(in: "c\(index % 30)", round: 0, root: first.root) }
            var points: [String] = []
            for round in 1...20 {
                // A kill point: after N files read (the park hook parks the pass there), after N files seen by the
                // pass or N files committed (status), or at once after start.
                let mode = round == 1 ? 0 : round % 5 == 0 ? 3 : Int(random.next() % 3)
                let limit = Int(random.next() % UInt64(mode == 0 ? 1500 : disk.files.count)) + 1
                let environment = mode == 0 ? ["SEEK_TEST_PARK_PASS_AFTER_FILES": "\(limit)"] : [:]
                current = try await first.restart(environment: environment)
                let daemon = current
                if mode < 3 {
                    try await repeatUntil("kill point \(mode) at \(limit)") {
                        let status = try await daemon.status()
                        let reached = [status.contentReads ?? 0, status.pass.done, status.files][mode] >= limit
                        return reached || status.passes.completed > 0
                    }
                }
                let status = try await daemon.status()
                let name = ["read", "seen", "committed", "start"][mode]
                points.append("\(name) \(limit): done \(status.pass.done), files \(status.files)")
                await daemon.kill9()
                try Self.change(&disk, round: round, root: first.root, random: &random)
            }
            current = try await first.restart()
            try await Self.expectIndex(of: current, holds: disk)
            #expect(try await current.stop() == 0)
            print("killed at: " + points.joined(separator: "; "))
            print("20 kills and a final sync over \(disk.files.count) files in \(ContinuousClock.now - started)")
            await first.cleanUp()
        } catch {
            await current.kill9()
            await first.cleanUp()
            throw error
        }
    }

    /// Adds, rewrites, renames and deletes files, and sometimes whole directories.
    static func change(_ disk: inout Disk, round: Int, root: String, random: inout SeededRandom) throws {
        let count = Int(random.next() % 40)
        var paths = disk.files.keys.sorted()
        for _ in 0..<count {
            guard !paths.isEmpty else { break }
            let path = paths.remove(at: Int(random.next() % UInt64(paths.count)))
            switch random.next() % 4 {
            case 0:
                try FileManager.default.removeItem(atPath: root + "/" + path)
                disk.files[path] = nil
            case 1:
                try disk.write(path, round: round, root: root)
            case 2:
                let target = "c\(random.next() % 30)/m\(disk.nextID).txt"
                disk.nextID += 1
                try FileManager.default.createDirectory(
                    atPath: root + "/" + (target as NSString).deletingLastPathComponent,
                    withIntermediateDirectories: true
                )
                rename(root + "/" + path, root + "/" + target)
                disk.files[target] = disk.files.removeValue(forKey: path)
            default:
                try disk.add(in: "c\(random.next() % 30)", round: round, root: root)
            }
        }
        // Rewrite whole directories now and then, so that some passes have hundreds of files to read.
        if round % 3 == 0 {
            for _ in 0..<3 {
                let directory = "c\(random.next() % 30)/"
                for path in disk.files.keys.sorted() where path.hasPrefix(directory) {
                    try disk.write(path, round: round, root: root)
                }
            }
        }
        if round % 6 == 0, let doomed = disk.directories.sorted().first {
            try FileManager.default.removeItem(atPath: root + "/" + doomed)
            disk.files = disk.files.filter { !$0.key.hasPrefix(doomed + "/") }
        }
        if round % 4 == 0 {
            for _ in 0..<25 { try disk.add(in: "n\(round)", round: round, root: root) }
        }
    }

    /// Every file on disk is found in its directory, with the content of its last round, and nothing else is.
    static func expectIndex(of daemon: DaemonHarness, holds disk: Disk) async throws {
        try await daemon.sync()
        let root = daemon.root
        #expect(try await daemon.status().files == disk.files.count)
        for directory in disk.directories.sorted() {
            let expected = Set(disk.files.keys.filter { $0.hasPrefix(directory + "/") }.map { root + "/" + $0 })
            let found = try await daemon.searchNow("common", paths: [root + "/" + directory]).hits.map(\.path)
            #expect(found.count == Set(found).count)
            #expect(Set(found) == expected, "\(directory): \(Set(found).symmetricDifference(expected).sorted())")
            let firstRound = Set(disk.files.filter { $0.key.hasPrefix(directory + "/") && $0.value == 0 }.keys)
            let foundFirst = try await daemon.searchNow("r0x", paths: [root + "/" + directory]).hits.map(\.path)
            #expect(Set(foundFirst) == Set(firstRound.map { root + "/" + $0 }), "\(directory): stale content")
        }
        for round in Set(disk.files.values).subtracting([0]).sorted() {
            let expected = Set(disk.files.filter { $0.value == round }.keys.map { root + "/" + $0 })
            let found = Set(try await daemon.searchNow("r\(round)x").hits.map(\.path))
            #expect(found == expected, "round \(round): \(found.symmetricDifference(expected).sorted())")
        }
    }
}
