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

    /// A temporary directory (0700, ours) for tests that start seekd on sockets of their own.
    static func withScratchDirectory(_ body: (String) async throws -> Void) async throws {
        var template = Array("/tmp/seek-sock-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw DaemonHarness.Failure("mkdtemp failed")
        }
        let directory = String(cString: made)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory + "/root", withIntermediateDirectories: false)
        try await body(directory)
    }

    /// Starts seekd on a socket in `socketDirectory`; it must refuse with one line that says `expected`.
    static func expectRefusal(socketDirectory: String, scratch: String, expected: String) async throws {
        let result = try await DaemonHarness.runTool(
            "seekd",
            ["--socket", socketDirectory + "/s.sock", "--index", scratch + "/i.sqlite3", scratch + "/root"]
        )
        #expect(result.status != 0)
        #expect(result.standardError.split(separator: "\n").count == 1, "\(result.standardError)")
        #expect(result.standardError.contains("refusing the socket directory"), "\(result.standardError)")
        #expect(result.standardError.contains(expected), "\(result.standardError)")
        #expect(!FileManager.default.fileExists(atPath: socketDirectory + "/s.sock"))
    }

    /// `/tmp/seek-$UID` squatting: a socket directory another user owns could hold their socket in our place.
    @Test(.enabled(if: getuid() == 0)) func socketDirectoryOfAnotherUserIsRefused() async throws {
        try await Self.withScratchDirectory { scratch in
            let directory = scratch + "/run"
            mkdir(directory, 0o700)
            chown(directory, 65534, 65534)
            try await Self.expectRefusal(socketDirectory: directory, scratch: scratch, expected: "uid 65534")
        }
    }

    @Test(arguments: [0o777, 0o770, 0o1777, 0o722])
    func socketDirectoryOthersCanWriteIsRefused(mode: Int) async throws {
        try await Self.withScratchDirectory { scratch in
            let directory = scratch + "/run"
            mkdir(directory, 0o700)
            chmod(directory, mode_t(mode))
            try await Self.expectRefusal(
                socketDirectory: directory,
                scratch: scratch,
                expected: "other users can write into it (mode \(String(mode, radix: 8)))"
            )
        }
    }

    @Test func symlinkedSocketDirectoryIsRefused() async throws {
        try await Self.withScratchDirectory { scratch in
            mkdir(scratch + "/real", 0o700)
            symlink(scratch + "/real", scratch + "/run")
            try await Self.expectRefusal(socketDirectory: scratch + "/run", scratch: scratch, expected: "symbolic link")
        }
    }

    /// A listener that never accepts, with a full backlog, must not make the liveness check hang: it is live.
    @Test func listenerThatNeverAcceptsCountsAsLiveWithoutHanging() async throws {
        try await Self.withScratchDirectory { scratch in
            let script = """
                import socket, subprocess, sys
                path, seekd, index, root = sys.argv[1:5]
                server = socket.socket(socket.AF_UNIX)
                server.bind(path)
                server.listen(0)
                waiting = []
                while len(waiting) < 64:
                    client = socket.socket(socket.AF_UNIX)
                    client.setblocking(False)
                    try:
                        client.connect(path)
                    except BlockingIOError:
                        break
                    waiting.append(client)
                try:
                    run = subprocess.run([seekd, "--socket", path, "--index", index, root],
                                         stdin=subprocess.DEVNULL, capture_output=True, timeout=20)
                    print(run.returncode)
                    sys.stderr.write(run.stderr.decode())
                except subprocess.TimeoutExpired:
                    print("hung")
                """
            let result = try await DaemonHarness.runExternal(
                "/usr/bin/python3",
                [
                    "-c", script, scratch + "/s.sock",
                    DaemonHarness.buildDirectory.appendingPathComponent("seekd").path,
                    scratch + "/i.sqlite3", scratch + "/root",
                ]
            )
            let outcome = result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(outcome != "hung" && outcome != "0", "\(outcome) \(result.standardError)")
            #expect(result.standardError.contains("already serving"), "\(result.standardError)")
        }
    }

    /// `seek` reads the daemon's uid (SO_PEERCRED) before sending anything, and refuses a socket served by another
    /// user: their answers would be shown as search results. Needs root to act as another user.
    @Test(.enabled(if: getuid() == 0)) func seekRefusesADaemonOfAnotherUser() async throws {
        try await Self.withScratchDirectory { scratch in
            // The fake daemon binds as root (the directory is ours) and listens as nobody: the kernel records the
            // listener's credentials at listen().
            let script = """
                import json, os, signal, socket, subprocess, sys
                path, seek = sys.argv[1:3]
                server = socket.socket(socket.AF_UNIX)
                server.bind(path)
                ready_r, ready_w = os.pipe()
                heard_r, heard_w = os.pipe()
                child = os.fork()
                if child == 0:
                    os.setgid(65534); os.setuid(65534)
                    server.listen(8)
                    os.write(ready_w, b"r")
                    while True:
                        connection, _ = server.accept()
                        data = connection.recv(65536)
                        if data:
                            os.write(heard_w, b"h")
                        answer = {"jsonrpc": "2.0", "id": 1, "result": {"hits": [{"path": "/planted", "score": 1,
                                  "size": 1, "mtime": 0}], "elapsed_ms": 0, "generation": 1}}
                        try:
                            connection.sendall(json.dumps(answer).encode() + b"\\n")
                        except OSError:
                            pass
                        connection.close()
                os.read(ready_r, 1)
                run = subprocess.run([seek, "--socket", path, "--plain", "x"], stdin=subprocess.DEVNULL,
                                     capture_output=True, timeout=20)
                os.kill(child, signal.SIGKILL)
                os.waitpid(child, 0)
                os.set_blocking(heard_r, False)
                try:
                    heard = os.read(heard_r, 1) == b"h"
                except BlockingIOError:
                    heard = False
                print(run.returncode, "heard" if heard else "silent", run.stdout.decode().strip() or "-")
                sys.stderr.write(run.stderr.decode())
                """
            let result = try await DaemonHarness.runExternal(
                "/usr/bin/python3",
                ["-c", script, scratch + "/s.sock", DaemonHarness.buildDirectory.appendingPathComponent("seek").path]
            )
            #expect(
                result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "2 silent -",
                "\(result.standardOutput) \(result.standardError)"
            )
            #expect(result.standardError.contains("served by uid 65534"), "\(result.standardError)")
            #expect(result.standardError.split(separator: "\n").count == 1, "\(result.standardError)")
        }
    }
}
