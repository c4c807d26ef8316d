import Foundation
import SeekProtocol
import SeekTestSupport
import Testing

/// seekd's configuration file, read from `$XDG_CONFIG_HOME/seek/config.toml` by the real daemon: roots, excludes
/// that `explain` names, flags that beat it, and one line with exit status 2 for a bad file.
@Suite(.timeLimit(.minutes(2)))
struct ConfigFileTests {
    @Test func rootsFromTheFileAreIndexedRelativeToTheFilesDirectory() async throws {
        // The file is `directory/config/seek/config.toml`; the root is `directory/root`.
        let config = #"roots = ["../../root"]"#
        try await withDaemon(files: ["notes/plan.md": "configured roots"], roots: [], config: config) {
            (daemon: DaemonHarness) async throws in
            #expect(try await daemon.paths("configured") == [daemon.root + "/notes/plan.md"])
            #expect(try await daemon.status().roots == [daemon.root])
            #expect(daemon.log.contains("configuration file read"))
        }
    }

    @Test func anExcludePatternExcludesAndExplainNamesTheFileLineAndPattern() async throws {
        let config = """
            # what seekd leaves out
            exclude = [
                "*.log",
                "build/",
            ]
            """
        let files = ["src/main.c": "needle", "build/out.c": "needle", "run.log": "needle", "src/deep/x.log": "needle"]
        try await withDaemon(files: files, config: config) { (daemon: DaemonHarness) async throws in
            #expect(try await daemon.paths("needle") == [daemon.root + "/src/main.c"])
            let explained = try await daemon.call(
                .explain,
                ExplainParams(path: daemon.root + "/build/out.c"),
                as: ExplainResult.self
            )
            #expect(explained.state == .excluded)
            #expect(explained.rule == .init(file: daemon.configPath, line: 4, pattern: "build/"))
            #expect(explained.reason == "ignored by \(daemon.configPath):4 (build/)")
            let why = try await daemon.runSeek(["why", daemon.root + "/src/deep/x.log"])
            #expect(
                why.standardOutput
                    == "\(daemon.root)/src/deep/x.log: excluded: ignored by \(daemon.configPath):3 (*.log)\n"
            )
        }
    }

    @Test func commandLineFlagsBeatTheFile() async throws {
        let config = """
            roots = ["/nonexistent/seek-config-root"]
            hidden = true
            max_file_size = 10
            ignore_files = false
            """
        let files = [
            ".env": "needle", "big.txt": "needle and more", ".gitignore": "ignored.txt\n", "ignored.txt": "needle",
        ]
        // Roots on the command line replace the file's (which does not exist and is never looked at).
        try await withDaemon(
            files: files,
            arguments: ["--no-hidden", "--max-file-size", "1000", "--ignore"],
            config: config
        ) {
            (daemon: DaemonHarness) async throws in
            #expect(try await daemon.paths("needle") == [daemon.root + "/big.txt"])
        }
        // Without the flags, the file decides.
        try await withDaemon(
            files: files,
            config: config.replacingOccurrences(of: "roots = [\"/nonexistent/seek-config-root\"]\n", with: "")
        ) {
            (daemon: DaemonHarness) async throws in
            #expect(Set(try await daemon.paths("needle")) == [daemon.root + "/.env", daemon.root + "/ignored.txt"])
            #expect(try await daemon.paths("big").contains(daemon.root + "/big.txt"))
        }
    }

    @Test func aBadValueExitsTwoWithOneLineNamingTheKey() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "seek-config-\(UUID().uuidString.prefix(8))"
        ).path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory + "/seek", withIntermediateDirectories: true)
        let path = directory + "/seek/config.toml"
        try Data("hidden = false\nsettle_ms = \"fast\"\n".utf8).write(to: URL(fileURLWithPath: path))
        let result = try await DaemonHarness.runTool(
            "seekd",
            ["--socket", directory + "/s.sock", "--index", directory + "/i.sqlite3", directory],
            environment: ["XDG_CONFIG_HOME": directory]
        )
        #expect(result.status == 2)
        #expect(
            result.standardError
                == "seekd: \(path):2: settle_ms must be a whole number of milliseconds, 0 or more (got \"fast\")\n"
        )
        #expect(result.standardOutput.isEmpty)

        // The same file named with --config; and --no-config reads none.
        let named = try await DaemonHarness.runTool(
            "seekd",
            ["--config", path, "--socket", directory + "/s.sock", "--index", directory + "/i.sqlite3", directory]
        )
        #expect(named.status == 2)
        #expect(named.standardError.split(separator: "\n").count == 1)
        #expect(named.standardError.contains("settle_ms"))
    }

    @Test func aSyntaxErrorOrAnUnknownKeyExitsTwoWithOneLine() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "seek-config-\(UUID().uuidString.prefix(8))"
        ).path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (text, expected) in [
            ("hidden = tru\n", ":1: not valid TOML"), ("\nsettle = 3\n", ":2: unknown key \"settle\""),
        ] {
            let path = directory + "/bad.toml"
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            let result = try await DaemonHarness.runTool(
                "seekd",
                ["--config", path, "--socket", directory + "/s.sock", "--index", directory + "/i.sqlite3", directory]
            )
            #expect(result.status == 2)
            #expect(result.standardError.split(separator: "\n").count == 1, "\(result.standardError)")
            #expect(result.standardError.hasPrefix("seekd: \(path)\(expected)"), "\(result.standardError)")
        }
    }

    @Test func noConfigReadsNoFile() async throws {
        try await withDaemon(files: ["a.log": "needle"], arguments: ["--no-config"], config: #"exclude = ["*.log"]"#) {
            (daemon: DaemonHarness) async throws in
            #expect(try await daemon.paths("needle") == [daemon.root + "/a.log"])
        }
    }
}
