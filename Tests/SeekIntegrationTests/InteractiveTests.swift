import Foundation
import Glibc
import SeekProtocol
import SeekTestSupport
import Testing

/// `seek --interactive` and fzf as people use them, in a real pseudo-terminal (tmux): what the screen shows, what
/// lands on stdout, the exit status, and the terminal's state afterwards.
@Suite(.timeLimit(.minutes(3)))
struct InteractiveTests {
    static let files = [
        "notes/plan.md": "The plan: ship cancellation first.",
        "notes/cancel.txt": "How cancellation propagates.",
        "other.txt": "unrelated words",
    ]

    /// Runs `seek ARGUMENTS` in a terminal against `daemon`, always closing the terminal.
    private func withSeekInTerminal(
        _ daemon: DaemonHarness,
        _ arguments: String,
        columns: Int = 100,
        rows: Int = 20,
        _ body: (TerminalSession) async throws -> Void
    ) async throws {
        let seek = DaemonHarness.buildDirectory.appendingPathComponent("seek").path
        let terminal = try await TerminalSession.start(
            "exec '\(seek)' \(arguments)",
            environment: ["SEEK_SOCKET": daemon.socketPath, "HOME": "/nonexistent"],
            columns: columns,
            rows: rows,
            in: daemon.directory
        )
        do {
            try await body(terminal)
            await terminal.close()
        } catch {
            await terminal.close()
            throw error
        }
    }

    @Test func typingSearchesAndEnterPrintsTheSelectedPath() async throws {
        try await withDaemon(files: Self.files) { (daemon: DaemonHarness) async throws in
            try await daemon.sync()
            try await withSeekInTerminal(daemon, "-i") { terminal in
                try await terminal.waitForScreen { $0.contains("type to search") }
                try await terminal.send("cancellat", literal: true)
                let (found, screen) = try await terminal.waitForScreen {
                    $0.contains("2 hits") && $0.contains("notes/cancel.txt") && $0.contains("notes/plan.md")
                }
                #expect(found, "screen: \(screen)")
                #expect(screen.hasPrefix("> cancellat"))
                let styled = try await terminal.styledScreen()
                #expect(styled.contains("cancellation"), "matches are highlighted")
                #expect(try await terminal.isOnAlternateScreen())
                let lines = screen.split(separator: "\n")
                let second = try #require(lines.dropFirst(3).first)
                try await terminal.send("Down")
                try await terminal.waitForScreen {
                    $0.split(separator: "\n").dropFirst(3).first?.hasPrefix(">") == true
                }
                try await terminal.send("Enter")
                let exit = try #require(try await terminal.waitForExit())
                #expect(exit.status == 0)
                let chosen = second.trimmingCharacters(in: .whitespaces).split(separator: " ").first.map(String.init)
                #expect(exit.output == (chosen ?? "?") + "\n")
                #expect(terminal.terminalModesRestored())
                #expect(try await !terminal.isOnAlternateScreen())
            }
        }
    }

    @Test func ctrlNAndCtrlPMoveTheSelection() async throws {
        try await withDaemon(files: Self.files) { (daemon: DaemonHarness) async throws in
            try await daemon.sync()
            try await withSeekInTerminal(daemon, "-i cancellation") { terminal in
                try await terminal.waitForScreen { $0.contains("2 hits") }
                try await terminal.send("C-n", "C-n", "C-p")
                try await terminal.send("Enter")
                let exit = try #require(try await terminal.waitForExit())
                #expect(exit.status == 0)
                #expect(exit.output.hasPrefix(daemon.root + "/notes/"))
            }
        }
    }

    @Test func escapeLeavesPrintingNothingWithStatus130() async throws {
        try await withDaemon(files: Self.files) { (daemon: DaemonHarness) async throws in
            try await daemon.sync()
            try await withSeekInTerminal(daemon, "-i plan") { terminal in
                try await terminal.waitForScreen { $0.contains("1 hit") }
                try await terminal.send("Escape")
                let exit = try #require(try await terminal.waitForExit())
                #expect(exit.status == 130)
                #expect(exit.output.isEmpty)
                #expect(terminal.terminalModesRestored())
            }
        }
    }

    @Test func ctrlCLeavesWithStatus130() async throws {
        try await withDaemon(files: Self.files) { (daemon: DaemonHarness) async throws in
            try await withSeekInTerminal(daemon, "-i") { terminal in
                try await terminal.waitForScreen { $0.contains("type to search") }
                try await terminal.send("C-c")
                let exit = try #require(try await terminal.waitForExit())
                #expect(exit.status == 130)
                #expect(exit.output.isEmpty)
                #expect(terminal.terminalModesRestored())
            }
        }
    }

    @Test func sigtermRestoresTheTerminal() async throws {
        try await withDaemon(files: Self.files) { (daemon: DaemonHarness) async throws in
            try await daemon.sync()
            try await withSeekInTerminal(daemon, "-i plan") { terminal in
                try await terminal.waitForScreen { $0.contains("1 hit") }
                let pid = try #require(try await terminal.pid())
                kill(pid, SIGTERM)
                let exit = try #require(try await terminal.waitForExit())
                #expect(exit.status == 128 + SIGTERM)
                #expect(exit.output.isEmpty)
                #expect(terminal.terminalModesRestored())
                #expect(try await !terminal.isOnAlternateScreen())
            }
        }
    }

    @Test func resizingRedrawsToTheNewWidth() async throws {
        let long = String(repeating: "cancellation and more words ", count: 10)
        try await withDaemon(files: ["long.txt": long]) { (daemon: DaemonHarness) async throws in
            try await daemon.sync()
            try await withSeekInTerminal(daemon, "-i cancellation", columns: 100, rows: 10) { terminal in
                try await terminal.waitForScreen { $0.contains("1 hit") }
                try await terminal.resize(columns: 40, rows: 8)
                let (fitted, screen) = try await terminal.waitForScreen { screen in
                    let rows = screen.split(separator: "\n")
                    return rows.count >= 3 && rows[2].hasSuffix("…") && rows[2].count == 40
                }
                #expect(fitted, "screen: \(screen)")
                try await terminal.send("Escape")
                #expect(try await terminal.waitForExit()?.status == 130)
            }
        }
    }

    @Test func eachKeystrokeSupersedesTheLastSearch() async throws {
        try await withDaemon(files: Self.files) { (daemon: DaemonHarness) async throws in
            try await daemon.sync()
            try await withSeekInTerminal(daemon, "-i") { terminal in
                try await terminal.waitForScreen { $0.contains("type to search") }
                for character in "cancellation" { try await terminal.send(String(character), literal: true) }
                // The prompt too: "cancellatio" has the same two hits, and its answer can settle the screen before
                // the last key is drawn.
                let (settled, screen) = try await terminal.waitForScreen {
                    $0.hasPrefix("> cancellation") && $0.contains("2 hits") && !$0.contains("searching")
                }
                #expect(settled, "screen: \(screen)")
                try await terminal.send("Escape")
                _ = try await terminal.waitForExit()
            }
            // One search per read of the terminal (keys typed faster than a read can arrive together), each answered
            // once: completed by the daemon or superseded by the next one; never more searches than keys.
            let queries = try await daemon.status().queries
            let answered = queries.completed + queries.superseded + queries.cancelled
            #expect(answered >= 1 && answered <= 12)
            #expect(queries.failed == 0 && queries.timedOut == 0)
        }
    }

    @Test func withoutATerminalItSaysSo() async throws {
        try await withDaemon(files: Self.files) { (daemon: DaemonHarness) async throws in
            let result = try await daemon.runSeek(["-i"])
            #expect(result.status == 2)
            #expect(result.standardError.contains("needs a terminal"))
        }
    }

    @Test func fzfReloadsWithSeekPlain() async throws {
        try await withDaemon(files: Self.files) { (daemon: DaemonHarness) async throws in
            try await daemon.sync()
            let seek = DaemonHarness.buildDirectory.appendingPathComponent("seek").path
            let terminal = try await TerminalSession.start(
                "fzf --disabled --bind 'change:reload:\(seek) --plain {q} || true'",
                environment: ["SEEK_SOCKET": daemon.socketPath],
                in: daemon.directory
            )
            do {
                try await terminal.send("plan", literal: true)
                let (found, screen) = try await terminal.waitForScreen { $0.contains("notes/plan.md") }
                #expect(found, "screen: \(screen)")
                try await terminal.send("Enter")
                let exit = try #require(try await terminal.waitForExit())
                #expect(exit.status == 0)
                #expect(exit.output == daemon.root + "/notes/plan.md\n")
                await terminal.close()
            } catch {
                await terminal.close()
                throw error
            }
        }
    }
}
