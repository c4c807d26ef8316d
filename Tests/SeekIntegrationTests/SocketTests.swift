import Foundation
import Glibc
import SeekClient
import SeekProtocol
import SeekTestSupport
import Testing

@Suite(.timeLimit(.minutes(2)))
struct SocketTests {
    static func mode(_ path: String) -> mode_t {
        var info = stat()
        stat(path, &info)
        return info.st_mode & 0o777
    }

    @Test func socketIsPrivateAndItsNewDirectoryIs0700() async throws {
        let daemon = try await DaemonHarness.start()
        defer { Task { await daemon.cleanUp() } }
        #expect(Self.mode(daemon.socketPath) == 0o600)
        #expect(try await daemon.stop() == 0)
        #expect(!FileManager.default.fileExists(atPath: daemon.socketPath))

        let nested = daemon.directory + "/run/deeper/s.sock"
        let second = try await DaemonHarness.runToolUntilListening(
            socket: nested,
            root: daemon.root,
            index: daemon.indexPath
        )
        #expect(Self.mode(daemon.directory + "/run") == 0o700)
        #expect(Self.mode(daemon.directory + "/run/deeper") == 0o700)
        #expect(Self.mode(nested) == 0o600)
        await second.stop()
    }

    @Test func secondDaemonOnSameSocketIsRefused() async throws {
        try await withDaemon { (daemon: DaemonHarness) async throws in
            let result = try await DaemonHarness.runTool(
                "seekd",
                ["--socket", daemon.socketPath, "--index", daemon.directory + "/other.sqlite3", daemon.root]
            )
            #expect(result.status != 0)
            #expect(result.standardError.contains("already serving"))
            #expect(result.standardError.split(separator: "\n").count == 1)
            _ = try await daemon.status()
        }
    }

    @Test func staleSocketIsReplaced() async throws {
        let daemon = try await DaemonHarness.start(files: ["a.txt": "survivor"])
        defer { Task { await daemon.cleanUp() } }
        await daemon.kill9()
        #expect(FileManager.default.fileExists(atPath: daemon.socketPath))
        let restarted = try await daemon.restart()
        #expect(try await restarted.paths("survivor") == [daemon.root + "/a.txt"])
        #expect(try await restarted.stop() == 0)
    }

    @Test(arguments: [
        (["/nonexistent/root"], "root /nonexistent/root"),
        (["--index", "/proc/nope/index.sqlite3", "ROOT"], "index"),
        (["--log-level", "loud", "ROOT"], "--log-level"),
        ([String](), "give at least one directory"),
    ])
    func badArgumentsGiveOneClearLine(arguments: [String], expected: String) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "seek-args-\(UUID().uuidString.prefix(8))"
        ).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let resolved = arguments.map { $0 == "ROOT" ? directory : $0 }
        var all = ["--socket", directory + "/s.sock"]
        if !resolved.contains("--index") { all += ["--index", directory + "/i.sqlite3"] }
        // An empty directory as XDG_CONFIG_HOME: no configuration file supplies roots.
        let result = try await DaemonHarness.runTool(
            "seekd",
            all + resolved,
            environment: ["XDG_CONFIG_HOME": directory]
        )
        #expect(result.status != 0)
        let lines = result.standardError.split(separator: "\n")
        #expect(lines.count == 1, "\(result.standardError)")
        #expect(result.standardError.contains(expected))
    }

    /// Another user's connection is closed without a reply (SO_PEERCRED), even when the socket's mode would let
    /// it connect. Needs root to act as another user.
    @Test(.enabled(if: getuid() == 0)) func otherUsersAreDisconnectedWithoutReply() async throws {
        try await withDaemon { (daemon: DaemonHarness) async throws in
            chmod(daemon.directory, 0o755)
            chmod(daemon.socketPath, 0o666)
            let script = """
                import os, socket, sys
                os.setgid(65534); os.setuid(65534)
                s = socket.socket(socket.AF_UNIX)
                s.connect(sys.argv[1])
                try:
                    s.sendall(b'{"jsonrpc":"2.0","id":1,"method":"status"}\\n')
                    data = s.recv(4096)
                except (ConnectionResetError, BrokenPipeError):
                    data = b""
                print("closed" if data == b"" else "answered")
                """
            let result = try await DaemonHarness.runExternal("/usr/bin/python3", ["-c", script, daemon.socketPath])
            #expect(
                result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "closed",
                "\(result.standardError)"
            )
            _ = try await daemon.status()
        }
    }
}
