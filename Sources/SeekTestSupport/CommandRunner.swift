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

    /// Spawns the child (`ChildProcess`), reads both outputs to their end on threads of their own (so a chatty child
    /// never blocks on a full pipe) and waits for its exit status.
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
        let output = try ChildProcess.outputChannel()
        let errors: (read: Int32, write: Int32)
        do { errors = try ChildProcess.outputChannel() } catch {
            close(output.read)
            close(output.write)
            throw error
        }
        let child: ChildProcess
        do {
            child = try ChildProcess.spawn(
                executable.path,
                arguments,
                environment: processEnvironment,
                standardOutput: output.write,
                standardError: errors.write
            )
        } catch {
            for descriptor in [output.read, output.write, errors.read, errors.write] { close(descriptor) }
            throw error
        }
        close(output.write)
        close(errors.write)
        started(child.pid)
        async let standardOutput = readToEnd(output.read)
        async let standardError = readToEnd(errors.read)
        let (bytes, errorBytes) = await (standardOutput, standardError)
        let status = await child.exit.wait() ?? 255
        return CommandResult(
            status: status,
            standardOutputBytes: bytes,
            standardError: String(decoding: errorBytes, as: UTF8.self)
        )
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
}

extension DaemonHarness {
    /// Runs any program and collects its output.
    public static func runExternal(_ executable: String, _ arguments: [String]) async throws -> CommandResult {
        try await run(URL(fileURLWithPath: executable), arguments, environment: [:])
    }

    /// A seekd started directly with explicit paths; `stop()` sends SIGTERM and waits.
    public struct RunningTool: Sendable {
        let process: ChildProcess

        public func stop() async {
            await process.terminate()
        }
    }

    /// Starts seekd on `socket` and returns once it listens.
    public static func runToolUntilListening(socket: String, root: String, index: String) async throws -> RunningTool {
        let channel = try ChildProcess.outputChannel()
        let child: ChildProcess
        do {
            child = try ChildProcess.spawn(
                buildDirectory.appendingPathComponent("seekd").path,
                ["--socket", socket, "--index", index, "--no-config", root],
                environment: ProcessInfo.processInfo.environment,
                standardOutput: channel.write,
                standardError: channel.write
            )
        } catch {
            close(channel.read)
            close(channel.write)
            throw error
        }
        close(channel.write)
        let output = OutputCollector(descriptor: channel.read)
        guard await output.waitFor("seekd listening", orExit: child.exit, timeout: .seconds(30)) else {
            await child.terminate()
            throw Failure("seekd did not start:\n\(output.text)")
        }
        return RunningTool(process: child)
    }
}
