import ArgumentParser
import Foundation
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
        var lines = [
            "seekd \(status.version), up \(Int(status.uptimeSeconds)) s",
            "roots:      " + status.roots.joined(separator: ", "),
            "files:      \(status.files) (\(Int64(status.bytes).humanBytes) on disk)",
            "index:      \(status.indexPath ?? "?") (\(Int64(status.indexBytes ?? 0).humanBytes))",
            "generation: \(status.generation); passes \(status.passes.completed) completed, "
                + "\(status.passes.superseded) superseded",
            "pass:       "
                + (status.pass.state == "running"
                    ? "running, \(status.pass.done) files done, \(status.pass.queued) queued" : "idle"),
            "watches:    \(status.watches) (\(status.watchErrors) directories unwatched)",
            "queries:    \(status.queries.completed) completed, \(status.queries.superseded) superseded, "
                + "\(status.queries.timedOut) timed out, \(status.queries.cancelled) cancelled, "
                + "\(status.queries.failed) failed",
        ]
        if let error = status.lastError { lines.append("last error: \(error)") }
        // Roots and errors may hold names someone else chose: no control character reaches the terminal.
        let text = lines.map(OutputStyle.visible).joined(separator: "\n")
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

    @Argument(help: "Files or directories under the roots.")
    var paths: [String] = []

    func run() async throws {
        let params = ReindexParams(paths: paths.isEmpty ? nil : paths.map(absolutePath), wait: wait)
        let result = try await connection.withConnection { connection in
            try await connection.call(.reindex, params, as: GenerationResult.self)
        }
        if connection.json { return try connection.printJSON(result) }
        FileHandle.standardOutput.write(Data("\(wait ? "indexed" : "queued"); generation \(result.generation)\n".utf8))
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

    @Argument(help: "A file or directory.")
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

extension Int64 {
    /// "1.2 MiB" style sizes for people.
    var humanBytes: String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(self)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(self) bytes" : String(format: "%.1f %@", value, units[unit])
    }
}
