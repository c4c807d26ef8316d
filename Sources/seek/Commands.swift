import ArgumentParser
import Foundation
import Glibc
import SeekClient
import SeekProtocol

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show what seekd indexes and how it is doing.")

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let status = try await connection.withConnection { connection in
            try await connection.call(.status, NoParams(), as: StatusResult.self)
        }
        if connection.json { return try connection.printJSON(status) }
        // Roots and errors may hold names someone else chose: no control character reaches the terminal.
        let text = StatusReport(status).lines.map(OutputStyle.visible).joined(separator: "\n")
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }
}

struct Reindex: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rescan paths (default: every root) and index what changed."
    )

    @OptionGroup var connection: ConnectionOptions

    @Flag(help: "Return once the work is committed.")
    var wait = false

    @Argument(help: "Files or directories under the roots.", completion: .file())
    var paths: [String] = []

    func run() async throws {
        let params = ReindexParams(paths: paths.isEmpty ? nil : paths.map(absolutePath), wait: wait)
        let showsProgress = wait && !connection.json && isatty(STDERR_FILENO) == 1
        let result = try await connection.withConnection { connection in
            guard showsProgress else { return try await connection.call(.reindex, params, as: GenerationResult.self) }
            return try await Self.reindexShowingProgress(params, on: &connection)
        }
        if connection.json { return try connection.printJSON(result) }
        FileHandle.standardOutput.write(Data("\(wait ? "indexed" : "queued"); generation \(result.generation)\n".utf8))
    }
}

extension Reindex {
    /// Waits for the reindex while asking for `status` ten times a second on the same connection, drawing a
    /// progress bar on stderr (a terminal); the bar is erased before the result is printed.
    private static func reindexShowingProgress(
        _ params: ReindexParams,
        on connection: inout SeekConnection
    ) async throws -> GenerationResult {
        let reindex = try await connection.start(.reindex, params)
        defer { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        while true {
            let status = try await connection.start(.status, NoParams())
            while true {
                let response = try await connection.nextResponse()
                if response.id == reindex { return try response.decodeResult(GenerationResult.self) }
                if response.id == status {
                    if let figures = try? response.decodeResult(StatusResult.self) {
                        FileHandle.standardError.write(Data(("\r" + ProgressBar(figures.pass).line + "\u{1B}[K").utf8))
                    }
                    break
                }
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}

struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Wait until every change made so far is indexed."
    )

    @OptionGroup var connection: ConnectionOptions

    @Option(name: .customLong("timeout-ms"), help: "Give up after this many milliseconds.")
    var timeoutMilliseconds = ProtocolLimits.defaultSyncTimeoutMilliseconds

    func run() async throws {
        let params = SyncParams(timeoutMilliseconds: timeoutMilliseconds)
        let result = try await connection.withConnection { connection in
            try await connection.call(.sync, params, as: GenerationResult.self)
        }
        if connection.json { return try connection.printJSON(result) }
        FileHandle.standardOutput.write(Data("in sync; generation \(result.generation)\n".utf8))
    }
}

struct Why: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Say whether and why seekd indexes a path.")

    @OptionGroup var connection: ConnectionOptions

    @Argument(help: "A file or directory.", completion: .file())
    var path: String

    func run() async throws {
        let params = ExplainParams(path: absolutePath(path))
        let result = try await connection.withConnection { connection in
            try await connection.call(.explain, params, as: ExplainResult.self)
        }
        if connection.json { return try connection.printJSON(result) }
        // The path and the reason (which may quote an ignore rule) may hold names someone else chose.
        let line = OutputStyle.visible("\(result.path): \(result.state.rawValue): \(result.reason)")
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
