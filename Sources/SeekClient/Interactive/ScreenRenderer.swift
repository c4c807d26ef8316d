import Foundation
import SeekProtocol

/// Draws the interactive mode's screen: the prompt, a status line, then one hit per row. Each frame overwrites the
/// previous one in place (home, each row cleared to its end, the rest cleared) with the cursor hidden while it
/// draws, so nothing flickers.
public struct ScreenRenderer: Sendable {
    /// Markers asked of the daemon around matches in snippets; control characters no file text keeps.
    public static let highlight = ["\u{1}", "\u{2}"]

    public var columns: Int
    public var rows: Int
    public var home: String?

    public init(columns: Int, rows: Int, home: String? = ProcessInfo.processInfo.environment["HOME"]) {
        self.columns = max(columns, 10)
        self.rows = max(rows, 3)
        self.home = home
    }

    /// Hits that fit under the prompt and the status line.
    public var hitRows: Int { rows - 2 }

    public func frame(_ state: InteractiveState) -> String {
        var lines = [prompt(state), status(state)]
        let first = max(0, state.selected - hitRows + 1)
        for index in state.hits.indices.dropFirst(first).prefix(hitRows) {
            lines.append(hitLine(state.hits[index], selected: index == state.selected))
        }
        var frame = "\u{1B}[?25l\u{1B}[H"
        frame += lines.map { $0 + "\u{1B}[0m\u{1B}[K" }.joined(separator: "\r\n")
        frame += "\u{1B}[J"
        let cursorColumn = min(3 + state.query.count, columns)
        frame += "\u{1B}[1;\(cursorColumn)H\u{1B}[?25h"
        return frame
    }

    private func prompt(_ state: InteractiveState) -> String {
        "\u{1B}[1;34m>\u{1B}[0m " + clip(state.query, to: columns - 2)
    }

    private func status(_ state: InteractiveState) -> String {
        var text: String
        if let error = state.lastError {
            return "\u{1B}[31m  " + clip(error, to: columns - 2)
        } else if !state.hasSearchableQuery {
            text = "  type to search"
        } else {
            let count = state.hits.count
            text = "  \(count)\(count >= state.limit ? "+" : "") \(count == 1 ? "hit" : "hits")"
            if let latency = state.lastLatency {
                let milliseconds =
                    Double(latency.components.seconds) * 1000
                    + Double(latency.components.attoseconds) / 1e15
                text += String(format: " · %.1f ms", milliseconds)
            }
            if !state.ranked { text += " · unranked" }
            if state.isSearching { text += " · searching…" }
        }
        return "\u{1B}[2m" + clip(text, to: columns)
    }

    private func hitLine(_ hit: SearchHit, selected: Bool) -> String {
        let marker = selected ? "\u{1B}[1;31m>\u{1B}[0m " : "  "
        var path = hit.path
        if let home, !home.isEmpty, path.hasPrefix(home + "/") { path = "~" + path.dropFirst(home.count) }
        var line = marker + (selected ? "\u{1B}[1;35m" : "\u{1B}[35m")
        let pathShown = clip(path, to: columns - 2)
        line += pathShown + "\u{1B}[0m"
        let room = columns - 2 - pathShown.count - 2
        if let snippet = hit.snippet, !snippet.isEmpty, room > 3 {
            let flat = snippet.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            line += "  \u{1B}[2m" + styledSnippet(clip(flat, to: room))
        }
        return line
    }

    /// Matches in bold yellow inside the dim snippet.
    private func styledSnippet(_ text: String) -> String {
        text.replacingOccurrences(of: Self.highlight[0], with: "\u{1B}[22;1;33m")
            .replacingOccurrences(of: Self.highlight[1], with: "\u{1B}[22;39;2m")
    }

    /// The text cut to `width` visible characters, with an ellipsis when cut. Highlight markers take no room and
    /// a highlight cut open is closed; other control characters show as spaces so they cannot move the cursor.
    private func clip(_ text: String, to width: Int) -> String {
        guard width > 0 else { return "" }
        let characters = Array(text)
        let visibleCount = characters.count { !Self.isMarker($0) }
        var result = ""
        var visible = 0
        var highlightOpen = false
        for character in characters {
            if Self.isMarker(character) {
                result.append(character)
                highlightOpen = String(character) == Self.highlight[0]
                continue
            }
            if visibleCount > width, visible == width - 1 {
                result.append("…")
                break
            }
            let isControl = character.unicodeScalars.contains { $0.properties.generalCategory == .control }
            result.append(isControl ? " " : character)
            visible += 1
        }
        if highlightOpen { result += Self.highlight[1] }
        return result
    }

    private static func isMarker(_ character: Character) -> Bool { highlight.contains(String(character)) }
}
