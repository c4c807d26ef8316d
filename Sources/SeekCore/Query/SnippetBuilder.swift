/// Builds a snippet in Swift from a hit's text: a window of about `windowTokens` words with the matches wrapped in the
/// markers. The window is the first one that holds every query term (each word, and each prefix, at least once),
/// starting two tokens before the shortest span of matches that completes it; in a text with none, the window of one
/// of its first `candidateLimit` matches holding the most terms. FTS5's `snippet()` was measured at 0.3 s for one
/// 60 KB file with thousands of prefix matches, inside one SQLite call that `sqlite3_interrupt` cannot stop; this is a
/// bounded scan of the text's UTF-8 bytes that tokenizes only around the places where one term, the anchor, can occur.
package struct SnippetBuilder: Sendable {
    package let terms: HighlightTerms
    package var open: String
    package var close: String
    /// Tokens in a snippet. Skipping text relies on windows that are at least three tokens long.
    package let windowTokens = 16
    /// Whether the scan may skip text where no query word can occur instead of tokenizing all of it. Only tests turn
    /// it off, to compare the two.
    package var skipsAhead = true
    /// In a text with no complete window, only the first this many matches compete for the window: enough to find a
    /// good one, bounded for huge files.
    static let candidateLimit = 64
    /// Matches are looked for in this many leading bytes; a file matching only later shows its start.
    package static let scanLimit = 128 << 10
    /// The anchor term is chosen by the spellings of the terms in this many leading bytes.
    package static let anchorSample = 16 << 10
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
    /// `sightings`, when given, are what `sightings(of:)` said of the same text's first bytes.
    package func snippet(ofUTF8 bytes: [UInt8], sightings: TermSightings? = nil) -> String {
        bytes.withUnsafeBufferPointer { snippet(of: $0, isWhole: true, sightings: sightings) } ?? ""
    }

    /// Which query terms the first `anchorSample` bytes of a text spell: whether a prefix that long may hold a
    /// complete window (`mayHoldEveryTerm`; else the snippet depends on what follows, and reading more at once saves a
    /// read), and which term the builder hunts windows by. Bytes past the sample are not looked at.
    package func sightings(of bytes: [UInt8]) -> TermSightings {
        bytes.withUnsafeBufferPointer { buffer in
            queryWords.withBuffers { $0.sightings(in: UnsafeBufferPointer(rebasing: buffer.prefix(Self.anchorSample))) }
        }
    }

    /// The snippet of the first bytes of a longer text, or nil when it depends on what follows them: the scan
    /// reached their end before it could stop. A non-nil answer is exactly what the whole text gives, so a caller
    /// can read a short prefix first and the rest only for the rare hit whose matches lie further in.
    package func snippet(ofPrefix bytes: [UInt8], sightings: TermSightings? = nil) -> String? {
        bytes.withUnsafeBufferPointer { snippet(of: $0, isWhole: false, sightings: sightings) }
    }

    private func snippet(
        of bytes: UnsafeBufferPointer<UInt8>,
        isWhole: Bool,
        sightings: TermSightings? = nil
    )
        -> String?
    {
        queryWords.withBuffers { table in
            let scanned = min(bytes.count, Self.scanLimit)
            guard skipsAhead, !terms.isEmpty else { return fullScan(bytes, isWhole: isWhole, table) }
            let sample = UnsafeBufferPointer(rebasing: bytes[..<min(scanned, Self.anchorSample)])
            if let anchor = table.anchor(sightings ?? table.sightings(in: sample)) {
                switch firstCompleteWindow(bytes, anchor: anchor, isWhole: isWhole, table) {
                case .snippet(let text): return text
                case .needsMoreText: return nil
                case .needsFullScan: return fullScan(bytes, isWhole: isWhole, table)
                case .noCompleteWindow: break
                }
            }
            // No window is complete: in a prefix, one may be further on.
            guard Self.knowsScanned(bytes, isWhole: isWhole) else { return nil }
            let origin = table.firstPossibleMatch(in: bytes, from: 0, end: scanned)
            if origin == scanned {
                // No query word occurs: the snippet is the text's start.
                return bestWindow(
                    bytes,
                    from: 0,
                    tokensSkipped: false,
                    isWhole: isWhole,
                    stopAfter: windowTokens + 1,
                    table
                ).snippet
            }
            let restart = table.restartPoint(before: origin, after: 0, in: bytes) ?? 0
            let outcome = bestWindow(
                bytes,
                from: restart,
                tokensSkipped: table.hasToken(in: 0..<restart, of: bytes),
                isWhole: isWhole,
                table
            )
            if outcome != .needsFullScan { return outcome.snippet }
            return fullScan(bytes, isWhole: isWhole, table)
        }
    }

    private enum ScanOutcome: Equatable {
        case snippet(String)
        /// A prefix of a text whose snippet depends on what follows it.
        case needsMoreText
        /// The window would take in tokens the scan skipped: it must be redone from the start without skipping.
        case needsFullScan
        /// No window in the scanned bytes holds every term.
        case noCompleteWindow

        var snippet: String? {
            if case .snippet(let text) = self { return text }
            return nil
        }
    }

    /// The snippet every other path must give: every token of the scanned bytes, then the first complete window, or
    /// the best of the first `candidateLimit` matches' windows. In a prefix, nil unless the first complete window and
    /// the token after it lie in it. The skipping scans below fall back on it where their shortcuts do not hold.
    private func fullScan(
        _ bytes: UnsafeBufferPointer<UInt8>,
        isWhole: Bool,
        _ table: QueryWordTable.Buffers
    )
        -> String?
    {
        let scanned = min(bytes.count, Self.scanLimit)
        let knowsScanned = Self.knowsScanned(bytes, isWhole: isWhole)
        var log = TokenLog()
        var cursor = 0
        while let token = table.nextToken(in: bytes, from: &cursor, end: scanned) {
            _ = log.append(token, of: bytes, table)
        }
        let reachedEnd = isWhole && cursor >= bytes.count
        for index in log.matched.indices {
            guard let spanStart = completeSpan(log, endingAt: index, tokensSkipped: false, table) else {
                continue
            }
            let start = max(0, spanStart - 2)
            guard knowsScanned || start + windowTokens < log.tokens.count else { return nil }
            return renderWhole(start: start)
        }
        // A prefix may yet hold a complete window, unless the query has no terms to complete one.
        guard knowsScanned || (terms.isEmpty && windowTokens < log.tokens.count) else { return nil }
        return renderWhole(start: log.bestStart(amongFirst: Self.candidateLimit, windowTokens: windowTokens))

        // A window near the end shifts back to stay full, when the whole text was tokenized.
        func renderWhole(start: Int) -> String {
            let start = reachedEnd ? max(0, min(start, log.tokens.count - windowTokens)) : start
            return render(bytes, log, start: start, reachedEnd: reachedEnd, tokensSkipped: false)
        }
    }

    /// Looks for the first complete window the way `fullScan` does, tokenizing only around the places where the
    /// `anchor` candidate can occur: every complete span holds a match of it, within `windowTokens - 3` tokens of the
    /// span's end. So the scan hunts the anchor with the byte lookout, starts tokenizing `windowTokens` token starts
    /// before each place it finds (so every span holding it is seen whole), and skips again once every span holding
    /// the last anchor match was checked. Positions count from the first token of the stretch being tokenized.
    private func firstCompleteWindow(
        _ bytes: UnsafeBufferPointer<UInt8>,
        anchor: Int,
        isWhole: Bool,
        _ table: QueryWordTable.Buffers
    ) -> ScanOutcome {
        let scanned = min(bytes.count, Self.scanLimit)
        let knowsScanned = Self.knowsScanned(bytes, isWhole: isWhole)
        let anchorBit = table.candidates[anchor].bit
        var log = TokenLog(capacity: 4 * windowTokens)
        // Whether tokens precede the stretch: then positions are not the text's, and a window is not clamped to 0.
        var tokensSkipped = false
        var lastAnchor: Int?
        // Where the window starts once the first complete span was found; the scan goes on to its end.
        var found: Int?
        var cursor = 0
        // The lookout is not run again before the cursor passes the place it found.
        var lookout = 0
        while true {
            let anchorsChecked = lastAnchor.map { log.tokens.count > $0 + windowTokens } ?? true
            if found == nil && anchorsChecked && cursor >= lookout {
                let place = table.firstPossibleMatch(in: bytes, from: cursor, end: scanned, anchor: anchor)
                if place == scanned { return knowsScanned ? .noCompleteWindow : .needsMoreText }
                lookout = place + 1
                if let restart = table.restartPoint(before: place, after: cursor, tokenStarts: windowTokens, in: bytes)
                {
                    tokensSkipped =
                        tokensSkipped || !log.tokens.isEmpty || table.hasToken(in: cursor..<restart, of: bytes)
                    log.removeAll()
                    lastAnchor = nil
                    cursor = restart
                }
            }
            if let start = found, log.tokens.count > start + windowTokens {
                // The window and the token after it are known: it is shown as it is, ending with `…`.
                return .snippet(
                    render(bytes, log, start: start, reachedEnd: false, tokensSkipped: tokensSkipped)
                )
            }
            guard let token = table.nextToken(in: bytes, from: &cursor, end: scanned) else { break }
            guard let mask = log.append(token, of: bytes, table) else { continue }
            if mask & anchorBit != 0 { lastAnchor = log.tokens.count - 1 }
            if found == nil,
                let spanStart = completeSpan(
                    log,
                    endingAt: log.matched.count - 1,
                    tokensSkipped: tokensSkipped,
                    table
                )
            {
                found = tokensSkipped ? spanStart - 2 : max(0, spanStart - 2)
            }
        }
        // The scanned bytes ran out before the window's end.
        guard knowsScanned else { return .needsMoreText }
        guard var start = found else { return .noCompleteWindow }
        let reachedEnd = isWhole && cursor >= bytes.count
        if reachedEnd && start + windowTokens > log.tokens.count {
            // Shifted back to stay full, the window would take in tokens before the stretch. (Not expected: a stretch
            // after a skip holds `windowTokens` tokens before its first anchor match, so the answer stays here.)
            if tokensSkipped && log.tokens.count < windowTokens { return .needsFullScan }
            start = max(0, log.tokens.count - windowTokens)
        }
        return .snippet(
            render(bytes, log, start: start, reachedEnd: reachedEnd, tokensSkipped: tokensSkipped)
        )
    }

    /// Where the shortest span of matches ending at `log.matched[index]` that holds every term starts, when one fits
    /// in a window with two tokens before it; nil when none does. With `tokensSkipped` (positions after a skip), a
    /// span that could reach before the first position is not looked for: it would need tokens the scan skipped.
    private func completeSpan(
        _ log: TokenLog,
        endingAt index: Int,
        tokensSkipped: Bool,
        _ table: QueryWordTable.Buffers
    ) -> Int? {
        let earliest = log.matched[index] - (windowTokens - 3)
        if tokensSkipped && earliest < 2 { return nil }
        return log.completeSpanStart(endingAt: index, earliest: earliest, complete: table.completeMask)
    }

    /// The best window of the first `candidateLimit` matches, in a text with no complete window (so it never stops
    /// early): tokenizes from byte `first` (the text's start, or a place where no token is cut: after an ASCII
    /// separator) and, while matches are still to be found, skips from more than `windowTokens` tokens past the last
    /// match to three tokens before the next place a query word can occur. Positions count from `first`; only
    /// differences of positions under `windowTokens` matter to the choice, and those are the same as from the start;
    /// what could differ (a window shifted back to stay full across skipped tokens, a text without a match) answers
    /// `needsFullScan`. A window starting at the first token shows `…` before it when `tokensSkipped`.
    private func bestWindow(
        _ bytes: UnsafeBufferPointer<UInt8>,
        from first: Int,
        tokensSkipped: Bool,
        isWhole: Bool,
        stopAfter: Int? = nil,
        _ table: QueryWordTable.Buffers
    ) -> ScanOutcome {
        let scanned = min(bytes.count, Self.scanLimit)
        var log = TokenLog(capacity: min((scanned - first) / 6, Self.candidateLimit * windowTokens))
        // Once enough candidates were seen, only the tokens that can still fall inside the chosen window are read,
        // and matched so every match there is marked.
        var scanEnd = stopAfter ?? Int.max
        var cursor = first
        // No place a query word can occur is looked for before this byte (one found is not looked for again).
        var nextLookout = first
        // The first token after the last skip, when there was one.
        var afterSkip: Int?
        // Past every match and with nothing to match further on: the window is decided.
        var decided = false
        while log.tokens.count < scanEnd {
            if stopAfter == nil && scanEnd == Int.max && cursor >= nextLookout
                && log.tokens.count >= (log.matched.last ?? -1) + windowTokens + 2
            {
                let origin = table.firstPossibleMatch(in: bytes, from: cursor, end: scanned)
                if origin == scanned {
                    decided = true
                    break
                }
                nextLookout = origin + 1
                if let restart = table.restartPoint(before: origin, after: cursor, in: bytes) {
                    cursor = restart
                    afterSkip = log.tokens.count
                }
            }
            guard let token = table.nextToken(in: bytes, from: &cursor, end: scanned) else { break }
            guard log.append(token, of: bytes, table) != nil else { continue }
            if scanEnd == Int.max && log.matched.count == Self.candidateLimit {
                scanEnd = log.tokens.count - 1 + windowTokens + 1
            }
        }
        // Without a match the window is the text's start (a non-ASCII byte, which may have started the scan, may fold
        // into no query word).
        if tokensSkipped && log.matched.isEmpty { return .needsFullScan }
        guard !log.tokens.isEmpty else { return .snippet("") }
        var start = log.bestStart(amongFirst: Self.candidateLimit, windowTokens: windowTokens)
        // A window near the end shifts back to stay full, when the whole text was tokenized. (When the scan stopped
        // as decided, more than `windowTokens` tokens follow the window, and it ends with `…`.)
        let reachedEnd = isWhole && !decided && cursor >= bytes.count
        if reachedEnd {
            let shifted = min(start, log.tokens.count - windowTokens)
            if shifted < start && (max(0, shifted) < afterSkip ?? 0 || (tokensSkipped && shifted < 0)) {
                return .needsFullScan
            }
            start = max(0, shifted)
        }
        return .snippet(
            render(bytes, log, start: start, reachedEnd: reachedEnd, tokensSkipped: tokensSkipped)
        )
    }

    /// Whether the scan sees all it will ever see: the whole text, or at least its first `scanLimit` bytes. (Only a
    /// whole text ends where its bytes do: a prefix of `scanLimit` bytes goes on.)
    private static func knowsScanned(_ bytes: UnsafeBufferPointer<UInt8>, isWhole: Bool) -> Bool {
        isWhole || bytes.count >= scanLimit
    }

    /// The window's text: its tokens with the matches marked, `…` where text is left out before or after it. Built as
    /// bytes and decoded once: every piece is a stretch of the text between character boundaries or a marker, so
    /// the text is the one piece-by-piece decoding gives (a character the scanned bytes cut in two, at their end, is
    /// U+FFFD either way), for a fraction of the cost of appending each piece to a string.
    private func render(
        _ bytes: UnsafeBufferPointer<UInt8>,
        _ log: TokenLog,
        start: Int,
        reachedEnd: Bool,
        tokensSkipped: Bool
    ) -> String {
        let (tokens, matched) = (log.tokens, log.matched)
        guard !tokens.isEmpty else { return "" }
        let end = min(tokens.count, start + windowTokens)
        let tail = end == tokens.count && reachedEnd ? tokens[end - 1].upperBound..<bytes.count : nil
        var output: [UInt8] = []
        output.reserveCapacity(
            (tail?.upperBound ?? tokens[end - 1].upperBound) - tokens[start].lowerBound + 2 * Self.ellipsis.count
                + (end - start) * (open.utf8.count + close.utf8.count)
        )
        if start > 0 || tokensSkipped { output += Self.ellipsis }
        var position = tokens[start].lowerBound
        var nextMatch = matched.firstIndex { $0 >= start } ?? matched.count
        for index in start..<end {
            let token = tokens[index]
            output += UnsafeBufferPointer(rebasing: bytes[position..<token.lowerBound])
            if nextMatch < matched.count && matched[nextMatch] == index {
                output += open.utf8
                output += UnsafeBufferPointer(rebasing: bytes[token])
                output += close.utf8
                nextMatch += 1
            } else {
                output += UnsafeBufferPointer(rebasing: bytes[token])
            }
            position = token.upperBound
        }
        if let tail {
            output += UnsafeBufferPointer(rebasing: bytes[tail])
        } else {
            output += Self.ellipsis
        }
        return String(decoding: output, as: UTF8.self)
    }

    private static let ellipsis = Array("…".utf8)

}
