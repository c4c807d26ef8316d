import Foundation
import Glibc

/// How results look: colour on a terminal only (never with NO_COLOR), like ripgrep. Human output never carries a
/// control character from a file's name or text to the terminal: those are shown escaped (`\x1B`), so nobody who
/// can name or write a file can send escape sequences to the user's terminal.
struct OutputStyle {
    let colored: Bool

    init(choice: ColorChoice, environment: [String: String] = ProcessInfo.processInfo.environment) {
        switch choice {
        case .always: colored = true
        case .never: colored = false
        case .auto: colored = isatty(STDOUT_FILENO) == 1 && environment["NO_COLOR"].map(\.isEmpty) ?? true
        }
    }

    /// The markers asked of the daemon around matches: with colour, two control characters that `snippet` turns
    /// into colour (file text that holds them only toggles the colour); without, none.
    var highlight: [String] { colored ? [Self.matchStart, Self.matchEnd] : ["", ""] }

    private static let matchStart = "\u{1}"
    private static let matchEnd = "\u{2}"

    func path(_ path: String) -> String {
        let shown = Self.visible(path)
        return colored ? "\u{1B}[35m\(shown)\u{1B}[0m" : shown
    }

    /// A snippet on one line: runs of white space (newlines included) become one space, other control characters
    /// are shown escaped, matches are coloured.
    func snippet(_ snippet: String) -> String {
        let flat = snippet.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        var result = ""
        var open = false
        for scalar in flat.unicodeScalars {
            if colored, scalar == "\u{1}" {
                result += "\u{1B}[1;31m"
                open = true
            } else if colored, scalar == "\u{2}" {
                result += "\u{1B}[0m"
                open = false
            } else {
                Self.appendVisible(scalar, to: &result)
            }
        }
        if open { result += "\u{1B}[0m" }
        return result
    }

    /// `text` with every C0 control character, DEL and C1 control character written as `\xHH`.
    static func visible(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var result = ""
        for scalar in text.unicodeScalars { appendVisible(scalar, to: &result) }
        return result
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }

    private static func appendVisible(_ scalar: Unicode.Scalar, to result: inout String) {
        if isControl(scalar) {
            let hex = String(scalar.value, radix: 16, uppercase: true)
            result += "\\x" + (hex.count < 2 ? "0" : "") + hex
        } else {
            result.unicodeScalars.append(scalar)
        }
    }
}
