/// Builds a snippet in Swift from a hit's text: the window of about `windowTokens` words holding the most distinct
/// query words, matches wrapped in the markers. FTS5's `snippet()` was measured at 0.3 s for one 60 KB file with
/// thousands of prefix matches, inside one uninterruptible SQLite call; this costs one bounded scan of the text.
package struct SnippetBuilder: Sendable {
    package var terms: HighlightTerms
    package var open: String
    package var close: String
    package var windowTokens = 16
    /// Only the first this many matches compete for the window: enough to find a good one, bounded for huge files.
    static let candidateLimit = 64
    /// Matches are looked for in this many leading characters; a file matching only later shows its start.
    package static let scanLimit = 128 << 10

    package init(terms: HighlightTerms, open: String, close: String) {
        self.terms = terms
        self.open = open
        self.close = close
    }

    package func snippet(of text: String) -> String {
        let scanned = text.prefix(Self.scanLimit)
        var tokens: [Range<String.Index>] = []
        var matched: [Int] = []
        var words: [Int: String] = [:]
        let initials = terms.initialBytes
        let wanted = terms.count
        var complete = false
        for range in TextTokens.TokenRanges(scanned.unicodeScalars) {
            tokens.append(range)
            guard !terms.isEmpty, matched.count < Self.candidateLimit, !complete else {
                // Enough candidates: only the tokens that can still fill the last window are needed.
                if let last = matched.last, tokens.count > last + windowTokens { break }
                continue
            }
            // Folding every word costs an allocation each; an ASCII word whose first letter begins no term is skipped
            // (folding maps ASCII to ASCII, so it cannot match).
            let first = text.utf8[range.lowerBound]
            if first < 0x80, !initials.contains(first | (first >= 0x41 && first <= 0x5A ? 0x20 : 0)) { continue }
            let word = TextTokens.fold(text[range])
            if terms.matches(word) {
                let index = tokens.count - 1
                matched.append(index)
                words[index] = word
                // A window already holding every query word cannot be beaten: stop looking.
                let windowStart = index - windowTokens + 3
                complete = Set(matched.lazy.filter { $0 >= windowStart }.compactMap { words[$0] }).count >= wanted
            }
        }
        guard !tokens.isEmpty else { return "" }
        var start = 0
        var bestCount = 0
        for candidate in matched {
            let windowStart = max(0, candidate - 2)
            let distinct = Set(
                matched.lazy.filter { $0 >= windowStart && $0 < windowStart + windowTokens }.compactMap { words[$0] }
            ).count
            if distinct > bestCount {
                bestCount = distinct
                start = windowStart
            }
        }
        // A window near the end shifts back to stay full; short texts are shown whole.
        start = max(0, min(start, tokens.count - windowTokens))
        let end = min(tokens.count, start + windowTokens)
        let highlighted = Set(matched)
        var output = start > 0 ? "…" : ""
        var cursor = tokens[start].lowerBound
        for index in start..<end {
            let range = tokens[index]
            output += text[cursor..<range.lowerBound]
            output += highlighted.contains(index) ? open + text[range] + close : String(text[range])
            cursor = range.upperBound
        }
        let reachedEnd = end == tokens.count && scanned.endIndex == text.endIndex
        output += reachedEnd ? String(text[cursor...]) : "…"
        return output
    }
}
