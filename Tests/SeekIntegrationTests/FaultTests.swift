import Foundation
import Glibc
import SeekProtocol
import SeekTestSupport
import Testing

/// Files that shrink or vanish while a pass reads them: no crash, and the index converges to the disk.
@Suite(.timeLimit(.minutes(3)))
struct ReadRaceFaultTests {
    static let bigText = String(repeating: "whole line of bulky text\n", count: 160_000)  // 3.8 MiB

    @Test func filesTruncatedAndDeletedDuringAParkedPassConverge() async throws {
        var files: [String: String] = [:]
        for index in 0..<40 { files["small/s\(index).txt"] = "smallfile\(index) common" }
        for index in 0..<4 { files["big/b\(index).txt"] = "bigfile\(index) common\n" + Self.bigText }
        try await withDaemon(files: files, environment: ["SEEK_TEST_PARK_PASS_AFTER_FILES": "3"]) {
            (daemon: DaemonHarness) async throws in
            #expect(try await daemon.status().pass.state == "running")
            // While the first pass is parked (some files read, most not): shrink, empty and delete big files
            // behind its back, and delete small ones.
            let big = daemon.root + "/big/"
            #expect(truncate(big + "b0.txt", 10) == 0)  // "bigfile0 c"
            #expect(truncate(big + "b1.txt", 0) == 0)
            #expect(unlink(big + "b2.txt") == 0)
            for index in 0..<10 { #expect(unlink(daemon.root + "/small/s\(index).txt") == 0) }
            #expect(try await daemon.paths("bigfile0") == [big + "b0.txt"])
            #expect(try await daemon.paths("bulky") == [big + "b3.txt"])
            #expect(try await daemon.paths("bigfile1").isEmpty)
            #expect(try await daemon.paths("bigfile2").isEmpty)
            #expect(try await daemon.search("smallfile", limit: 100).hits.count == 30)
            let status = try await daemon.status()
            #expect(status.files == 33)
            #expect(status.bytes == 10 + 0 + 30 * 18 + (try Self.size(of: big + "b3.txt")))
            #expect(status.lastError == nil)
        }
    }

    /// A writer truncates, rewrites and deletes a big file as fast as it can while passes read it; whatever the
    /// daemon read mid-way, after `sync` the index holds the last version.
    @Test func bigFileRewrittenWhileBeingReadEndsAtItsLastVersion() async throws {
        try await withDaemon(files: ["big.txt": "round0 " + Self.bigText]) { (daemon: DaemonHarness) async throws in
            try await daemon.sync()
            let path = daemon.root + "/big.txt"
            let text = Array(Self.bigText.utf8)
            for round in 1...40 {
                switch round % 4 {
                case 0: unlink(path)
                case 1: truncate(path, 4096)
                default:
                    let descriptor = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0o644)
                    try Faults.writeAll(descriptor, Array("round\(round) ".utf8) + text)
                    close(descriptor)
                }
            }
            try Faults.writeFile(at: Array(path.utf8), Array("final version ".utf8) + text)
            #expect(try await daemon.paths("final") == [path])
            #expect(try await daemon.paths("round39").isEmpty)
            let status = try await daemon.status()
            #expect(status.files == 1)
            #expect(status.bytes == 14 + text.count)
        }
    }

    static func size(of path: String) throws -> Int {
        try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? -1
    }
}

/// DESIGN: "symlinks are not followed". A file outside the roots reachable only through a symlink is never indexed,
/// however the daemon comes to look at it (scan, event, `reindex` of a path through the link); a loop never hangs;
/// a symlink itself is not a file of the index.
@Suite(.timeLimit(.minutes(3)))
struct SymlinkFaultTests {
    @Test func linksOutOfTheRootAndLoopsAreNeverFollowed() async throws {
        try await withDaemon(files: ["inside/real.txt": "insider text"]) { (daemon: DaemonHarness) async throws in
            let outside = daemon.directory + "/outside"
            try Faults.write("outsider secret", to: outside + "/secret.txt")
            try Faults.write("outsider deeper", to: outside + "/sub/deep.txt")
            let manager = FileManager.default
            let root = daemon.root
            try manager.createSymbolicLink(atPath: root + "/escape", withDestinationPath: "../outside")
            try manager.createSymbolicLink(
                atPath: root + "/secret-link.txt",
                withDestinationPath: outside + "/secret.txt"
            )
            try manager.createSymbolicLink(atPath: root + "/loop", withDestinationPath: ".")
            try manager.createSymbolicLink(atPath: root + "/inside/up", withDestinationPath: "..")
            try manager.createSymbolicLink(atPath: root + "/self", withDestinationPath: "self")
            try manager.createSymbolicLink(atPath: root + "/dangling.txt", withDestinationPath: "/nonexistent/x")
            #expect(try await daemon.paths("outsider").isEmpty)
            #expect(try await daemon.paths("insider") == [root + "/inside/real.txt"])
            for name in ["escape", "link", "loop", "up", "self", "dangling"] {
                #expect(try await daemon.paths(name).isEmpty, "symlink \(name) is indexed")
            }
            #expect(try await daemon.status().files == 1)

            // Asked for by name, through the link: still outside.
            for path in [root + "/escape", root + "/escape/sub", root + "/escape/secret.txt", root + "/loop/inside"] {
                _ = try await daemon.call(.reindex, ReindexParams(paths: [path], wait: true), as: GenerationResult.self)
            }
            #expect(try await daemon.paths("outsider").isEmpty)
            #expect(try await daemon.status().files == 1)
            // ... and never watched: a change outside is not reported under the link's path.
            try Faults.write("outsider later", to: outside + "/sub/later.txt")
            #expect(try await daemon.paths("later").isEmpty)
            #expect(try await daemon.explain(root + "/escape/secret.txt").state == .excluded)
            #expect(try await daemon.explain(root + "/secret-link.txt").state == .excluded)
            #expect(try await daemon.explain(root + "/self").state == .excluded)
        }
    }

    @Test func directoryReplacedByALinkLeavesTheIndex() async throws {
        try await withDaemon(files: ["dir/kept.txt": "was inside"]) { (daemon: DaemonHarness) async throws in
            let outside = daemon.directory + "/outside"
            try Faults.write("outsider moved in", to: outside + "/o.txt")
            #expect(try await daemon.paths("inside") == [daemon.root + "/dir/kept.txt"])
            try FileManager.default.removeItem(atPath: daemon.root + "/dir")
            try FileManager.default.createSymbolicLink(atPath: daemon.root + "/dir", withDestinationPath: outside)
            #expect(try await daemon.paths("inside").isEmpty)
            #expect(try await daemon.paths("outsider").isEmpty)
            _ = try await daemon.call(.reindex, ReindexParams(wait: true), as: GenerationResult.self)
            #expect(try await daemon.status().files == 0)
        }
    }
}

/// A chain of 300 directories whose paths pass `PATH_MAX` (4096 bytes): the kernel refuses such paths in one call,
/// the tree holds them all the same.
@Suite(.timeLimit(.minutes(3)))
struct DeepTreeFaultTests {
    @Test func fileAtTheBottomOfA300LevelChainIsFound() async throws {
        try await withDaemon(files: ["top.txt": "shallow"]) { (daemon: DaemonHarness) async throws in
            try await daemon.sync()
            let components = (0..<300).map { String(format: "level%03d-abcdefghij", $0) }  // 18 bytes each
            let deepest = try Faults.makeChain(
                under: daemon.root,
                components: components,
                file: "deepest.txt",
                content: "abyssal content"
            )
            defer { Task { await Faults.removeTree(daemon.root + "/" + components[0]) } }
            #expect(deepest.utf8.count > 5_000)
            #expect(try await daemon.paths("abyssal") == [deepest])
            #expect(try await daemon.status().files == 2)
            let explained = try await daemon.explain(deepest)
            #expect(explained.state == .indexed, "\(explained.reason)")
            // Changes at the bottom are seen too (watched where the kernel allows, rescanned below that).
            _ = try Faults.makeChain(
                under: daemon.root,
                components: components,
                file: "later.txt",
                content: "bathyal addition"
            )
            #expect(
                try await daemon.paths("bathyal") == [(deepest as NSString).deletingLastPathComponent + "/later.txt"]
            )
            await Faults.removeTree(daemon.root + "/" + components[0])
            try await daemon.sync()
            #expect(try await daemon.status().files == 1)
            #expect(try await daemon.paths("abyssal").isEmpty)
        }
    }
}

/// A 2 GiB sparse file takes no disk space, and must take no memory either: it is found by name, never read.
@Suite(.timeLimit(.minutes(3)))
struct SparseFileFaultTests {
    @Test func twoGiBSparseFileIsFoundByNameAndNeverRead() async throws {
        try await withDaemon(files: ["small.txt": "tiny"]) { (daemon: DaemonHarness) async throws in
            try await daemon.sync()
            let before = try Faults.memory(of: daemon.pid)
            let path = daemon.root + "/huge-sparse.log"
            // Real text first (past the 8 KiB binary probe), then a 2 GiB hole.
            let head = Array(String(repeating: "sparsetext ", count: 2_000).utf8)
            try Faults.writeFile(at: Array(path.utf8), head)
            #expect(truncate(path, 2 << 30) == 0)
            var info = stat()
            #expect(stat(path, &info) == 0)
            #expect(info.st_blocks * 512 < 1 << 20, "the sparse file takes real disk space")
            let hit = try #require(try await daemon.search("huge sparse").hits.first)
            #expect(hit.path == path)
            #expect(hit.size == 2 << 30)
            #expect(hit.snippet == "")
            #expect(try await daemon.paths("sparsetext").isEmpty)
            let explained = try await daemon.explain(path)
            #expect(explained.state == .nameOnly)
            #expect(explained.reason.contains("larger than --max-file-size"))
            let after = try Faults.memory(of: daemon.pid)
            print("sparse 2 GiB: VmRSS \(before.rss) -> \(after.rss) KiB, VmHWM \(before.peak) -> \(after.peak) KiB")
            #expect(after.peak - before.peak < 32 << 10)
        }
    }

    /// Under a raised size cap, a sparse file is still not read: its holes would read as NUL bytes.
    @Test func sparseFileUnderTheCapIsNotReadEither() async throws {
        try await withDaemon(arguments: ["--max-file-size", "\(512 << 20)"]) { (daemon: DaemonHarness) async throws in
            try await daemon.sync()
            let before = try Faults.memory(of: daemon.pid)
            let path = daemon.root + "/holey.log"
            try Faults.writeFile(at: Array(path.utf8), Array(String(repeating: "holeytext ", count: 2_000).utf8))
            #expect(truncate(path, 400 << 20) == 0)
            let hit = try #require(try await daemon.search("holey").hits.first)
            #expect(hit.path == path)
            #expect(hit.snippet == "")
            let explained = try await daemon.explain(path)
            #expect(explained.state == .nameOnly, "\(explained.reason)")
            let after = try Faults.memory(of: daemon.pid)
            print("sparse 400 MiB under a 512 MiB cap: VmHWM \(before.peak) -> \(after.peak) KiB")
            #expect(after.peak - before.peak < 32 << 10)
        }
    }

    @Test func sizeCapBeyondWhatSQLiteStoresIsRefused() async throws {
        let directory = try Faults.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try await Faults.runSeekdExpectingExit([
            "--socket", directory + "/s.sock", "--index", directory + "/index.sqlite3", "--max-file-size", "\(2 << 30)",
            directory,
        ])
        #expect(result.status == 2)
        #expect(result.standardError.contains("--max-file-size"))
        #expect(result.standardError.split(separator: "\n").count == 1)
    }
}

/// Names the kernel allows and UTF-8 does not: newlines, invalid bytes, 255 bytes (ASCII or multi-byte). Indexed,
/// searchable by their valid parts, and reported with their exact bytes.
@Suite(.timeLimit(.minutes(3)))
struct FileNameFaultTests {
    static let names: [(label: String, bytes: [UInt8], query: String)] = [
        ("newline", Array("line\nbreak-name.txt".utf8), "break name"),
        ("invalid UTF-8", Array("bad-".utf8) + [0xFF, 0xC3, 0x28] + Array("-bytes.txt".utf8), "bad bytes"),
        ("lone continuation", [0x80] + Array("lonely.txt".utf8), "lonely"),
        ("255 ASCII bytes", Array(("longname-" + String(repeating: "x", count: 246)).utf8), "longname"),
        ("255 bytes of 2-byte UTF-8", Array(("mb-" + String(repeating: "é", count: 126)).utf8), "mb"),
        ("255 bytes of 3-byte UTF-8", Array(String(repeating: "語", count: 85).utf8), "語語語"),
    ]

    @Test func oddNamesAreIndexedAndReportedLosslessly() async throws {
        try await withDaemon { (daemon: DaemonHarness) async throws in
            try await daemon.sync()
            let root = Array(daemon.root.utf8) + [UInt8(ascii: "/")]
            for (label, name, _) in Self.names {
                #expect(name.count <= 255, "\(label)")
                try Faults.writeFile(at: root + name, Array("oddname content of \(label)".utf8))
            }
            // A directory with an invalid name: the files under it carry its bytes too.
            let directory = root + Array("dir-".utf8) + [0xFE]
            #expect(Faults.withCPath(directory) { mkdir($0, 0o755) } == 0)
            try Faults.writeFile(at: directory + Array("/inner.txt".utf8), Array("oddname inner".utf8))
            let hits = try await daemon.search("oddname").hits
            #expect(hits.count == Self.names.count + 1)
            for hit in hits {
                let exact = hit.pathBytes.flatMap { Data(base64Encoded: $0) }.map(Array.init) ?? Array(hit.path.utf8)
                #expect((String(validating: exact, as: UTF8.self) != nil) == (hit.pathBytes == nil))
                #expect(hit.path == String(decoding: exact, as: UTF8.self))
            }
            let found = Set(
                hits.map { $0.pathBytes.flatMap { Data(base64Encoded: $0) }.map(Array.init) ?? Array($0.path.utf8) }
            )
            for (label, name, query) in Self.names {
                #expect(found.contains(root + name), "\(label) not reported exactly")
                let byName = try await daemon.search(query).hits
                #expect(byName.count == 1, "\(label): \(query) found \(byName.map(\.path))")
            }
            #expect(found.contains(directory + Array("/inner.txt".utf8)))
            #expect(try await daemon.status().files == Self.names.count + 1)

            // Renamed and deleted by their bytes.
            let renamed = root + Array("renamed-".utf8) + [0xFF] + Array(".txt".utf8)
            let badName = Self.names[1].bytes
            #expect(Faults.withCPath(root + badName) { old in Faults.withCPath(renamed) { rename(old, $0) } } == 0)
            #expect(Faults.withCPath(root + Self.names[0].bytes) { unlink($0) } == 0)
            let after = try await daemon.search("oddname").hits
            #expect(after.count == Self.names.count)
            let afterPaths = Set(after.compactMap { $0.pathBytes.flatMap { Data(base64Encoded: $0) }.map(Array.init) })
            #expect(afterPaths.contains(renamed))
            #expect(!afterPaths.contains(root + badName))
            #expect(try await daemon.paths("break").isEmpty)
        }
    }
}

/// Directories made, moved out, moved back and deleted over and over: every watch given up is removed from
/// libinotifytools' bookkeeping cleanly (renaming its entries in place once corrupted it, and seekd crashed).
@Suite(.timeLimit(.minutes(3)))
struct WatchChurnFaultTests {
    @Test func directoriesComingAndGoingNeverCrashTheWatcher() async throws {
        try await withDaemon { (daemon: DaemonHarness) async throws in
            let outside = daemon.directory + "/away"
            let manager = FileManager.default
            for round in 0..<60 {
                let name = "d\(round % 3)"
                try daemon.write("churn \(round)", to: "\(name)/a/b/file.txt")
                try await daemon.sync()
                if round % 2 == 0 {
                    try manager.moveItem(atPath: daemon.root + "/" + name, toPath: outside)
                    try await daemon.sync()
                    try manager.moveItem(atPath: outside, toPath: daemon.root + "/" + name)
                    try await daemon.sync()
                }
                try manager.removeItem(atPath: daemon.root + "/" + name)
            }
            try daemon.write("last one", to: "d0/a/b/file.txt")
            #expect(try await daemon.paths("churn").isEmpty)
            #expect(try await daemon.paths("last") == [daemon.root + "/d0/a/b/file.txt"])
            #expect(try await daemon.status().watches == 4)
        }
    }
}
