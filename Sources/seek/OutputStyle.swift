import Foundation
import Glibc

/// How results look: colour on a terminal only (never with NO_COLOR), like ripgrep.
struct OutputStyle {
    let colored: Bool

    init(choice: ColorChoice, environment: [String: String] = ProcessInfo.processInfo.environment) {
        switch choice {
        case .always: colored = true
        case .never: colored = false
        case .auto: colored = isatty(STDOUT_FILENO) == 1 && environment["NO_COLOR"].map(\.isEmpty) ?? true
        }
    }

    /// The markers the daemon puts around matches.
    var highlight: [String] { colored ? ["\u{1B}[1;31m", "\u{1B}[0m"] : ["", ""] }

    func path(_ path: String) -> String {
        colored ? "\u{1B}[35m\(path)\u{1B}[0m" : path
    }

    /// A snippet on one line: runs of white space (newlines included) become one space.
    static func oneLine(_ snippet: String) -> String {
        snippet.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
}
