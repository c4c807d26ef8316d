/// Builds a snippet in Swift from a hit's text: the window of about `windowTokens` words holding the most distinct
/// query words, matches wrapped in the markers. FTS5's `snippet()` was measured at 0.3 s for one 60 KB file with
/// thousands of prefix matches, inside one SQLite call that `sqlite3_interrupt` cannot stop; this is one bounded
/// scan of the text's UTF-8 bytes that stops as soon as a window holds every query word.
package struct SnippetBuilder: Sendable {
    package var terms: HighlightTerms
    package var open: String
    package var close: String
    package var windowTokens = 16
    /// Only the first this many matches compete for the window: enough to find a good one, bounded for huge files.
    static let candidateLimit = 64
    /// Matches are looked for in this many leading bytes; a file matching only later shows its start.
    package static let scanLimit = 128 << 10

    /// Query words and prefixes by their first byte: asked for every token of the text, so a lookup by byte and an
    /// in-place comparison, with no hashing and no allocation for the tokens that do not match.
    private let candidatesByInitial: [[(bytes: [UInt8], isPrefix: Bool)]]
    /// What each byte value is to the scan (`ByteClass` bits). The scan runs once per byte of every hit's text, so
    /// one table lookup answers "token character?", "needs decoding?" and "can a query word start here?" at once.
    private let byteClasses: [UInt8]

    private enum ByteClass {
        static let asciiToken: UInt8 = 1
        /// A byte of a multi-byte character: whether it is part of a token takes decoding.
        static let nonASCII: UInt8 = 2
        /// An ASCII byte that starts a query word or prefix, in either case.
        static let candidateInitial: UInt8 = 4
    }

    package init(terms: HighlightTerms, open: String, close: String) {
        self.terms = terms
        self.open = open
        self.close = close
        var candidates = [[(bytes: [UInt8], isPrefix: Bool)]](repeating: [], count: 256)
        for (term, isPrefix) in terms.words.map({ ($0, false) }) + terms.prefixes.map({ ($0, true) }) {
            let bytes = Array(term.utf8)
            if let first = bytes.first { candidates[Int(first)].append((bytes, isPrefix)) }
        }
        candidatesByInitial = candidates
        byteClasses = (0...255).map { value in
            let byte = UInt8(value)
            guard byte < 0x80 else { return ByteClass.nonASCII }
            let token = TextTokens.isASCIITokenCharacter(byte) ? ByteClass.asciiToken : 0
            return token | (candidates[Int(Self.lower(byte))].isEmpty ? 0 : ByteClass.candidateInitial)
        }
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

    /// The snippet of the first bytes of a longer text, or nil when it depends on what follows them: the scan
    /// reached their end before it could stop. A non-nil answer is exactly what the whole text gives, so a caller
    /// can read a short prefix first and the rest only for the rare hit whose matches lie further in.
    package func snippet(ofPrefix bytes: [UInt8]) -> String? {
        bytes.withUnsafeBufferPointer { snippet(of: $0, isWhole: false) }
    }

    private func snippet(of bytes: UnsafeBufferPointer<UInt8>, isWhole: Bool) -> String? {
        let scanned = min(bytes.count, Self.scanLimit)
        guard skipsAhead, !terms.isEmpty else {
            return scan(bytes, from: 0, tokensSkipped: false, isWhole: isWhole).snippet
        }
        let origin = byteClasses.withUnsafeBufferPointer { firstPossibleMatch(in: bytes, end: scanned, $0) }
        if origin == scanned {
            // No query word occurs: the snippet is the text's start, and a prefix says nothing about what follows.
            if !isWhole && scanned < Self.scanLimit { return nil }
            return scan(bytes, from: 0, tokensSkipped: false, isWhole: isWhole, stopAfter: windowTokens + 1).snippet
        }
        if let restart = byteClasses.withUnsafeBufferPointer({ Self.restartPoint(before: origin, in: bytes, $0) }) {
            let outcome = scan(bytes, from: restart.offset, tokensSkipped: restart.tokensSkipped, isWhole: isWhole)
            if outcome != .needsEarlierTokens { return outcome.snippet }
        }
        return scan(bytes, from: 0, tokensSkipped: false, isWhole: isWhole).snippet
    }

    /// Whether the scan may start near the first place a query word can occur instead of at the text's start. Always
    /// on, except in tests that compare the two.
    package var skipsAhead = true

    private enum ScanOutcome: Equatable {
        case snippet(String)
        /// A prefix of a text whose snippet depends on what follows it.
        case needsMoreText
        /// A scan started after the text's start would have to shift its window onto tokens it skipped.
        case needsEarlierTokens

        var snippet: String? {
            if case .snippet(let text) = self { return text }
            return nil
        }
    }

    /// Tokenizes from byte `first` (the text's start, or a place where no token is cut: after an ASCII separator) and
    /// picks the window. Window positions count tokens from `first`: only their differences matter, except that a
    /// window starting at the first token shows `…` before it when `tokensSkipped`, and that one shifted back to stay
    /// full may not reach before `first` when tokens were skipped.
    private func scan(
        _ bytes: UnsafeBufferPointer<UInt8>,
        from first: Int,
        tokensSkipped: Bool,
        isWhole: Bool,
        stopAfter: Int? = nil
    ) -> ScanOutcome {
        let scanned = min(bytes.count, Self.scanLimit)
        var tokens: [Range<Int>] = []
        tokens.reserveCapacity(min((scanned - first) / 6, Self.candidateLimit * windowTokens))
        var matched: [Int] = []
        var words: [Int: [UInt8]] = [:]
        // Once a window holds every query word (it cannot be beaten) or enough candidates were seen, only the tokens
        // that can still fall inside the chosen window are read, and matched so every match there is marked.
        var scanEnd = stopAfter ?? (terms.isEmpty ? windowTokens : Int.max)
        var cursor = first
        byteClasses.withUnsafeBufferPointer { classes in
            while tokens.count < scanEnd, let token = Self.nextToken(in: bytes, from: &cursor, end: scanned, classes) {
                tokens.append(token)
                let initial = classes[Int(bytes[token.lowerBound])]
                guard initial & (ByteClass.candidateInitial | ByteClass.nonASCII) != 0,
                    let word = match(UnsafeBufferPointer(rebasing: bytes[token]))
                else { continue }
                let index = tokens.count - 1
                matched.append(index)
                words[index] = word
                guard scanEnd == Int.max else { continue }
                let windowStart = index - windowTokens + 3
                let complete =
                    Set(matched.lazy.filter { $0 >= windowStart }.compactMap { words[$0] }).count >= terms.count
                if complete || matched.count >= Self.candidateLimit { scanEnd = index + windowTokens + 1 }
            }
        }
        // Ran out of bytes, or stopped on a token that touches their end (the text may go on with more of it).
        if !isWhole && scanned < Self.scanLimit && (tokens.count < scanEnd || cursor >= scanned) {
            return .needsMoreText
        }
        // Without a match the window is the text's start (a non-ASCII byte, which may have started the scan, may fold
        // into no query word).
        if tokensSkipped && matched.isEmpty { return .needsEarlierTokens }
        guard !tokens.isEmpty else { return .snippet("") }
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
        // A window near the end shifts back to stay full, when the whole text was tokenized.
        let reachedEnd = cursor >= bytes.count
        if reachedEnd {
            if tokensSkipped && tokens.count < windowTokens { return .needsEarlierTokens }
            start = max(0, min(start, tokens.count - windowTokens))
        }
        let end = min(tokens.count, start + windowTokens)
        let highlighted = Set(matched)
        var output = start > 0 || tokensSkipped ? "…" : ""
        var position = tokens[start].lowerBound
        for index in start..<end {
            let token = tokens[index]
            output += Self.string(bytes, position..<token.lowerBound)
            let word = Self.string(bytes, token)
            output += highlighted.contains(index) ? open + word + close : word
            position = token.upperBound
        }
        output += end == tokens.count && reachedEnd ? Self.string(bytes, position..<bytes.count) : "…"
        return .snippet(output)
    }

    /// The first byte offset before `end` where a query word could begin: an ASCII spelling of a word or prefix in
    /// any case (not necessarily at a token's start), or any non-ASCII byte (folding may turn such a token into a
    /// query word); `end` when there is none. No token before it can match, so the scan need not tokenize them.
    private func firstPossibleMatch(
        in bytes: UnsafeBufferPointer<UInt8>,
        end: Int,
        _ classes: UnsafeBufferPointer<UInt8>
    ) -> Int {
        var offset = 0
        while offset < end {
            let byteClass = classes[Int(bytes[offset])]
            if byteClass & (ByteClass.candidateInitial | ByteClass.nonASCII) == 0 {
                offset += 1
                continue
            }
            if byteClass & ByteClass.nonASCII != 0 { return offset }
            for candidate in candidatesByInitial[Int(Self.lower(bytes[offset]))]
            where offset + candidate.bytes.count <= end {
                var equal = true
                for (index, byte) in candidate.bytes.enumerated() where Self.lower(bytes[offset + index]) != byte {
                    equal = false
                    break
                }
                if equal { return offset }
            }
            offset += 1
        }
        return end
    }

    /// Where a scan can start so that at least two whole tokens precede the token at `origin`: just after an ASCII
    /// separator with three token starts between it and `origin`, found walking back over ASCII bytes only. Nil when
    /// the walk meets a non-ASCII byte or the text's start first (the scan then starts at the text's start).
    /// `tokensSkipped` says whether any token lies before that place.
    private static func restartPoint(
        before origin: Int,
        in bytes: UnsafeBufferPointer<UInt8>,
        _ classes: UnsafeBufferPointer<UInt8>
    ) -> (offset: Int, tokensSkipped: Bool)? {
        var tokenStarts = 0
        var offset = origin - 1
        while offset > 0 {
            let byteClass = classes[Int(bytes[offset - 1])]
            if byteClass & ByteClass.nonASCII != 0 { return nil }
            let current = classes[Int(bytes[offset])]
            if current & ByteClass.nonASCII != 0 { return nil }
            if byteClass & ByteClass.asciiToken == 0 && current & ByteClass.asciiToken != 0 {
                tokenStarts += 1
                if tokenStarts == 3 { break }
            }
            offset -= 1
        }
        guard tokenStarts == 3 else { return nil }
        var before = offset - 1
        while before >= 0 {
            let byteClass = classes[Int(bytes[before])]
            if byteClass & ByteClass.nonASCII != 0 { return nil }
            if byteClass & ByteClass.asciiToken != 0 { return (offset, true) }
            before -= 1
        }
        return (offset, false)
    }

    /// The folded word a token matches, or nil. ASCII tokens are compared as bytes; others are folded by Foundation.
    /// Asked only for tokens that start with a `candidateInitial` or a non-ASCII byte: folding keeps an ASCII first
    /// byte ASCII, so the scan rules out most tokens by their first byte before their bytes are read.
    private func match(_ token: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard let first = token.first else { return nil }
        let candidates = first < 0x80 ? candidatesByInitial[Int(Self.lower(first))] : []
        if token.allSatisfy({ $0 < 0x80 }) {
            for candidate in candidates {
                let length = candidate.bytes.count
                guard candidate.isPrefix ? token.count >= length : token.count == length else { continue }
                var equal = true
                for offset in 0..<length where Self.lower(token[offset]) != candidate.bytes[offset] {
                    equal = false
                    break
                }
                if equal { return token.map(Self.lower) }
            }
            return nil
        }
        let folded = TextTokens.fold(String(decoding: token, as: UTF8.self))
        return terms.matches(folded) ? Array(folded.utf8) : nil
    }

    private static func lower(_ byte: UInt8) -> UInt8 {
        byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
    }

    private static func string(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    /// The next token at or after `cursor` (byte offsets), as unicode61 sees tokens; nil at `end`. ASCII bytes (most
    /// text) are classified by one table lookup each, in a loop of their own for separators and for token characters.
    private static func nextToken(
        in bytes: UnsafeBufferPointer<UInt8>,
        from cursor: inout Int,
        end: Int,
        _ classes: UnsafeBufferPointer<UInt8>
    ) -> Range<Int>? {
        var start = -1
        while cursor < end {
            let byteClass = classes[Int(bytes[cursor])]
            if byteClass & ByteClass.asciiToken != 0 {
                start = cursor
                cursor += 1
                break
            }
            if byteClass & ByteClass.nonASCII == 0 {
                cursor += 1
                continue
            }
            let (scalar, length) = decode(bytes, at: cursor)
            if TextTokens.isTokenScalar(scalar) { start = cursor }
            cursor += length
            if start >= 0 { break }
        }
        guard start >= 0 else { return nil }
        while cursor < end {
            let byteClass = classes[Int(bytes[cursor])]
            if byteClass & ByteClass.asciiToken != 0 {
                cursor += 1
                continue
            }
            if byteClass & ByteClass.nonASCII == 0 { return start..<cursor }
            let (scalar, length) = decode(bytes, at: cursor)
            // Combining marks belong to the token they follow (the tokenizer drops them with the diacritics).
            guard TextTokens.isTokenScalar(scalar) || scalar.properties.generalCategory == .nonspacingMark else {
                return start..<cursor
            }
            cursor += length
        }
        return start..<min(cursor, end)
    }

    /// Decodes one scalar of valid UTF-8 (the text came from a Swift string), with its length in bytes.
    private static func decode(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> (Unicode.Scalar, Int) {
        let lead = bytes[index]
        if lead < 0x80 { return (Unicode.Scalar(lead), 1) }
        let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2
        guard index + length <= bytes.count else { return (Unicode.Scalar(0xFFFD)!, 1) }
        var value = UInt32(lead) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
        for offset in 1..<length { value = value << 6 | UInt32(bytes[index + offset] & 0x3F) }
        return (Unicode.Scalar(value) ?? Unicode.Scalar(0xFFFD)!, length)
    }
}
