import ArgumentParser
import Foundation
import Logging
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
        version: version
    )

    @Option(
        help: "Unix socket path (default: $SEEK_SOCKET, $XDG_RUNTIME_DIR/seek/seekd.sock, /tmp/seek-$UID/seekd.sock)."
    )
    var socket: String?

    @Option(help: "Index database path (default: $XDG_DATA_HOME/seek/index.sqlite3).")
    var index: String?

    @Option(name: .customLong("settle-ms"), help: "How long a burst of file events settles before a pass, in ms.")
    var settleMilliseconds = 20

    @Option(name: .customLong("max-file-size"), help: "Larger files are indexed by name only, in bytes.")
    var maxFileSize: Int64 = 16 << 20

    @Flag(help: "Index hidden files and directories.")
    var hidden = false

    @Flag(name: .customLong("no-ignore"), help: "Do not read .gitignore and .ignore files.")
    var noIgnore = false

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
        guard settleMilliseconds >= 0 else { throw StartupError("--settle-ms must be 0 or more") }
        guard maxFileSize >= 0 else { throw StartupError("--max-file-size must be 0 or more") }
        let roots = try RootPaths.resolve(roots)
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "seekd")
        RootPaths.raiseOpenFileLimit()

        let socketPath = DefaultPaths.socket(flag: socket)
        let indexPath = index ?? DefaultPaths.index()
        do { try SeekServer.checkSocketPath(socketPath) } catch { throw StartupError("\(error)") }
        let engine: SeekEngine
        do {
            engine = try await SeekEngine(
                configuration: EngineConfiguration(
                    roots: roots,
                    indexPath: indexPath,
                    settle: .milliseconds(settleMilliseconds),
                    policy: CrawlPolicy(includeHidden: hidden, useIgnoreFiles: !noIgnore, maxFileSize: maxFileSize),
                    hooks: PassHooks.fromEnvironment(ProcessInfo.processInfo.environment),
                    watchLimit: ProcessInfo.processInfo.environment["SEEK_TEST_WATCH_LIMIT"].flatMap { Int($0) }
                ),
                logger: logger
            )
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
}

/// A failure that ends seekd with one line on stderr and exit status 2.
struct StartupError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
