import Foundation
import Glibc

/// What a finished command printed and how it ended.
public struct CommandResult: Sendable {
    public var status: Int32
    /// Standard output exactly as written.
    public var standardOutputBytes: [UInt8]
    public var standardError: String

    /// Standard output decoded as UTF-8 (U+FFFD for invalid bytes).
    public var standardOutput: String { String(decoding: standardOutputBytes, as: UTF8.self) }
}

extension DaemonHarness {
    /// Runs the built `seek` against this daemon (through `SEEK_SOCKET`) and collects its output.
    /// `started` gets the child's pid once it runs (to signal it).
    public func runSeek(
        _ arguments: [String],
        environment: [String: String] = [:],
        started: @Sendable (pid_t) -> Void = { _ in }
    ) async throws -> CommandResult {
        try await Self.runTool(
            "seek",
            arguments,
            environment: ["SEEK_SOCKET": socketPath].merging(environment) { $1 },
            started: started
        )
    }

    /// Runs a built executable (`seek`, `seekd`) with `arguments`, stdin closed, and waits for it.
    public static func runTool(
        _ name: String,
        _ arguments: [String],
        environment: [String: String] = [:],
        started: @Sendable (pid_t) -> Void = { _ in }
    ) async throws -> CommandResult {
        try await run(
            buildDirectory.appendingPathComponent(name),
            arguments,
            environment: environment,
            started: started
        )
    }

    /// Spawns with `posix_spawn`, reads both pipes to their end on threads of their own (so a chatty child never
    /// blocks on a full pipe) and reaps the child with `waitpid`: independent of Foundation's process monitoring,
    /// which was seen to miss a short-lived child's end when many ran at once.
    static func run(
        _ executable: URL,
        _ arguments: [String],
        environment: [String: String],
        started: @Sendable (pid_t) -> Void = { _ in }
    ) async throws -> CommandResult {
        var processEnvironment = ProcessInfo.processInfo.environment
        processEnvironment["SEEK_SOCKET"] = nil
        processEnvironment["NO_COLOR"] = nil
        for (key, value) in environment { processEnvironment[key] = value }
        var output: [Int32] = [0, 0]
        var errors: [Int32] = [0, 0]
        // Close-on-exec from the start (socketpair takes the flag atomically; pipe2 needs _GNU_SOURCE): a daemon
        // spawned at the same moment by another test must not inherit a write end, or EOF would wait for it.
        let streamType = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        guard socketpair(AF_UNIX, streamType, 0, &output) == 0, socketpair(AF_UNIX, streamType, 0, &errors) == 0 else {
            throw Failure("socketpair failed: \(String(cString: strerror(errno)))")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errors[1], 2)
        let argv = [executable.path] + arguments
        let envp = processEnvironment.map { "\($0.key)=\($0.value)" }
        // A session of its own (no controlling terminal, as under CI, whatever terminal runs the tests), no blocked
        // signals and default handlers: the spawning thread is a pool thread that blocks signals, and a child
        // inheriting that mask never sees SIGCHLD or SIGTERM (a shell then waits forever for its child).
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        let setSessionID: Int32 = 0x80  // POSIX_SPAWN_SETSID, which Glibc hides behind _GNU_SOURCE.
        posix_spawnattr_setflags(&attributes, Int16(setSessionID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let spawned = withCStrings(argv) { argvPointers in
            withCStrings(envp) { envPointers in
                posix_spawn(&pid, executable.path, &actions, &attributes, argvPointers, envPointers)
            }
        }
        close(output[1])
        close(errors[1])
        guard spawned == 0 else {
            close(output[0])
            close(errors[0])
            throw Failure("cannot run \(executable.path): \(String(cString: strerror(spawned)))")
        }
        started(pid)
        async let standardOutput = readToEnd(output[0])
        async let standardError = readToEnd(errors[0])
        let (bytes, errorBytes) = await (standardOutput, standardError)
        let status = await reap(pid)
        return CommandResult(
            status: status,
            standardOutputBytes: bytes,
            standardError: String(decoding: errorBytes, as: UTF8.self)
        )
    }

    private static func withCStrings<T>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> T) -> T {
        let pointers = strings.map { strdup($0) } + [nil]
        defer { for pointer in pointers { free(pointer) } }
        return body(pointers)
    }

    /// Reads a descriptor to its end on a thread of its own, then closes it.
    private static func readToEnd(_ descriptor: Int32) async -> [UInt8] {
        await withCheckedContinuation { continuation in
            Thread {
                var data: [UInt8] = []
                var buffer = [UInt8](repeating: 0, count: 65_536)
                while true {
                    let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                    if count < 0, errno == EINTR { continue }
                    if count <= 0 { break }
                    data.append(contentsOf: buffer[..<count])
                }
                close(descriptor)
                continuation.resume(returning: data)
            }.start()
        }
    }

    /// Waits for the child on a thread of its own and returns its exit status (128 + signal when killed).
    private static func reap(_ pid: pid_t) async -> Int32 {
        await withCheckedContinuation { continuation in
            Thread {
                var status: Int32 = 0
                var result: pid_t
                repeat { result = waitpid(pid, &status, 0) } while result < 0 && errno == EINTR
                if result < 0 { status = 0xFF << 8 }  // cannot tell: report exit status 255, never success
                let exited = status & 0x7F == 0
                continuation.resume(returning: exited ? (status >> 8) & 0xFF : 128 + (status & 0x7F))
            }.start()
        }
    }
}

extension DaemonHarness {
    /// Runs any program and collects its output.
    public static func runExternal(_ executable: String, _ arguments: [String]) async throws -> CommandResult {
        try await run(URL(fileURLWithPath: executable), arguments, environment: [:])
    }

    /// A seekd started directly with explicit paths; `stop()` sends SIGTERM and waits.
    public struct RunningTool: Sendable {
        let process: ProcessHandle

        public func stop() async {
            await process.terminate()
        }
    }

    /// Starts seekd on `socket` and returns once it listens.
    public static func runToolUntilListening(socket: String, root: String, index: String) async throws -> RunningTool {
        let process = Process()
        process.executableURL = buildDirectory.appendingPathComponent("seekd")
        process.arguments = ["--socket", socket, "--index", index, "--no-config", root]
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = pipe
        let output = OutputCollector(pipe: pipe)
        let exit = ExitWaiter()
        process.terminationHandler = { exit.finish($0.terminationStatus) }
        try process.run()
        let handle = ProcessHandle(pid: process.processIdentifier, exit: exit)
        guard await output.waitFor("seekd listening", orExit: exit, timeout: .seconds(30)) else {
            await handle.terminate()
            throw Failure("seekd did not start:\n\(output.text)")
        }
        return RunningTool(process: handle)
    }
}

/// A child process that can be stopped with SIGTERM and awaited.
struct ProcessHandle: Sendable {
    let pid: Int32
    let exit: ExitWaiter

    func terminate() async {
        kill(pid, SIGTERM)
        _ = await exit.wait()
    }
}
