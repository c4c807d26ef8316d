import Foundation

/// A program running in a real pseudo-terminal: a detached tmux session of a fixed size, driven with send-keys and
/// read with capture-pane, for testing what people see in `seek --interactive` and fzf. The command's exit status
/// and what it printed to stdout land in files; `close()` kills the session.
public struct TerminalSession: Sendable {
    /// Whether tmux can be used here (the test script installs it).
    public static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") }

    public let name: String
    private let directory: String
    private let socketName: String

    /// Where the command's stdout, exit status, and the terminal modes after it ended (`stty -a`) are written.
    public var outputPath: String { directory + "/stdout" }
    public var statusPath: String { directory + "/status" }
    public var modesPath: String { directory + "/stty" }
    /// Every byte the terminal received, when started with `recording`.
    public var recordingPath: String { directory + "/recording" }

    public func recording() -> String {
        (try? String(contentsOfFile: recordingPath, encoding: .utf8)) ?? ""
    }

    /// The command's pid, for signalling it.
    public var pidPath: String { directory + "/pid" }

    /// Starts `command` (a shell command line) in a `columns`×`rows` terminal with `environment` added.
    public static func start(
        _ command: String,
        environment: [String: String] = [:],
        columns: Int = 100,
        rows: Int = 20,
        in directory: String,
        recording: Bool = false
    ) async throws -> TerminalSession {
        let name = "seek-\(UUID().uuidString.prefix(8))"
        let session = TerminalSession(name: name, directory: directory, socketName: name)
        let exports = environment.map { "export \($0.key)=\(shellQuoted($0.value)); " }.joined()
        // The command runs in the background of a shell so the test can signal it by pid; its stdout goes to a file
        // (only the terminal shows the interface, as for `vim "$(seek -i)"`); the shell outlives it so the pane
        // can still be read, and records the terminal's modes after the command ended.
        let script =
            exports + "(\(command)) > \(shellQuoted(session.outputPath)) & echo $! > \(shellQuoted(session.pidPath)); "
            + "wait $!; echo $? > \(shellQuoted(session.statusPath)).tmp; stty -a > \(shellQuoted(session.modesPath)); "
            + "mv \(shellQuoted(session.statusPath)).tmp \(shellQuoted(session.statusPath)); exec sleep 600"
        guard recording else {
            try await session.tmux([
                "new-session", "-d", "-s", name, "-x", "\(columns)", "-y", "\(rows)", "sh", "-c", script,
            ])
            return session
        }
        // The shell waits until the recorder is attached, so the command's first bytes are recorded too.
        let go = directory + "/go"
        let gated = "while [ ! -e \(shellQuoted(go)) ]; do sleep 0.01; done; " + script
        try await session.tmux([
            "new-session", "-d", "-s", name, "-x", "\(columns)", "-y", "\(rows)", "sh", "-c", gated,
        ])
        try await session.tmux(["pipe-pane", "-o", "-t", name, "cat >> " + shellQuoted(session.recordingPath)])
        _ = FileManager.default.createFile(atPath: go, contents: nil)
        return session
    }

    /// Sends keys as tmux names them ("Enter", "Escape", "Down", "C-n") or literal text with `literal`.
    public func send(_ keys: String..., literal: Bool = false) async throws {
        try await tmux(["send-keys", "-t", name] + (literal ? ["-l"] : []) + keys)
    }

    /// The visible screen as text, one line per row, trailing blanks trimmed.
    public func screen() async throws -> String {
        try await tmux(["capture-pane", "-p", "-t", name])
    }

    /// The visible screen with its colours and attributes as escape sequences.
    public func styledScreen() async throws -> String {
        try await tmux(["capture-pane", "-p", "-e", "-t", name])
    }

    public func resize(columns: Int, rows: Int) async throws {
        try await tmux(["resize-window", "-t", name, "-x", "\(columns)", "-y", "\(rows)"])
    }

    /// Whether the pane shows the alternate screen (a full-screen program is drawing).
    public func isOnAlternateScreen() async throws -> Bool {
        try await tmux(["display-message", "-p", "-t", name, "#{alternate_on}"]).trimmingCharacters(
            in: .whitespacesAndNewlines
        ) == "1"
    }

    /// Polls the screen until `condition` holds or `timeout` passes; returns the last screen seen. tmux has no
    /// event for "the screen changed", so this bounded poll is the condition wait.
    @discardableResult
    public func waitForScreen(
        timeout: Duration = .seconds(20),
        _ condition: (String) -> Bool
    ) async throws -> (matched: Bool, screen: String) {
        let deadline = ContinuousClock.now + timeout
        var screen = ""
        while ContinuousClock.now < deadline {
            screen = try await self.screen()
            if condition(screen) { return (true, screen) }
            try await Task.sleep(for: .milliseconds(20))
        }
        return (false, screen)
    }

    /// Waits until the command has ended; returns its exit status and what it printed on stdout.
    public func waitForExit(timeout: Duration = .seconds(20)) async throws -> (status: Int32, output: String)? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let text = try? String(contentsOfFile: statusPath, encoding: .utf8),
                let status = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
            {
                return (status, (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    /// The command's pid once it started.
    public func pid(timeout: Duration = .seconds(10)) async throws -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let text = try? String(contentsOfFile: pidPath, encoding: .utf8),
                let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
            {
                return pid
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    /// The terminal's line discipline is back to normal: line editing and echo on.
    public func terminalModesRestored() -> Bool {
        guard let modes = try? String(contentsOfFile: modesPath, encoding: .utf8) else { return false }
        let words = Set(modes.split(whereSeparator: { $0 == " " || $0 == ";" || $0 == "\n" }).map(String.init))
        return words.contains("icanon") && words.contains("echo") && words.contains("isig")
    }

    public func close() async {
        _ = try? await tmux(["kill-server"])
    }

    @discardableResult
    private func tmux(_ arguments: [String]) async throws -> String {
        let result = try await DaemonHarness.runExternal("/usr/bin/tmux", ["-L", socketName] + arguments)
        guard result.status == 0 else {
            throw DaemonHarness.Failure("tmux \(arguments.first ?? "") failed: \(result.standardError)")
        }
        return result.standardOutput
    }
}

/// `text` quoted for sh.
func shellQuoted(_ text: String) -> String {
    "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
