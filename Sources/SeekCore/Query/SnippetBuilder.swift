/// Builds a snippet in Swift from a hit's text: the window of about `windowTokens` words holding the most distinct
/// query words, matches wrapped in the markers. FTS5's `snippet()` was measured at 0.3 s for one 60 KB file with
/// thousands of prefix matches, inside one SQLite call that `sqlite3_interrupt` cannot stop; this is one bounded
/// scan of the text's UTF-8 bytes that stops as soon as a window holds every query word.
package struct SnippetBuilder: Sendable {
    package let terms: HighlightTerms
    package var open: String
    package var close: String
    /// Tokens in a snippet. Skipping text relies on windows that are at least three tokens long.
    package let windowTokens = 16
    /// Whether the scan may skip text where no query word can occur instead of tokenizing all of it. Only tests turn
    /// it off, to compare the two.
    package var skipsAhead = true
    /// Only the first this many matches compete for the window: enough to find a good one, bounded for huge files.
    static let candidateLimit = 64
    /// Matches are looked for in this many leading bytes; a file matching only later shows its start.
    package static let scanLimit = 128 << 10
    private let queryWords: QueryWordTable

    package init(terms: HighlightTerms, open: String, close: String) {
        self.terms = terms
        self.open = open
        self.close = close
        queryWords = QueryWordTable(terms: terms)
    }

    package func snippet(of text: String) -> String {
        var text = text
        text.makeContiguousUTF8()
        return text.utf8.withContiguousStorageIfAvailable { snippet(of: $0, isWhole: true) ?? "" } ?? ""
    }

    /// The snippet of UTF-8 text that may end inside a character (the index hands out its first bytes only).
    package func snippet(ofUTF8 bytes: [UInt8]) -> String {
        bytes.withUnsafeBufferPointer { snippet(of: $0, isWhole: true) } ?? ""
    }

    /// False when these first bytes of a text lack some query word (in any spelling of its case, with no non-ASCII
    /// byte that could fold into it): its snippet is then usually further in. A hint for reading more at once; the
    /// builder still decides (a window may be complete without one of the words, for example two words of a prefix).
    package func mayComplete(inPrefix bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in queryWords.withBuffers { $0.mayHoldEveryWord(buffer) } }
    }

    /// The snippet of the first bytes of a longer text, or nil when it depends on what follows them: the scan
    /// reached their end before it could stop. A non-nil answer is exactly what the whole text gives, so a caller
    /// can read a short prefix first and the rest only for the rare hit whose matches lie further in.
    package func snippet(ofPrefix bytes: [UInt8]) -> String? {
        bytes.withUnsafeBufferPointer { snippet(of: $0, isWhole: false) }
    }

    private func snippet(of bytes: UnsafeBufferPointer<UInt8>, isWhole: Bool) -> String? {
        queryWords.withBuffers { table in
            let scanned = min(bytes.count, Self.scanLimit)
            guard skipsAhead, !terms.isEmpty else {
                return scan(bytes, from: 0, tokensSkipped: false, isWhole: isWhole, jumps: false, table).snippet
            }
            let origin = table.firstPossibleMatch(in: bytes, from: 0, end: scanned)
            if origin == scanned {
                // No query word occurs: the snippet is the text's start, and a prefix says nothing about what follows.
                if !isWhole && scanned < Self.scanLimit { return nil }
                return scan(
                    bytes,
                    from: 0,
                    tokensSkipped: false,
                    isWhole: isWhole,
                    stopAfter: windowTokens + 1,
                    jumps: false,
                    table
                ).snippet
            }
            let restart = table.restartPoint(before: origin, after: 0, in: bytes) ?? 0
            let outcome = scan(
                bytes,
                from: restart,
                tokensSkipped: table.hasToken(before: restart, in: bytes),
                isWhole: isWhole,
                jumps: true,
                table
            )
            if outcome != .needsFullScan { return outcome.snippet }
            return scan(bytes, from: 0, tokensSkipped: false, isWhole: isWhole, jumps: false, table).snippet
        }
    }

    private enum ScanOutcome: Equatable {
        case snippet(String)
        /// A prefix of a text whose snippet depends on what follows it.
        case needsMoreText
        /// The window would take in tokens the scan skipped: it must be redone from the start without skipping.
        case needsFullScan

        var snippet: String? {
            if case .snippet(let text) = self { return text }
            return nil
        }
    }

    /// Tokenizes from byte `first` (the text's start, or a place where no token is cut: after an ASCII separator) and
    /// picks the window. Token positions count from `first`, and with `jumps` the scan skips, while it still looks
    /// for a better window, from more than `windowTokens` tokens past the last match to three tokens before the next
    /// place a query word can occur. Only differences of positions under `windowTokens` matter to the choice, and
    /// those are the same as from the start; what could differ (a window shifted back to stay full across skipped
    /// tokens, a text without a match) answers `needsFullScan`. A window starting at the first token shows `…` before
    /// it when `tokensSkipped`.
    private func scan(
        _ bytes: UnsafeBufferPointer<UInt8>,
        from first: Int,
        tokensSkipped: Bool,
        isWhole: Bool,
        stopAfter: Int? = nil,
        jumps: Bool,
        _ table: QueryWordTable.Buffers
    ) -> ScanOutcome {
        let scanned = min(bytes.count, Self.scanLimit)
        var tokens: [Range<Int>] = []
        tokens.reserveCapacity(min((scanned - first) / 6, Self.candidateLimit * windowTokens))
        // Matches by token position, in order, with the word each one is (an index into `words`, the folded words
        // seen): windows count distinct words among a few neighbouring matches, by comparing small integers.
        var matched: [Int] = []
        var matchedWords: [Int] = []
        var words: [[UInt8]] = []
        // Once a window holds every query word (it cannot be beaten) or enough candidates were seen, only the tokens
        // that can still fall inside the chosen window are read, and matched so every match there is marked.
        var scanEnd = stopAfter ?? (terms.isEmpty ? windowTokens : Int.max)
        var cursor = first
        // No place a query word can occur is looked for before this byte (one found is not looked for again).
        var nextLookout = first
        // The first token after the last skip, when there was one.
        var afterSkip: Int?
        // Past every match and with nothing to match further on: the window is decided.
        var decided = false
        while tokens.count < scanEnd {
            if jumps && scanEnd == Int.max && cursor >= nextLookout
                && tokens.count >= (matched.last ?? -1) + windowTokens + 2
            {
                let origin = table.firstPossibleMatch(in: bytes, from: cursor, end: scanned)
                if origin == scanned {
                    if !isWhole && scanned < Self.scanLimit { return .needsMoreText }
                    decided = true
                    break
                }
                nextLookout = origin + 1
                if let restart = table.restartPoint(before: origin, after: cursor, in: bytes) {
                    cursor = restart
                    afterSkip = tokens.count
                }
            }
            guard let token = table.nextToken(in: bytes, from: &cursor, end: scanned) else { break }
            tokens.append(token)
            guard table.mayStartQueryWord(bytes[token.lowerBound]),
                let word = table.match(UnsafeBufferPointer(rebasing: bytes[token]))
            else { continue }
            let index = tokens.count - 1
            matched.append(index)
            if let known = words.firstIndex(of: word) {
                matchedWords.append(known)
            } else {
                matchedWords.append(words.count)
                words.append(word)
            }
            guard scanEnd == Int.max else { continue }
            let complete =
                Self.distinctWords(matched, matchedWords, in: (index - windowTokens + 3)..<(index + 1)) >= terms.count
            if complete || matched.count >= Self.candidateLimit { scanEnd = index + windowTokens + 1 }
        }
        // Ran out of bytes, or stopped on a token that touches their end (the text may go on with more of it).
        if !isWhole && scanned < Self.scanLimit && !decided && (tokens.count < scanEnd || cursor >= scanned) {
            return .needsMoreText
        }
        // Without a match the window is the text's start (a non-ASCII byte, which may have started the scan, may fold
        // into no query word).
        if tokensSkipped && matched.isEmpty { return .needsFullScan }
        guard !tokens.isEmpty else { return .snippet("") }
        var start = 0
        var bestCount = 0
        for candidate in matched {
            let windowStart = max(0, candidate - 2)
            let distinct = Self.distinctWords(matched, matchedWords, in: windowStart..<(windowStart + windowTokens))
            if distinct > bestCount {
                bestCount = distinct
                start = windowStart
            }
        }
        // A window near the end shifts back to stay full, when the whole text was tokenized. (When the scan stopped
        // as decided, more than `windowTokens` tokens follow the window, and it ends with `…`.)
        let reachedEnd = !decided && cursor >= bytes.count
        if reachedEnd {
            let shifted = min(start, tokens.count - windowTokens)
            if shifted < start && (max(0, shifted) < afterSkip ?? 0 || (tokensSkipped && shifted < 0)) {
                return .needsFullScan
            }
            start = max(0, shifted)
        }
        let end = min(tokens.count, start + windowTokens)
        var output = start > 0 || tokensSkipped ? "…" : ""
        var position = tokens[start].lowerBound
        var nextMatch = matched.firstIndex { $0 >= start } ?? matched.count
        for index in start..<end {
            let token = tokens[index]
            output += Self.string(bytes, position..<token.lowerBound)
            let word = Self.string(bytes, token)
            if nextMatch < matched.count && matched[nextMatch] == index {
                output += open + word + close
                nextMatch += 1
            } else {
                output += word
            }
            position = token.upperBound
        }
        output += end == tokens.count && reachedEnd ? Self.string(bytes, position..<bytes.count) : "…"
        return .snippet(output)
    }

    /// How many distinct words the matches at token positions in `window` are. `matched` is in order, so those
    /// matches are neighbours in it, and a window holds at most `windowTokens` of them.
    private static func distinctWords(_ matched: [Int], _ words: [Int], in window: Range<Int>) -> Int {
        var last = matched.count
        while last > 0 && matched[last - 1] >= window.upperBound { last -= 1 }
        var first = last
        while first > 0 && matched[first - 1] >= window.lowerBound { first -= 1 }
        var count = 0
        for index in first..<last where !words[first..<index].contains(words[index]) { count += 1 }
        return count
    }

    private static func string(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

}
