/// A query's words and prefixes compiled for scanning a text's UTF-8 bytes: which bytes are token characters, where a
/// query word could begin, and which tokens are query words (the tokenizer itself is in `QueryWordTable+Tokens`). The snippet builder asks these for every byte and every
/// token of a hit's text, so each answer is a table lookup or a comparison in place, with no hashing, no reference
/// counting and no allocation for what does not match.
struct QueryWordTable: Sendable {
    let terms: HighlightTerms
    /// Query words and prefixes (folded), back to back; `candidates` says where each one is and
    /// `candidatesByInitial` which of them start with a given byte.
    private let candidateBytes: [UInt8]
    private let candidates: [Candidate]
    private let candidatesByInitial: [Range<Int>]
    /// What each byte value is to the scan (`ByteClass` bits): one lookup answers "token character?", "needs
    /// decoding?" and "can a query word start here?" at once.
    private let byteClasses: [UInt8]
    /// The first two bytes of each query word or prefix (lowercase), each repeated in the eight bytes of a word: the
    /// lookout for a place where one could begin tests eight bytes of text at a time.
    private let leadingPairs: [LeadingPair]

    struct Candidate {
        var start: Int
        var count: Int
        var isPrefix: Bool
    }

    struct LeadingPair: Equatable {
        var first: UInt64
        /// Nil for a one-letter word or prefix.
        var second: UInt64?
    }

    enum ByteClass {
        static let asciiToken: UInt8 = 1
        /// A byte of a multi-byte character: whether it is part of a token takes decoding.
        static let nonASCII: UInt8 = 2
        /// An ASCII byte that starts a query word or prefix, in either case.
        static let candidateInitial: UInt8 = 4
    }

    init(terms: HighlightTerms) {
        self.terms = terms
        let spellings = (terms.words.map { ($0, false) } + terms.prefixes.map { ($0, true) }).map {
            (bytes: Array($0.0.utf8), isPrefix: $0.1)
        }.filter { !$0.bytes.isEmpty }.sorted { $0.bytes[0] < $1.bytes[0] }
        var candidateBytes: [UInt8] = []
        var candidates: [Candidate] = []
        var byInitial = [Range<Int>](repeating: 0..<0, count: 256)
        var pairs: [LeadingPair] = []
        for spelling in spellings {
            let initial = Int(spelling.bytes[0])
            if byInitial[initial].isEmpty { byInitial[initial] = candidates.count..<candidates.count }
            candidates.append(
                Candidate(start: candidateBytes.count, count: spelling.bytes.count, isPrefix: spelling.isPrefix)
            )
            candidateBytes += spelling.bytes
            byInitial[initial] = byInitial[initial].lowerBound..<candidates.count
            let pair = LeadingPair(
                first: Self.repeated(spelling.bytes[0]),
                second: spelling.bytes.count > 1 ? Self.repeated(spelling.bytes[1]) : nil
            )
            if !pairs.contains(pair) { pairs.append(pair) }
        }
        self.candidateBytes = candidateBytes
        self.candidates = candidates
        candidatesByInitial = byInitial
        leadingPairs = pairs
        byteClasses = (0...255).map { value in
            let byte = UInt8(value)
            guard byte < 0x80 else { return ByteClass.nonASCII }
            let token = TextTokens.isASCIITokenCharacter(byte) ? ByteClass.asciiToken : 0
            return token | (byInitial[Int(Buffers.lower(byte))].isEmpty ? 0 : ByteClass.candidateInitial)
        }
    }

    /// Calls `body` with the table as buffers, valid only during the call.
    func withBuffers<Result>(_ body: (Buffers) -> Result) -> Result {
        byteClasses.withUnsafeBufferPointer { classes in
            candidateBytes.withUnsafeBufferPointer { candidateBytes in
                candidates.withUnsafeBufferPointer { candidates in
                    candidatesByInitial.withUnsafeBufferPointer { byInitial in
                        leadingPairs.withUnsafeBufferPointer { leadingPairs in
                            body(
                                Buffers(
                                    terms: terms,
                                    classes: classes,
                                    candidateBytes: candidateBytes,
                                    candidates: candidates,
                                    candidatesByInitial: byInitial,
                                    leadingPairs: leadingPairs
                                )
                            )
                        }
                    }
                }
            }
        }
    }

    /// `byte` in each of the eight bytes of a word.
    private static func repeated(_ byte: UInt8) -> UInt64 {
        UInt64(byte) &* 0x0101_0101_0101_0101
    }

    /// The table for the length of one scan. Offsets are byte offsets into the text scanned.
    struct Buffers {
        let terms: HighlightTerms
        let classes: UnsafeBufferPointer<UInt8>
        let candidateBytes: UnsafeBufferPointer<UInt8>
        let candidates: UnsafeBufferPointer<Candidate>
        let candidatesByInitial: UnsafeBufferPointer<Range<Int>>
        let leadingPairs: UnsafeBufferPointer<LeadingPair>

        /// Whether a token starting with `byte` can be a query word: folding keeps an ASCII first byte ASCII, so
        /// most tokens are ruled out before their bytes are read.
        func mayStartQueryWord(_ byte: UInt8) -> Bool {
            classes[Int(byte)] & (ByteClass.candidateInitial | ByteClass.nonASCII) != 0
        }

        /// The folded word a token is, or nil when it is no query word. ASCII tokens are compared as bytes; others
        /// are folded by Foundation.
        func match(_ token: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
            guard let first = token.first else { return nil }
            if token.allSatisfy({ $0 < 0x80 }) {
                for index in candidatesByInitial[Int(Self.lower(first))] {
                    let candidate = candidates[index]
                    guard candidate.isPrefix ? token.count >= candidate.count : token.count == candidate.count,
                        spells(candidate, at: 0, in: token)
                    else { continue }
                    return token.map(Self.lower)
                }
                return nil
            }
            let folded = TextTokens.fold(String(decoding: token, as: UTF8.self))
            return terms.matches(folded) ? Array(folded.utf8) : nil
        }

        /// The first offset in `from..<end` where a query word could begin: an ASCII spelling of a word or prefix in
        /// any case (not necessarily at a token's start), or any non-ASCII byte (folding may turn such a token into a
        /// query word); `end` when there is none. No token before it can match.
        func firstPossibleMatch(in bytes: UnsafeBufferPointer<UInt8>, from: Int, end: Int) -> Int {
            var offset = from
            while offset < end {
                offset = skipBlocks(in: bytes, from: offset, end: end)
                // The bytes of a block that may hold a place, one by one, then back to whole blocks.
                let blockEnd = min(offset + 8, end)
                while offset < blockEnd {
                    let byte = bytes[offset]
                    let byteClass = classes[Int(byte)]
                    if byteClass & ByteClass.nonASCII != 0 { return offset }
                    if byteClass & ByteClass.candidateInitial != 0 {
                        for index in candidatesByInitial[Int(Self.lower(byte))] {
                            let candidate = candidates[index]
                            if offset + candidate.count <= end && spells(candidate, at: offset, in: bytes) {
                                return offset
                            }
                        }
                    }
                    offset += 1
                }
            }
            return end
        }

        /// Whether every query word and prefix could occur in `bytes`: each is spelled somewhere (ASCII case folded),
        /// or a non-ASCII byte makes that a question of folding (counted as yes).
        func mayHoldEveryWord(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
            // One bit per word or prefix; past 64 of them, only the first 64 are looked for (a hint may say yes
            // more often than it should).
            var unseen: UInt64 = candidates.count >= 64 ? .max : (1 << candidates.count) - 1
            var offset = firstPossibleMatch(in: bytes, from: 0, end: bytes.count)
            while offset < bytes.count && unseen != 0 {
                if classes[Int(bytes[offset])] & ByteClass.nonASCII != 0 { return true }
                for index in candidatesByInitial[Int(Self.lower(bytes[offset]))] where index < 64 {
                    let candidate = candidates[index]
                    if offset + candidate.count <= bytes.count && spells(candidate, at: offset, in: bytes) {
                        unseen &= ~(1 << index)
                    }
                }
                offset = firstPossibleMatch(in: bytes, from: offset + 1, end: bytes.count)
            }
            return unseen == 0
        }

        /// Skips eight bytes at a time while they hold no non-ASCII byte and no place where the first two bytes of a
        /// query word (ASCII case folded) could stand; returns where that stops.
        private func skipBlocks(in bytes: UnsafeBufferPointer<UInt8>, from: Int, end: Int) -> Int {
            guard let base = bytes.baseAddress else { return from }
            let raw = UnsafeRawPointer(base)
            var offset = from
            while offset + 9 <= end {
                let block = raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                if block & Self.highBits != 0 { break }
                let folded = block | Self.caseBits
                let next = raw.loadUnaligned(fromByteOffset: offset + 1, as: UInt64.self) | Self.caseBits
                var possible: UInt64 = 0
                for pair in leadingPairs {
                    var both = Self.zeroBytes(folded ^ pair.first)
                    if let second = pair.second { both &= Self.zeroBytes(next ^ second) }
                    possible |= both
                }
                if possible != 0 { break }
                offset += 8
            }
            return offset
        }

        /// Whether `bytes` spell `candidate` at `offset` (ASCII case folded); the caller checks they are long enough.
        private func spells(_ candidate: Candidate, at offset: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
            for index in 0..<candidate.count
            where Self.lower(bytes[offset + index]) != candidateBytes[candidate.start + index] {
                return false
            }
            return true
        }

        static func lower(_ byte: UInt8) -> UInt8 {
            byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
        }

        private static let highBits: UInt64 = 0x8080_8080_8080_8080
        private static let caseBits: UInt64 = 0x2020_2020_2020_2020

        /// The high bit of every byte of `word` that is zero (and maybe of some bytes above a zero one: the filter
        /// may let through more than it should, never less).
        private static func zeroBytes(_ word: UInt64) -> UInt64 {
            (word &- 0x0101_0101_0101_0101) & ~word & highBits
        }

    }
}
