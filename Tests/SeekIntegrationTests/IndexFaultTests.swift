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
