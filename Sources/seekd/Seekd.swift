import ArgumentParser
import Foundation
import Logging
import SeekConfig
import SeekCore
import SeekProtocol
import SeekServer
import ServiceLifecycle

@main
struct Seekd: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "seekd",
        abstract: "Keeps a full-text index of directory trees fresh and serves searches over a Unix socket.",
        discussion: """
            Settings come from the command line, then from the configuration file \
            ($XDG_CONFIG_HOME/seek/config.toml, ~/.config/seek/config.toml when XDG_CONFIG_HOME is unset): \
            roots, exclude, settle_ms, max_file_size, hidden and ignore_files. Roots given on the command line \
            replace the file's. A missing file is fine; a bad one stops seekd with exit status 2.
            """,
        version: version
    )

    @Option(
        help: "Unix socket path (default: $SEEK_SOCKET, $XDG_RUNTIME_DIR/seek/seekd.sock, /tmp/seek-$UID/seekd.sock)."
    )
    var socket: String?

    @Option(help: "Index database path (default: $XDG_DATA_HOME/seek/index.sqlite3).")
    var index: String?

    @Option(
        help: ArgumentHelp(
            "Configuration file (default: $XDG_CONFIG_HOME/seek/config.toml, ~/.config/seek/config.toml).",
            valueName: "path"
        )
    )
    var config: String?

    @Flag(name: .customLong("no-config"), help: "Read no configuration file.")
    var noConfig = false

    @Option(
        name: .customLong("settle-ms"),
        help: "How long a burst of file events settles before a pass, in ms (default: 20)."
    )
    var settleMilliseconds: Int?

    @Option(
        name: .customLong("max-file-size"),
        help: "Larger files are indexed by name only, in bytes (default: 16 MiB)."
    )
    var maxFileSize: Int64?

    @Flag(
        inversion: .prefixedNo,
        help: "Index hidden files and directories, or do not (default: do not, unless the file says hidden = true)."
    )
    var hidden: Bool?

    @Flag(
        inversion: .prefixedNo,
        help: "Read .gitignore and .ignore files (or the file's ignore_files), or read none (default: read them)."
    )
    var ignore: Bool?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    @Argument(help: "Directories to index and watch.")
    var roots: [String] = []

    func run() async throws {
        do {
            try await serve()
        } catch let error as StartupError {
            FileHandle.standardError.write(Data("seekd: \(error.message)\n".utf8))
            throw ExitCode(2)
        }
    }

    private func serve() async throws {
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw StartupError("unknown --log-level \(logLevel); use trace, debug, info, notice, warning or error")
        }
        if let settleMilliseconds, settleMilliseconds < 0 { throw StartupError("--settle-ms must be 0 or more") }
        if let maxFileSize, maxFileSize < 0 { throw StartupError("--max-file-size must be 0 or more") }
        let configFile = try readConfigFile()
        let rootArguments = configFile.roots(commandLine: roots)
        guard !rootArguments.isEmpty else {
            let hint = noConfig ? "" : ", or roots = [...] in \(configFile.path)"
            throw StartupError("give at least one directory to index: seekd DIR...\(hint)")
        }
        let roots: [BytePath]
        do {
            roots = try RootPaths.resolve(rootArguments)
        } catch let error as StartupError where self.roots.isEmpty {
            throw StartupError("\(error.message) (from roots in \(configFile.path))")
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "seekd")
        if configFile.wasRead { logger.info("configuration file read", metadata: ["config": "\(configFile.path)"]) }
        RootPaths.raiseOpenFileLimit()

        let socketPath = DefaultPaths.socket(flag: socket)
        let indexPath = index ?? DefaultPaths.index()
        do { try SeekServer.checkSocketPath(socketPath) } catch { throw StartupError("\(error)") }
        let environment = ProcessInfo.processInfo.environment
        var configuration = EngineConfiguration(
            roots: roots,
            indexPath: indexPath,
            settle: .milliseconds(configFile.settleMilliseconds(commandLine: settleMilliseconds)),
            policy: configFile.crawlPolicy(hidden: hidden, useIgnoreFiles: ignore, maxFileSize: maxFileSize),
            hooks: PassHooks.fromEnvironment(environment),
            watchLimit: environment["SEEK_TEST_WATCH_LIMIT"].flatMap { Int($0) }
        )
        if let budget = environment["SEEK_TEST_RANKING_BUDGET_MS"].flatMap({ Int($0) }) {
            configuration.rankingBudget = .milliseconds(budget)
        }
        MallocPolicy.apply()
        let engine: SeekEngine
        do {
            engine = try await SeekEngine(configuration: configuration, logger: logger)
        } catch {
            throw StartupError("\(error)")
        }
        let server = SeekServer(socketPath: socketPath, engine: engine, version: Self.version, logger: logger)
        // Services stop in reverse order: the server answers its requests first, then the pass stops.
        let group = ServiceGroup(
            services: engine.services + [server],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        do {
            try await group.run()
        } catch {
            engine.close()
            throw StartupError("\(error)")
        }
        engine.close()
    }

    /// The file named by `--config`, which must exist, or the default one, which may be missing.
    private func readConfigFile() throws -> SeekConfigFile {
        if noConfig {
            guard config == nil else { throw StartupError("give --config or --no-config, not both") }
            return SeekConfigFile(path: SeekConfigFile.defaultPath())
        }
        do {
            return try SeekConfigFile.load(path: config ?? SeekConfigFile.defaultPath(), mustExist: config != nil)
        } catch {
            throw StartupError(error.description)
        }
    }
}

/// A failure that ends seekd with one line on stderr and exit status 2.
struct StartupError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
