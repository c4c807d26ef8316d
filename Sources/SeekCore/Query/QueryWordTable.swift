/// A query's words and prefixes compiled for scanning a text's UTF-8 bytes: which bytes are token characters, where a
/// query word could begin, and which tokens are query words (the tokenizer itself is in `QueryWordTable+Tokens`). The
/// snippet builder asks these for every byte and every token of a hit's text, so each answer is a table lookup or a
/// comparison in place, with no hashing, no reference counting and no allocation for what does not match.
struct QueryWordTable: Sendable {
    /// Query words and prefixes (folded), back to back; `candidates` says where each one is and
    /// `candidatesByInitial` which of them start with a given byte.
    private let candidateBytes: [UInt8]
    private let candidates: [Candidate]
    private let candidatesByInitial: [Range<Int>]
    /// What each byte value is to the scan (`ByteClass` bits): one lookup answers "token character?", "needs
    /// decoding?" and "can a query word start here?" at once.
    private let byteClasses: [UInt8]
    /// The first and last bytes of each query word or prefix (lowercase), each repeated in the eight bytes of a word:
    /// the lookout for a place where one could begin tests eight bytes of text at a time.
    private let leadingPairs: [EndBytes]
    /// Every term's bit: a window holding all of them is complete.
    let completeMask: UInt64
    /// The end bytes of each candidate, in the same order: the lookout for one of them alone.
    private let candidateEnds: [EndBytes]
    private let foldedTerms: [FoldedTerm]

    struct Candidate {
        var start: Int
        var count: Int
        var isPrefix: Bool
        /// The query term this spelling is, as one bit of a window's coverage (`Buffers.match`).
        var bit: UInt64
    }

    /// A query term in the form a non-ASCII token is compared with (after folding).
    struct FoldedTerm {
        var text: String
        var isPrefix: Bool
        var bit: UInt64
    }

    /// Two bytes of a spelling, `distance` apart: testing both rules out far more places than the first alone (two
    /// leading letters such as `re` or `co` are everywhere in code, a word's first and last letter together are not).
    struct EndBytes: Equatable {
        var first: UInt64
        /// Nil for a one-letter word or prefix.
        var last: UInt64?
        var distance: Int
    }

    enum ByteClass {
        static let asciiToken: UInt8 = 1
        /// A byte of a multi-byte character: whether it is part of a token takes decoding.
        static let nonASCII: UInt8 = 2
        /// An ASCII byte that starts a query word or prefix, in either case.
        static let candidateInitial: UInt8 = 4
        /// The first byte of a three-byte character that folds into no ASCII letter (kana, CJK ideographs, most Hangul
        /// syllables: U+3000-U+9FFF and U+B000-U+DFFF), set only when every query word is ASCII: such a character can begin no
        /// query word, and a token starting with one is none. Chinese, Japanese or Korean text otherwise stopped the
        /// lookout at every character and had each of its tokens folded by Foundation (0.4 ms for one 20 KB page).
        static let foldsToNoASCII: UInt8 = 8
    }

    init(terms: HighlightTerms) {
        // One bit per term: each word, and each distinct prefix (a word and a prefix spelled alike are two terms).
        // Past 64 terms the rest share no bit: they are marked, and a window is complete without them.
        var folded = terms.words.sorted().map { FoldedTerm(text: $0, isPrefix: false, bit: 0) }
        for prefix in terms.prefixes where !folded.contains(where: { $0.isPrefix && $0.text == prefix }) {
            folded.append(FoldedTerm(text: prefix, isPrefix: true, bit: 0))
        }
        folded = folded.filter { !$0.text.isEmpty }
        for index in folded.indices where index < 64 { folded[index].bit = 1 << UInt64(index) }
        foldedTerms = folded
        completeMask = folded.reduce(0) { $0 | $1.bit }
        let spellings = folded.map { (bytes: Array($0.text.utf8), isPrefix: $0.isPrefix, bit: $0.bit) }
            .sorted { $0.bytes[0] < $1.bytes[0] }
        var candidateBytes: [UInt8] = []
        var candidates: [Candidate] = []
        var byInitial = [Range<Int>](repeating: 0..<0, count: 256)
        var pairs: [EndBytes] = []
        for spelling in spellings {
            let initial = Int(spelling.bytes[0])
            if byInitial[initial].isEmpty { byInitial[initial] = candidates.count..<candidates.count }
            candidates.append(
                Candidate(
                    start: candidateBytes.count,
                    count: spelling.bytes.count,
                    isPrefix: spelling.isPrefix,
                    bit: spelling.bit
                )
            )
            candidateBytes += spelling.bytes
            byInitial[initial] = byInitial[initial].lowerBound..<candidates.count
            let pair = Self.endBytes(of: spelling.bytes)
            if !pairs.contains(pair) { pairs.append(pair) }
        }
        self.candidateBytes = candidateBytes
        self.candidates = candidates
        candidatesByInitial = byInitial
        leadingPairs = pairs
        candidateEnds = candidates.map {
            Self.endBytes(of: Array(candidateBytes[$0.start..<($0.start + $0.count)]))
        }
        let asciiWords = candidateBytes.allSatisfy { $0 < 0x80 }
        byteClasses = (0...255).map { value in
            let byte = UInt8(value)
            guard byte < 0x80 else {
                let foreign = asciiWords && ((0xE3...0xE9).contains(byte) || (0xEB...0xED).contains(byte))
                return ByteClass.nonASCII | (foreign ? ByteClass.foldsToNoASCII : 0)
            }
            let token = TextTokens.isASCIITokenCharacter(byte) ? ByteClass.asciiToken : 0
            return token | (byInitial[Int(Buffers.lower(byte))].isEmpty ? 0 : ByteClass.candidateInitial)
        }
    }

    /// With the case bit set, as the lookout sets it in the text's bytes (a non-ASCII last byte included).
    private static func endBytes(of spelling: [UInt8]) -> EndBytes {
        EndBytes(
            first: repeated(spelling[0] | 0x20),
            last: spelling.count > 1 ? repeated(spelling[spelling.count - 1] | 0x20) : nil,
            distance: spelling.count - 1
        )
    }

    /// Calls `body` with the table as buffers, valid only during the call.
    func withBuffers<Result>(_ body: (Buffers) -> Result) -> Result {
        byteClasses.withUnsafeBufferPointer { classes in
            candidateBytes.withUnsafeBufferPointer { candidateBytes in
                candidates.withUnsafeBufferPointer { candidates in
                    candidatesByInitial.withUnsafeBufferPointer { byInitial in
                        leadingPairs.withUnsafeBufferPointer { leadingPairs in
                            candidateEnds.withUnsafeBufferPointer { candidateEnds in
                                body(
                                    Buffers(
                                        foldedTerms: foldedTerms,
                                        completeMask: completeMask,
                                        classes: classes,
                                        candidateBytes: candidateBytes,
                                        candidates: candidates,
                                        candidatesByInitial: byInitial,
                                        leadingPairs: leadingPairs,
                                        candidateEnds: candidateEnds
                                    )
                                )
                            }
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
        let foldedTerms: [FoldedTerm]
        let completeMask: UInt64
        let classes: UnsafeBufferPointer<UInt8>
        let candidateBytes: UnsafeBufferPointer<UInt8>
        let candidates: UnsafeBufferPointer<Candidate>
        let candidatesByInitial: UnsafeBufferPointer<Range<Int>>
        let leadingPairs: UnsafeBufferPointer<EndBytes>
        let candidateEnds: UnsafeBufferPointer<EndBytes>

        /// Whether a token starting with `byte` can be a query word: folding keeps an ASCII first byte ASCII, so
        /// most tokens are ruled out before their bytes are read.
        func mayStartQueryWord(_ byte: UInt8) -> Bool {
            classes[Int(byte)] & (ByteClass.candidateInitial | ByteClass.nonASCII) != 0
        }

        /// The terms a token is (their bits; zero for a term past the 64th), or nil when it is no query word. ASCII
        /// tokens are compared as bytes; others are folded by Foundation.
        func match(_ token: UnsafeBufferPointer<UInt8>) -> UInt64? {
            guard let first = token.first, classes[Int(first)] & ByteClass.foldsToNoASCII == 0 else { return nil }
            var found: UInt64?
            if token.allSatisfy({ $0 < 0x80 }) {
                for index in candidatesByInitial[Int(Self.lower(first))] {
                    let candidate = candidates[index]
                    guard candidate.isPrefix ? token.count >= candidate.count : token.count == candidate.count,
                        spells(candidate, at: 0, in: token)
                    else { continue }
                    found = (found ?? 0) | candidate.bit
                }
                return found
            }
            let folded = TextTokens.fold(String(decoding: token, as: UTF8.self))
            for term in foldedTerms where term.isPrefix ? folded.hasPrefix(term.text) : folded == term.text {
                found = (found ?? 0) | term.bit
            }
            return found
        }

        /// The first offset in `from..<end` where a query word could begin: an ASCII spelling of a word or prefix in
        /// any case (not necessarily at a token's start), or a non-ASCII byte (folding may turn such a token into a
        /// query word) other than a whole character that folds into no ASCII letter (`ByteClass.foldsToNoASCII`);
        /// `end` when there is none. No token before it can match. With an `anchor` (a candidate's
        /// index), only places where that one could begin count.
        func firstPossibleMatch(in bytes: UnsafeBufferPointer<UInt8>, from: Int, end: Int, anchor: Int? = nil) -> Int {
            let pairs = anchor.map { UnsafeBufferPointer(rebasing: candidateEnds[$0...$0]) } ?? leadingPairs
            var offset = from
            while offset < end {
                offset = skipBlocks(in: bytes, from: offset, end: end, pairs: pairs)
                // The bytes of a block that may hold a place, one by one, then back to whole blocks.
                let blockEnd = min(offset + 8, end)
                while offset < blockEnd {
                    let byte = bytes[offset]
                    let byteClass = classes[Int(byte)]
                    if byteClass & ByteClass.nonASCII != 0 {
                        guard byteClass & ByteClass.foldsToNoASCII != 0, offset + 3 <= end,
                            bytes[offset + 1] & 0xC0 == 0x80, bytes[offset + 2] & 0xC0 == 0x80
                        else { return offset }
                        offset += 3
                        continue
                    }
                    if byteClass & ByteClass.candidateInitial != 0 {
                        for index in candidatesByInitial[Int(Self.lower(byte))]
                        where anchor == nil || index == anchor {
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

        /// The candidate to hunt complete windows by: the term whose first spelling in the sampled bytes (the text's
        /// first bytes, ASCII case folded) comes last, or one they lack (the longest of those); nil without terms. Any
        /// term would do, since every complete window holds each one, but a rare one leaves few places to tokenize
        /// around (in a file about TCP, `tcp_v4_rcv` is best hunted by `v4`), and the last to appear is likely the
        /// rarest.
        func anchor(_ sightings: TermSightings) -> Int? {
            if sightings.unseen == 0 { return sightings.last }
            return candidates.indices.filter { candidates[$0].bit & sightings.unseen != 0 }.max {
                candidates[$0].count < candidates[$1].count
            }
        }

        /// Walks the places where terms are spelled in `bytes`, in order, until every term was seen.
        func sightings(in bytes: UnsafeBufferPointer<UInt8>) -> TermSightings {
            var unseen = completeMask
            var last: Int?
            var passedNonASCII = false
            var offset = firstPossibleMatch(in: bytes, from: 0, end: bytes.count)
            while offset < bytes.count && unseen != 0 {
                if classes[Int(bytes[offset])] & ByteClass.nonASCII != 0 { passedNonASCII = true }
                for index in candidatesByInitial[Int(Self.lower(bytes[offset]))] {
                    let candidate = candidates[index]
                    guard candidate.bit & unseen != 0, offset + candidate.count <= bytes.count,
                        spells(candidate, at: offset, in: bytes)
                    else { continue }
                    unseen &= ~candidate.bit
                    last = index
                }
                offset = firstPossibleMatch(in: bytes, from: offset + 1, end: bytes.count)
            }
            return TermSightings(unseen: unseen, last: last, passedNonASCII: passedNonASCII)
        }

        /// Skips eight bytes at a time while they hold no non-ASCII byte and no place where the first and last bytes
        /// of a query word (ASCII case folded) could stand; returns where that stops.
        private func skipBlocks(
            in bytes: UnsafeBufferPointer<UInt8>,
            from: Int,
            end: Int,
            pairs: UnsafeBufferPointer<EndBytes>
        ) -> Int {
            guard let base = bytes.baseAddress else { return from }
            let raw = UnsafeRawPointer(base)
            // The last bytes of the places in a block are read as one word too.
            let reach = 8 + max(1, pairs.reduce(0) { max($0, $1.distance) })
            var offset = from
            while offset + reach <= end {
                let block = raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                if block & Self.highBits != 0 { break }
                let folded = block | Self.caseBits
                var possible: UInt64 = 0
                for pair in pairs {
                    var both = Self.zeroBytes(folded ^ pair.first)
                    if let last = pair.last {
                        let lasts = raw.loadUnaligned(fromByteOffset: offset + pair.distance, as: UInt64.self)
                        both &= Self.zeroBytes((lasts | Self.caseBits) ^ last)
                    }
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
