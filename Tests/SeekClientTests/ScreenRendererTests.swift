import Foundation
import SeekClient
import SeekProtocol
import Testing

@Suite struct ScreenRendererTests {
    /// The frame as a person sees it: escape sequences removed, rows split.
    private func visibleRows(_ frame: String) -> [String] {
        let plain = frame.replacingOccurrences(of: "\u{1B}\\[[0-9;?]*[A-Za-z]", with: "", options: .regularExpression)
        return plain.components(separatedBy: "\r\n")
    }

    private func state(query: String, hits: [SearchHit]) throws -> InteractiveState {
        var state = InteractiveState(limit: 20)
        for character in query { _ = state.handle(.text(String(character))) }
        state.sent(.int(1))
        let line = ResponseCoding.success(
            id: .int(1),
            result: SearchResult(hits: hits, elapsedMilliseconds: 1, generation: 1)
        )
        _ = state.handle(try Response(line: line))
        return state
    }

    private func hit(_ path: String, _ snippet: String) -> SearchHit {
        SearchHit(path: path, pathBytes: nil, score: 1, size: 1, mtime: 0, snippet: snippet)
    }

    @Test func promptStatusThenOneRowPerHit() throws {
        let renderer = ScreenRenderer(columns: 60, rows: 10, home: "/home/ana")
        let shown = try state(query: "plan", hits: [hit("/home/ana/plan.md", "the \u{1}plan\u{2}"), hit("/srv/x", "")])
        let rows = visibleRows(renderer.frame(shown))
        #expect(rows[0] == "> plan")
        #expect(rows[1].hasPrefix("  2 hits · "))
        #expect(rows[2] == "> ~/plan.md  the plan")
        #expect(rows[3] == "  /srv/x")
        #expect(rows.count == 4)
    }

    @Test func longRowsAreCutToTheWidthWithAnEllipsis() throws {
        let renderer = ScreenRenderer(columns: 30, rows: 10, home: nil)
        let long = String(repeating: "word ", count: 20)
        let shown = try state(query: "word", hits: [hit("/a/b.txt", "\u{1}word\u{2} " + long)])
        let rows = visibleRows(renderer.frame(shown))
        #expect(rows[2].count == 30)
        #expect(rows[2].hasSuffix("…"))
    }

    @Test func matchesAreHighlightedAndMarkersNeverReachTheScreen() throws {
        let renderer = ScreenRenderer(columns: 80, rows: 10, home: nil)
        let frame = renderer.frame(try state(query: "plan", hits: [hit("/p", "a \u{1}plan\u{2} b")]))
        #expect(frame.contains("\u{1B}[22;1;33mplan"))
        #expect(!frame.contains("\u{1}") && !frame.contains("\u{2}"))
    }

    @Test func controlCharactersInNamesCannotMoveTheCursor() throws {
        let renderer = ScreenRenderer(columns: 80, rows: 10, home: nil)
        let rows = visibleRows(renderer.frame(try state(query: "x", hits: [hit("/odd\nname\u{1B}[2J", "")])))
        #expect(rows[2] == "> /odd name [2J")
    }

    @Test func theSelectedHitStaysOnScreen() throws {
        let renderer = ScreenRenderer(columns: 40, rows: 5, home: nil)
        var shown = try state(query: "f", hits: (0..<10).map { hit("/f\($0)", "") })
        for _ in 0..<6 { _ = shown.handle(.down) }
        let rows = visibleRows(renderer.frame(shown))
        #expect(rows.count == 5)
        #expect(rows.last == "> /f6")
    }

    @Test func eachFrameOverwritesInPlace() throws {
        let frame = ScreenRenderer(columns: 40, rows: 5, home: nil).frame(try state(query: "q", hits: []))
        #expect(frame.hasPrefix("\u{1B}[?25l\u{1B}[H"))
        #expect(!frame.contains("\u{1B}[2J"))
        #expect(frame.hasSuffix("\u{1B}[1;4H\u{1B}[?25h"))
    }
}
