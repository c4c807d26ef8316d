import Foundation
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
