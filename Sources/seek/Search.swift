import ArgumentParser
import Foundation
import SeekClient
import SeekProtocol

struct Search: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Search (the default command): seek QUERY...",
        discussion: """
            Words must all match, in a file's text or its path below its root; the last word matches as a prefix
            unless the query ends in a space. "two words" is a phrase; -word excludes.
            """
    )

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "Most hits to print (1-1000).")
    var limit = ProtocolLimits.defaultSearchLimit

    @Option(name: .customLong("timeout-ms"), help: "Give up after this many milliseconds.")
    var timeoutMilliseconds = ProtocolLimits.defaultSearchTimeoutMilliseconds

    @Flag(help: "Wait until every change made so far is indexed before searching.")
    var sync = false

    @Flag(
        help: """
            Print absolute paths only, one per line, as their exact bytes (for pipelines and fzf). Line-based: a name \
            holding a newline reads as two; use --null for such names.
            """
    )
    var plain = false

    @Flag(
        name: [.customLong("null"), .customShort("0")],
        help: "Print absolute paths only, each ended by a NUL byte, as their exact bytes (for xargs -0)."
    )
    var null = false

    @Flag(
        name: [.short, .long],
        help: "Search as you type on the terminal; Enter prints the chosen path, Esc or Ctrl-C leaves (exit 130)."
    )
    var interactive = false

    @Flag(help: "Pass the query to SQLite FTS5 as is.")
    var fts5 = false

    @Option(help: "Only files under this directory (repeatable).", completion: .directory)
    var path: [String] = []

    @Option(help: "Colour: auto (on a terminal, unless NO_COLOR is set), always or never.")
    var color: ColorChoice = .auto

    @Argument(parsing: .allUnrecognized, help: "The query.")
    var query: [String] = []

    func run() async throws {
        let text = query.joined(separator: " ")
        if interactive { return try await runInteractive(query: text) }
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw CommandFailure("seek: give something to search for, for example: seek cancel (seek --help for more)")
        }
        let style = OutputStyle(choice: color)
        let params = SearchParams(
            query: text,
            syntax: fts5 ? .fts5 : .simple,
            limit: limit,
            timeoutMilliseconds: timeoutMilliseconds,
            paths: path.isEmpty ? nil : path.map(absolutePath),
            sync: sync,
            snippet: !plain && !null,
            highlight: style.highlight
        )
        let json = connection.json
        let response = try await connection.withConnection { connection in
            let id = try await connection.start(.search, params)
            return try await connection.response(to: id)
        }
        if let error = response.error { throw CommandFailure("seek: \(error.message) (error \(error.code))") }
        if json {
            try connection.printJSON(response.result ?? .null)
        }
        let result = try response.decodeResult(SearchResult.self)
        if !json {
            // --plain and --null: exact bytes for programs; otherwise text for a person, control characters escaped.
            var output = Data()
            for hit in result.hits {
                if null || plain {
                    output += hit.pathBytes.flatMap { Data(base64Encoded: $0) } ?? Data(hit.path.utf8)
                    output.append(null ? 0 : 0x0A)
                } else {
                    var text = style.path(hit.path) + "\n"
                    if let snippet = hit.snippet, !snippet.isEmpty { text += style.snippet(snippet) + "\n" }
                    output += Data((text + "\n").utf8)
                }
            }
            FileHandle.standardOutput.write(output)
        }
        if result.hits.isEmpty { throw ExitCode(1) }
    }
}

extension Search {
    /// Like fzf: the chosen path on stdout and 0; 1 when Enter found nothing to choose; 130 when the user left;
    /// 128 + the signal's number when a signal ended it.
    private func runInteractive(query: String) async throws {
        let session = InteractiveSession(
            socketPath: connection.socketPath,
            query: query,
            syntax: fts5 ? .fts5 : .simple,
            paths: path.isEmpty ? nil : path.map(absolutePath),
            timeoutMilliseconds: timeoutMilliseconds
        )
        let outcome: InteractiveSession.Outcome
        do {
            outcome = try await session.run()
        } catch let error as SeekClientError {
            throw CommandFailure("seek: \(error)")
        } catch let error as Terminal.Unavailable {
            throw CommandFailure("seek: \(error)")
        }
        switch outcome {
        case .chosen(let hit):
            let bytes = hit.pathBytes.flatMap { Data(base64Encoded: $0) } ?? Data(hit.path.utf8)
            FileHandle.standardOutput.write(bytes + Data("\n".utf8))
        case .nothingChosen:
            throw ExitCode(1)
        case .aborted:
            throw ExitCode(130)
        case .signalled(let number):
            throw ExitCode(128 + number)
        }
    }
}

enum ColorChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, always, never
}
