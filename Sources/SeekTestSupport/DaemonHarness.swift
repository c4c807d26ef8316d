import Foundation
import Glibc
import SeekClient
import SeekLocking
import SeekProtocol

/// Starts the real `seekd` binary on a temporary tree with a short socket path, waits until it listens,
/// talks to it, and stops it with SIGTERM. Its stderr is read while it runs (a full pipe would stall it) and kept
/// for failure messages.
public final class DaemonHarness: Sendable {
    /// The temporary directory holding the tree, the socket and the index.
    public let directory: String
    /// The indexed root: `directory/root`.
    public let root: String
    public let socketPath: String
    public let indexPath: String
    private let process: ChildProcess
    private let output: OutputCollector

    /// Errors of the harness itself.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    /// Where the built executables are: beside the test bundle.
    public static var buildDirectory: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    }

    /// Creates `directory/root` holding `files` (relative path → content; parents created), then starts seekd on it
    /// (on `roots` instead when given; `[]` passes none, leaving them to the configuration file).
    ///
    /// seekd's `XDG_CONFIG_HOME` is `directory/config`, so the user's own configuration never reaches a test;
    /// `config`, when given, is written there as `seek/config.toml` (see `configPath`).
    /// The index is `directory/index/index.sqlite3` unless `indexPath` says otherwise (a file system of its own).
    /// `launcher`, when given, is a command that runs seekd by exec'ing its last arguments (the seekd path and its
    /// arguments follow it), so that `pid` stays seekd's: `unshare --user --map-root-user --`, for example.
    public static func start(
        files: [String: String] = [:],
        arguments: [String] = [],
        environment: [String: String] = [:],
        roots: [String]? = nil,
        config: String? = nil,
        indexPath: String? = nil,
        launcher: [String] = [],
        whileHoldingInotifyLimitGate: Bool = false
    ) async throws -> DaemonHarness {
        if !whileHoldingInotifyLimitGate {
            return try await InotifyLimitGate.shared.whileStarting {
                try await start(
                    files: files,
                    arguments: arguments,
                    environment: environment,
                    roots: roots,
                    config: config,
                    indexPath: indexPath,
                    launcher: launcher,
                    whileHoldingInotifyLimitGate: true
                )
            }
        }
        let directory = try makeTemporaryDirectory()
        let root = directory + "/root"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        for (path, content) in files { try write(content, to: root + "/" + path) }
        if let config { try write(config, to: configPath(in: directory)) }
        let harness = try DaemonHarness(
            directory: directory,
            root: root,
            indexPath: indexPath ?? directory + "/index/index.sqlite3",
            arguments: arguments,
            environment: environment,
            roots: roots ?? [root],
            launcher: launcher
        )
        do {
            try await harness.waitUntilReady()
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
        return harness
    }

    /// Starts another seekd on the same directory, socket and index (for restart tests).
    public func restart(arguments: [String] = [], environment: [String: String] = [:]) async throws -> DaemonHarness {
        try await InotifyLimitGate.shared.whileStarting {
            let harness = try DaemonHarness(
                directory: directory,
                root: root,
                indexPath: indexPath,
                arguments: arguments,
                environment: environment,
                roots: [root]
            )
            try await harness.waitUntilReady()
            return harness
        }
    }

    private init(
        directory: String,
        root: String,
        indexPath: String,
        arguments: [String],
        environment: [String: String],
        roots: [String],
        launcher: [String] = []
    ) throws {
        self.directory = directory
        self.root = root
        self.indexPath = indexPath
        socketPath = directory + "/seekd.sock"
        let seekd = Self.buildDirectory.appendingPathComponent("seekd")
        let seekdArguments = ["--socket", socketPath, "--index", indexPath, "--log-level", "debug"] + arguments + roots
        let executable = launcher.first ?? seekd.path
        let executableArguments =
            launcher.isEmpty ? seekdArguments : Array(launcher.dropFirst()) + [seekd.path] + seekdArguments
        var processEnvironment = ProcessInfo.processInfo.environment
        processEnvironment["SEEK_SOCKET"] = nil
        // The user's own configuration file must not reach the tests: by default there is none (`directory/config`
        // does not exist), and a test that wants one writes it there or passes XDG_CONFIG_HOME.
        processEnvironment["XDG_CONFIG_HOME"] = directory + "/config"
        // Tests check ranking on tiny trees; a busy machine must not make them fall back to unranked answers. The
        // test of the budget itself sets the production value.
        processEnvironment["SEEK_TEST_RANKING_BUDGET_MS"] = "2000"
        for (key, value) in environment { processEnvironment[key] = value }
        let channel = try ChildProcess.outputChannel()
        defer { close(channel.write) }
        do {
            process = try ChildProcess.spawn(
                executable,
                executableArguments,
                environment: processEnvironment,
                standardOutput: channel.write,
                standardError: channel.write
            )
        } catch {
            close(channel.read)
            throw error
        }
        output = OutputCollector(descriptor: channel.read)
    }

    /// Waits for the "seekd listening" log line (fails if seekd exits or 30 s pass), then for its inotify instance.
    private func waitUntilReady() async throws {
        try await waitUntilListening()
        await waitForInotifyInstance()
    }

    /// Until seekd holds an inotify instance (its watcher makes it beside the socket), it has given up on one, or
    /// 10 s passed: see `InotifyLimitGate`.
    private func waitForInotifyInstance() async {
        let descriptors = "/proc/\(pid)/fd"
        try? await repeatUntil("seekd's inotify instance", timeout: .seconds(10)) {
            if output.text.contains("inotify could not start") { return true }
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: descriptors) else { return true }
            return names.contains { name in
                (try? FileManager.default.destinationOfSymbolicLink(atPath: descriptors + "/" + name))
                    == "anon_inode:inotify"
            }
        }
    }

    private func waitUntilListening() async throws {
        let listening = await output.waitFor("seekd listening", orExit: process.exit, timeout: .seconds(30))
        if !listening {
            _ = try? await stop()
            throw Failure("seekd did not start:\n\(output.text)")
        }
    }

    /// Where seekd looks for its configuration file: `directory/config/seek/config.toml`.
    public var configPath: String { Self.configPath(in: directory) }

    static func configPath(in directory: String) -> String { directory + "/config/seek/config.toml" }

    /// Everything seekd printed so far.
    public var log: String { output.text }

    public var pid: Int32 { process.pid }

    /// Sends SIGTERM and returns the exit status.
    @discardableResult
    public func stop() async throws -> Int32 {
        process.send(SIGTERM)
        // A daemon that does not end within 30 s is a failure, not a hung test: kill it and say so.
        let exit = process.exit
        let status = await withTaskGroup(of: Int32?.self) { group in
            group.addTask { await exit.wait() }
            group.addTask {
                try? await Task.sleep(for: .seconds(30))
                return nil
            }
            defer { group.cancelAll() }
            return await group.next() ?? nil
        }
        guard let status else {
            await kill9()
            throw Failure("seekd did not exit within 30 s of SIGTERM:\n\(output.text.suffix(4000))")
        }
        return status
    }

    /// Sends SIGKILL and waits for the process to end.
    public func kill9() async {
        process.send(SIGKILL)
        _ = await process.exit.wait()
    }

    /// Stops seekd if running and removes the temporary directory.
    public func cleanUp() async {
        _ = try? await stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Runs `body` on a fresh connection.
    public func withConnection<T: Sendable>(_ body: (inout SeekConnection) async throws -> T) async throws -> T {
        try await SeekConnection.with(socketPath: socketPath, body)
    }

    /// One request on a fresh connection.
    public func call<Result: Decodable & Sendable>(
        _ method: SeekProtocol.Method,
        _ params: some Encodable & Sendable,
        as type: Result.Type
    ) async throws -> Result {
        try await withConnection { try await $0.call(method, params, as: type) }
    }

    /// Waits until every change made so far is indexed.
    public func sync() async throws {
        _ = try await call(.sync, SyncParams(timeoutMilliseconds: 30_000), as: GenerationResult.self)
    }

    /// A search after a sync.
    public func search(_ query: String, limit: Int = 100, paths: [String]? = nil) async throws -> SearchResult {
        try await call(
            .search,
            SearchParams(query: query, limit: limit, timeoutMilliseconds: 30_000, paths: paths, sync: true),
            as: SearchResult.self
        )
    }

    /// The paths a search finds, in rank order.
    public func paths(_ query: String) async throws -> [String] {
        try await search(query).hits.map(\.path)
    }

    public func status() async throws -> StatusResult {
        try await call(.status, NoParams(), as: StatusResult.self)
    }

    /// Writes a file under the root, creating parents.
    public func write(_ content: String, to relativePath: String) throws {
        try Self.write(content, to: root + "/" + relativePath)
    }

    static func write(_ content: String, to path: String) throws {
        let parent = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        try Data(content.utf8).write(to: URL(fileURLWithPath: path))
    }

    private static func makeTemporaryDirectory() throws -> String {
        var template = Array("/tmp/seek-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw Failure("mkdtemp failed: \(String(cString: strerror(errno)))")
        }
        return String(cString: made)
    }
}

/// Collects a child's output on a reading thread and lets tests wait for a text to appear.
final class OutputCollector: Sendable {
    private let buffer = TextBuffer()
    private let changed = Signal()

    /// Reads `descriptor` (which it closes at the end) on a thread of its own until end of file.
    init(descriptor: Int32) {
        let thread = Thread { [buffer, changed] in
            var chunk = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { break }
                buffer.append(String(decoding: chunk[..<count], as: UTF8.self))
                changed.fire()
            }
            buffer.finish()
            changed.fire()
            Glibc.close(descriptor)
        }
        thread.name = "output-collector"
        thread.start()
    }

    var text: String { buffer.text }

    /// True once `needle` appears; false if the process exits or the timeout passes first.
    func waitFor(_ needle: String, orExit exit: ExitWaiter, timeout: Duration) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    let generation = self.changed.generation
                    if self.text.contains(needle) { return true }
                    await self.changed.wait(after: generation)
                }
                return false
            }
            group.addTask {
                _ = await exit.wait()
                return false
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }
}

/// Text appended from one thread and read from others.
final class TextBuffer: Sendable {
    private let storage = Locked(("", false))

    func append(_ more: String) { storage.withLock { $0.0 += more } }

    func finish() { storage.withLock { $0.1 = true } }

    var text: String { storage.withLock { $0.0 } }

    var isFinished: Bool { storage.withLock { $0.1 } }
}

/// A counter that tasks can wait on to change; waits are cancellable.
final class Signal: Sendable {
    private struct State {
        var generation = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextID = 0
    }

    private let state = Locked(State())

    var generation: Int { state.withLock { $0.generation } }

    func fire() {
        let waiters = state.withLock { state in
            state.generation += 1
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the generation is past `generation`, or when the task is cancelled.
    func wait(after generation: Int) async {
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state in
                    if state.generation > generation || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }
}

/// The exit status of a child, awaited by any number of tasks.
final class ExitWaiter: Sendable {
    private let status = Locked<Int32?>(nil)
    private let ended = Signal()

    var hasEnded: Bool { status.withLock { $0 != nil } }

    func finish(_ code: Int32) {
        status.withLock { $0 = code }
        ended.fire()
    }

    /// The exit status; nil when the waiting task is cancelled first.
    func wait() async -> Int32? {
        while !Task.isCancelled {
            let generation = ended.generation
            if let code = status.withLock({ $0 }) { return code }
            await ended.wait(after: generation)
        }
        return nil
    }
}

extension DaemonHarness {
    /// Starts seekd on other roots, keeping `existing`'s directory, socket and index.
    public static func startOn(existing: DaemonHarness, roots: [String]) async throws -> DaemonHarness {
        try await InotifyLimitGate.shared.whileStarting {
            let harness = try DaemonHarness(
                directory: existing.directory,
                root: existing.root,
                indexPath: existing.indexPath,
                arguments: [],
                environment: [:],
                roots: roots
            )
            try await harness.waitUntilReady()
            return harness
        }
    }
}
