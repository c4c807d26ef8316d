import Foundation
import Glibc

/// What a finished command printed and how it ended.
public struct CommandResult: Sendable {
    public var status: Int32
    public var standardOutput: String
    public var standardError: String
}

extension DaemonHarness {
    /// Runs the built `seek` against this daemon (through `SEEK_SOCKET`) and collects its output.
    public func runSeek(_ arguments: [String], environment: [String: String] = [:]) async throws -> CommandResult {
        try await Self.runTool("seek", arguments, environment: ["SEEK_SOCKET": socketPath].merging(environment) { $1 })
    }

    /// Runs a built executable (`seek`, `seekd`) with `arguments`, stdin closed, and waits for it.
    public static func runTool(
        _ name: String,
        _ arguments: [String],
        environment: [String: String] = [:]
    ) async throws -> CommandResult {
        try await run(buildDirectory.appendingPathComponent(name), arguments, environment: environment)
    }

    static func run(
        _ executable: URL,
        _ arguments: [String],
        environment: [String: String]
    ) async throws -> CommandResult {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var processEnvironment = ProcessInfo.processInfo.environment
        processEnvironment["SEEK_SOCKET"] = nil
        processEnvironment["NO_COLOR"] = nil
        for (key, value) in environment { processEnvironment[key] = value }
        process.environment = processEnvironment
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = FileHandle.nullDevice
        let outputCollector = OutputCollector(pipe: output)
        let errorCollector = OutputCollector(pipe: error)
        let exit = ExitWaiter()
        process.terminationHandler = { exit.finish($0.terminationStatus) }
        try process.run()
        guard let status = await exit.wait() else { throw CancellationError() }
        await outputCollector.waitForEnd()
        await errorCollector.waitForEnd()
        return CommandResult(status: status, standardOutput: outputCollector.text, standardError: errorCollector.text)
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
        process.arguments = ["--socket", socket, "--index", index, root]
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
