import ArgumentParser
import Foundation
import SeekClient
import SeekProtocol

/// `seek`: the command-line client. Exit status like grep: 0 hits, 1 no hits, 2 error.
@main
struct Seek: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seek",
        abstract: "Search the files seekd indexes.",
        discussion: "Exit status: 0 when something was found, 1 when nothing was, 2 on error.",
        version: "0.1.0",
        subcommands: [Search.self, Status.self, Reindex.self, SyncCommand.self, Why.self],
        defaultSubcommand: Search.self
    )

    /// Like `AsyncParsableCommand.main`, but usage errors exit 2 as grep's do, not 64.
    static func main() async {
        do {
            var command = try parseAsRoot(subcommandFirst(Array(CommandLine.arguments.dropFirst())))
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let exitCode as ExitCode {
            Foundation.exit(exitCode.rawValue)
        } catch let failure as CommandFailure {
            FileHandle.standardError.write(Data((failure.description + "\n").utf8))
            Foundation.exit(2)
        } catch {
            // Usage errors and --help: the parser's message, and 2 for errors as grep does.
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            let stream = code == .success ? FileHandle.standardOutput : FileHandle.standardError
            stream.write(Data((message + "\n").utf8))
            Foundation.exit(code == .success ? 0 : 2)
        }
    }
}

/// `seek --socket S status` means the `status` command, not a search for "status": a subcommand name that
/// follows only options moves to the front, where the parser expects it.
func subcommandFirst(_ arguments: [String]) -> [String] {
    let subcommands: Set = ["search", "status", "reindex", "sync", "why", "help"]
    let optionsWithValues: Set = ["--socket", "--limit", "--timeout-ms", "--path", "--color"]
    var index = 0
    while index < arguments.count {
        let argument = arguments[index]
        if subcommands.contains(argument) {
            return index == 0 ? arguments : [argument] + arguments[..<index] + arguments[(index + 1)...]
        }
        guard argument.hasPrefix("-"), argument != "--" else { return arguments }
        index += optionsWithValues.contains(argument) ? 2 : 1
    }
    return arguments
}

/// Options every subcommand shares.
struct ConnectionOptions: ParsableArguments {
    @Option(
        help: "seekd's socket (default: $SEEK_SOCKET, $XDG_RUNTIME_DIR/seek/seekd.sock, /tmp/seek-$UID/seekd.sock)."
    )
    var socket: String?

    @Flag(help: "Print the daemon's result as one JSON document.")
    var json = false

    var socketPath: String { DefaultPaths.socket(flag: socket) }

    /// Runs `body` on a connection; errors become one line on stderr and exit status 2.
    func withConnection<T: Sendable>(_ body: (inout SeekConnection) async throws -> T) async throws -> T {
        do {
            return try await SeekConnection.with(socketPath: socketPath, body)
        } catch let error as SeekClientError {
            throw CommandFailure("seek: \(error)")
        } catch let error as RPCError {
            throw CommandFailure("seek: \(error.message) (error \(error.code))")
        }
    }

    func printJSON(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        FileHandle.standardOutput.write(try encoder.encode(value) + Data("\n".utf8))
    }
}

/// A failure already phrased for the user: printed as is, exit status 2.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Absolute paths from command-line arguments, relative ones taken from the working directory.
func absolutePath(_ argument: String) -> String {
    if argument.hasPrefix("/") { return argument }
    return FileManager.default.currentDirectoryPath + "/" + argument
}
