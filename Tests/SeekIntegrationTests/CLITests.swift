import Foundation
import Glibc
import SeekProtocol
import SeekTestSupport
import Testing

@Suite(.timeLimit(.minutes(2)))
struct CLITests {
    static let files = ["notes/plan.md": "The plan: ship cancellation first.", "other.txt": "unrelated"]

    @Test func searchPrintsPathThenSnippetAndExitsZero() async throws {
        try await withDaemon(files: Self.files) { (daemon: DaemonHarness) async throws in
            let result = try await daemon.runSeek(["--sync", "cancellation"])
            #expect(result.status == 0)
            #expect(result.standardOutput == "\(daemon.root)/notes/plan.md\nThe plan: ship cancellation first.\n\n")
        }
    }

    @Test func colorAlwaysHighlightsMatchesAndNoColorNeverDoes() async throws {
        try await withDaemon(files: Self.files) { (daemon: DaemonHarness) async throws in
            let colored = try await daemon.runSeek(["--sync", "--color", "always", "cancellation"])
            #expect(colored.standardOutput.contains("\u{1B}[1;31mcancellation\u{1B}[0m"))
            let auto = try await daemon.runSeek(["--sync", "cancellation"], environment: ["NO_COLOR": "1"])
            #expect(!auto.standardOutput.contains("\u{1B}"))
        }
    }

    @Test func noHitsExitsOne() async throws {
        try await withDaemon(files: Self.files) { (daemon: DaemonHarness) async throws in
            let result = try await daemon.runSeek(["--sync", "zzzzzz"])
            #expect(result.status == 1)
            #expect(result.standardOutput.isEmpty)
        }
    }

    @Test func daemonErrorExitsTwoWithOneLine() async throws {
        try await withDaemon(files: Self.files) { (daemon: DaemonHarness) async throws in
            let result = try await daemon.runSeek(["--fts5", "a AND ("])
            #expect(result.status == 2)
            #expect(result.standardError.contains("-32002"))
            let bad = try await daemon.runSeek(["--limit", "0", "x"])
            #expect(bad.status == 2)
            #expect(bad.standardError.contains("limit"))
        }
    }

    @Test func emptyQueryIsAnErrorNotAnEmptyResult() async throws {
        let result = try await DaemonHarness.runTool("seek", ["--socket", "/tmp/seek-none.sock"])
        #expect(result.status == 2)
        #expect(result.standardError.contains("give something to search for"))
    }

    @Test func noDaemonSaysSoInOneLineAndExitsTwo() async throws {
        let result = try await DaemonHarness.runTool(
            "seek",
            ["--socket", "/tmp/seek-none-\(UUID().uuidString.prefix(8)).sock", "x"]
        )
        #expect(result.status == 2)
        #expect(result.standardError.split(separator: "\n").count == 1)
        #expect(result.standardError.contains("seekd"))
    }

    @Test func jsonPrintsTheResultObject() async throws {
        try await withDaemon(files: Self.files) { (daemon: DaemonHarness) async throws in
            let result = try await daemon.runSeek(["--sync", "--json", "plan"])
            #expect(result.status == 0)
            let decoded = try JSONDecoder().decode(SearchResult.self, from: Data(result.standardOutput.utf8))
            #expect(decoded.hits.map(\.path) == [daemon.root + "/notes/plan.md"])
        }
    }

    @Test func plainPrintsPathsOnly() async throws {
        try await withDaemon(files: Self.files) { (daemon: DaemonHarness) async throws in
            let result = try await daemon.runSeek(["--sync", "--plain", "plan"])
            #expect(result.standardOutput == daemon.root + "/notes/plan.md\n")
        }
    }

    /// Names and text are chosen by whoever writes the files: human output shows their control characters escaped,
    /// so none reaches the terminal (an escape sequence could retitle it, move the cursor, or worse).
    @Test func humanOutputEscapesControlCharactersOfNamesAndText() async throws {
        let files = ["evil\u{1B}]0;pwned\u{07}.txt": "alpha \u{1B}[2J beta \u{9B}31m\u{7F} gamma"]
        try await withDaemon(files: files) { (daemon: DaemonHarness) async throws in
            let plain = try await daemon.runSeek(["--sync", "alpha"])
            #expect(plain.status == 0)
            #expect(
                plain.standardOutput
                    == "\(daemon.root)/evil\\x1B]0;pwned\\x07.txt\nalpha \\x1B[2J beta \\x9B31m\\x7F gamma\n\n"
            )
            let colored = try await daemon.runSeek(["--sync", "--color", "always", "alpha"])
            #expect(colored.standardOutput.contains("\u{1B}[1;31malpha\u{1B}[0m"))
            #expect(colored.standardOutput.contains("evil\\x1B]0;pwned\\x07.txt"))
            let controls = colored.standardOutput.unicodeScalars.filter {
                $0.value < 0x20 || (0x7F...0x9F).contains($0.value)
            }
            #expect(Set(controls) == ["\u{1B}", "\n"], "only our own colour codes and newlines")
            let why = try await daemon.runSeek(["why", daemon.root + "/evil\u{1B}]0;pwned\u{07}.txt"])
            #expect(why.standardOutput.hasPrefix(daemon.root + "/evil\\x1B]0;pwned\\x07.txt: indexed"))
        }
    }

    /// `--plain` prints exact bytes, one path a line; `--null` (`-0`) ends each exact path with a NUL byte, for
    /// `xargs -0`, so names with newlines or invalid UTF-8 survive.
    @Test func plainAndNullPrintExactBytes() async throws {
        try await withDaemon(files: ["two\nlines.txt": "shared", "tab\tname.txt": "shared"]) {
            (daemon: DaemonHarness) async throws in
            let latin1 = Array(daemon.root.utf8) + Array("/caf".utf8) + [0xE9] + Array(".txt".utf8)
            let descriptor = (latin1 + [0]).withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_CREAT | O_WRONLY, 0o644) }
            }
            #expect(descriptor >= 0)
            _ = "shared".withCString { write(descriptor, $0, 6) }
            close(descriptor)
            let expected: Set<[UInt8]> = [
                latin1, Array("\(daemon.root)/two\nlines.txt".utf8), Array("\(daemon.root)/tab\tname.txt".utf8),
            ]
            for flag in ["--null", "-0"] {
                let result = try await daemon.runSeek(["--sync", flag, "shared"])
                #expect(result.status == 0)
                #expect(result.standardOutputBytes.last == 0)
                let paths = result.standardOutputBytes.split(separator: 0).map(Array.init)
                #expect(paths.count == 3)
                #expect(Set(paths) == expected)
            }
            let plain = try await daemon.runSeek(["--sync", "--plain", "shared"])
            #expect(plain.standardOutputBytes.count == expected.reduce(0) { $0 + $1.count + 1 })
            for path in expected {
                #expect(plain.standardOutputBytes.firstRange(of: path + [0x0A]) != nil)
            }
        }
    }

    @Test func optionsMayFollowTheQueryAndExclusionsStayInIt() async throws {
        let files = ["a.txt": "shared alpha", "b.txt": "shared beta", "c.txt": "shared gamma"]
        try await withDaemon(files: files) { (daemon: DaemonHarness) async throws in
            let result = try await daemon.runSeek(["shared", "-beta", "--sync", "--plain", "--limit", "5"])
            #expect(result.status == 0)
            #expect(
                Set(result.standardOutput.split(separator: "\n").map(String.init)) == [
                    daemon.root + "/a.txt", daemon.root + "/c.txt",
                ]
            )
        }
    }

    @Test func subcommandsWorkWithOptionsBeforeThem() async throws {
        try await withDaemon(files: Self.files) { (daemon: DaemonHarness) async throws in
            let sync = try await daemon.runSeek(["sync"])
            #expect(sync.status == 0)
            #expect(sync.standardOutput.hasPrefix("in sync"))
            let status = try await daemon.runSeek(["--socket", daemon.socketPath, "status"])
            #expect(status.status == 0)
            #expect(status.standardOutput.contains("files:      2"))
            let reindex = try await daemon.runSeek(["reindex", "--wait", daemon.root + "/notes"])
            #expect(reindex.status == 0)
            let why = try await daemon.runSeek(["why", daemon.root + "/other.txt"])
            #expect(why.standardOutput.contains("indexed"))
            let statusJSON = try await daemon.runSeek(["status", "--json"])
            #expect(try JSONDecoder().decode(StatusResult.self, from: Data(statusJSON.standardOutput.utf8)).files == 2)
        }
    }
}
