/// One pattern line of an ignore file, compiled.
///
/// The semantics are those of `man gitignore` as implemented by git's `wildmatch` with `WM_PATHNAME`: matching is
/// byte-wise and case-sensitive, `*`, `?` and bracket expressions never match `/`, and `**` is special only as a whole
/// path segment. Compilation splits the pattern into per-component segments once, so matching needs no allocation
/// and, because each `*` and `**` only ever backtracks to its latest occurrence, runs in polynomial time.
///
/// One deliberate difference from git: in `foo**/bar` git treats `**` as a globstar (an artefact of its literal-prefix
/// optimisation), whereas this follows the manual (and ripgrep) and treats it as a plain `*`.
package struct IgnoreRule: Sendable, Equatable {
    /// The line as written (trailing unescaped spaces trimmed), lossily decoded for display.
    package let pattern: String
    /// 1-based line number in its file.
    package let line: Int
    /// Whether the line started with `!`, so that a match re-includes the path.
    package let isNegation: Bool
    /// Whether the line ended with `/`, so that only directories match.
    package let isDirectoryOnly: Bool
    private let matcher: Matcher

    /// Parses one line; nil for blank lines and comments.
    ///
    /// A single trailing carriage return is dropped so that CRLF files work; the caller strips a byte-order mark.
    package init?(line: some Collection<UInt8>, number: Int) {
        var bytes = Array(line)
        if bytes.last == Self.carriageReturn {
            bytes.removeLast()
        }
        // git tests for a comment before trimming, so " #x" is a pattern.
        guard let first = bytes.first, first != Self.hash else {
            return nil
        }
        bytes.removeLast(bytes.count - Self.lengthWithoutTrailingSpaces(bytes))
        guard !bytes.isEmpty else {
            return nil
        }
        pattern = String(decoding: bytes, as: UTF8.self)
        self.line = number
        var body = bytes[...]
        isNegation = body.first == Self.bang
        if isNegation {
            body.removeFirst()
        }
        // Only one slash is removed: git does the same, which leaves "foo//" unable to match anything.
        isDirectoryOnly = body.last == Self.slash
        if isDirectoryOnly {
            body.removeLast()
        }
        matcher = Matcher(compiling: body)
    }

    /// Whether this pattern matches `relativePath` (bytes, "/"-separated, relative to the directory holding the ignore
    /// file, no leading "/").
    ///
    /// Only the path itself is tested, not its parent directories.
    package func matches(relativePath: some Collection<UInt8>, isDirectory: Bool) -> Bool {
        Self.withContiguousBytes(relativePath) { bytes in
            matches(Subject(bytes: bytes, start: 0), isDirectory: isDirectory)
        }
    }

    func matches(_ subject: Subject, isDirectory: Bool) -> Bool {
        if isDirectoryOnly && !isDirectory {
            return false
        }
        // The directory holding the ignore file is never matched by its own patterns.
        guard subject.start < subject.bytes.count else {
            return false
        }
        return matcher.matches(subject)
    }

    /// Runs `body` on the bytes without copying when the collection already has contiguous storage (arrays, slices),
    /// which is the common case on the crawl's hot path.
    static func withContiguousBytes<R>(
        _ bytes: some Collection<UInt8>,
        _ body: (UnsafeBufferPointer<UInt8>) -> R
    ) -> R {
        if let result = bytes.withContiguousStorageIfAvailable(body) {
            return result
        }
        return Array(bytes).withUnsafeBufferPointer(body)
    }

    /// git's `trim_trailing_spaces`: spaces (not tabs) go unless the first of them is escaped; a line ending in a lone
    /// backslash is kept whole.
    private static func lengthWithoutTrailingSpaces(_ bytes: [UInt8]) -> Int {
        var firstTrailingSpace: Int?
        var index = 0
        while index < bytes.count {
            switch bytes[index] {
            case space:
                if firstTrailingSpace == nil {
                    firstTrailingSpace = index
                }
            case backslash:
                index += 1
                if index == bytes.count {
                    return bytes.count
                }
                firstTrailingSpace = nil
            default:
                firstTrailingSpace = nil
            }
            index += 1
        }
        return firstTrailingSpace ?? bytes.count
    }

    static let slash = UInt8(ascii: "/")
    static let backslash = UInt8(ascii: "\\")
    static let newline = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")
    private static let space = UInt8(ascii: " ")
    private static let hash = UInt8(ascii: "#")
    private static let bang = UInt8(ascii: "!")
    private static let caret = UInt8(ascii: "^")
    private static let star = UInt8(ascii: "*")
    private static let question = UInt8(ascii: "?")
    private static let openBracket = UInt8(ascii: "[")
    private static let closeBracket = UInt8(ascii: "]")
    private static let colon = UInt8(ascii: ":")
    private static let dash = UInt8(ascii: "-")
}

extension IgnoreRule {
    /// A path prepared once for all the rules that test it: `bytes[start...]` is the path relative to the ignore
    /// file's directory and `bytes[basenameStart...]` its last component.
    struct Subject {
        let bytes: UnsafeBufferPointer<UInt8>
        let start: Int
        let basenameStart: Int

        init(bytes: UnsafeBufferPointer<UInt8>, start: Int, basenameStart: Int) {
            self.bytes = bytes
            self.start = start
            self.basenameStart = basenameStart
        }

        init(bytes: UnsafeBufferPointer<UInt8>, start: Int) {
            var index = bytes.count
            while index > start && bytes[index - 1] != IgnoreRule.slash {
                index -= 1
            }
            self.init(bytes: bytes, start: start, basenameStart: index)
        }
    }

    /// The compiled form of a pattern body (without `!` and trailing `/`).
    private enum Matcher: Sendable, Equatable {
        /// Malformed patterns (an unclosed `[`, an unknown `[:class:]`, a trailing lone `\`) never match in git.
        case never
        /// Patterns without a slash are tested against the last path component at any depth.
        case basename(Segment)
        /// Anchored patterns without wildcards, the segments joined by "/".
        case exactPath([UInt8])
        /// Anchored patterns, one segment per path component except `**`, which spans any number.
        case path([Segment])

        init(compiling body: ArraySlice<UInt8>) {
            // A slash anywhere but at the end (already removed) anchors, even escaped or inside brackets, as in git.
            let isAnchored = body.contains(IgnoreRule.slash)
            var body = body
            if isAnchored && body.first == IgnoreRule.slash {
                body.removeFirst()
            }
            guard !body.isEmpty, let rawSegments = Self.tokenize(body) else {
                self = .never
                return
            }
            guard isAnchored else {
                self = .basename(Segment(rawSegments[0].tokens, allowsGlobstar: false))
                return
            }
            var segments: [Segment] = []
            for (index, raw) in rawSegments.enumerated() {
                let segment = Segment(raw.tokens, allowsGlobstar: true)
                // A trailing "/**" needs at least one component: "a/**" matches inside "a" but not "a" itself.
                // git also skips its zero-directory shortcut when "**" is followed by an escaped slash.
                if segment == .globstar && (index == rawSegments.count - 1 || raw.endsWithEscapedSlash) {
                    segments.append(.anyName)
                }
                segments.append(segment)
            }
            var literalPath: [UInt8] = []
            for (index, segment) in segments.enumerated() {
                guard case .literal(let name) = segment else {
                    self = .path(segments)
                    return
                }
                if index > 0 {
                    literalPath.append(IgnoreRule.slash)
                }
                literalPath += name
            }
            self = .exactPath(literalPath)
        }

        func matches(_ subject: Subject) -> Bool {
            let bytes = subject.bytes
            switch self {
            case .never:
                return false
            case .basename(let segment):
                return segment.matches(bytes, subject.basenameStart, bytes.count)
            case .exactPath(let literal):
                return Segment.equal(bytes, subject.start, bytes.count, literal)
            case .path(let segments):
                return Self.matchPath(segments, bytes, from: subject.start)
            }
        }

        /// Wildcard matching one level up: components play the part of characters and `**` that of `*`, so the
        /// classic single-backtrack-point algorithm applies and stays O(segments × components).
        private static func matchPath(
            _ segments: [Segment],
            _ bytes: UnsafeBufferPointer<UInt8>,
            from start: Int
        ) -> Bool {
            // `position` is the start of the next unmatched component; `end` means every component is consumed.
            let end = bytes.count + 1
            var segmentIndex = 0
            var position = start
            var globstarIndex = -1
            var globstarPosition = start
            while true {
                if segmentIndex < segments.count {
                    let segment = segments[segmentIndex]
                    if case .globstar = segment {
                        globstarIndex = segmentIndex
                        globstarPosition = position
                        segmentIndex += 1
                        continue
                    }
                    if position < end {
                        let componentEnd = Self.componentEnd(bytes, from: position)
                        if segment.matches(bytes, position, componentEnd) {
                            segmentIndex += 1
                            position = componentEnd + 1
                            continue
                        }
                    }
                } else if position == end {
                    return true
                }
                guard globstarIndex >= 0, globstarPosition < end else {
                    return false
                }
                globstarPosition = Self.componentEnd(bytes, from: globstarPosition) + 1
                position = globstarPosition
                segmentIndex = globstarIndex + 1
            }
        }

        private static func componentEnd(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
            var index = start
            while index < bytes.count && bytes[index] != IgnoreRule.slash {
                index += 1
            }
            return index
        }

        /// Splits the body at unescaped and escaped slashes (but not at slashes inside brackets, which git reads as
        /// set members); nil when git's matcher would abort.
        private static func tokenize(_ body: ArraySlice<UInt8>) -> [RawSegment]? {
            var segments: [RawSegment] = []
            var current: [RawToken] = []
            var index = body.startIndex
            while index < body.endIndex {
                let byte = body[index]
                switch byte {
                case IgnoreRule.backslash:
                    index += 1
                    guard index < body.endIndex else {
                        return nil
                    }
                    if body[index] == IgnoreRule.slash {
                        segments.append(RawSegment(tokens: current, endsWithEscapedSlash: true))
                        current = []
                    } else {
                        current.append(.byte(body[index]))
                    }
                    index += 1
                case IgnoreRule.slash:
                    segments.append(RawSegment(tokens: current, endsWithEscapedSlash: false))
                    current = []
                    index += 1
                case IgnoreRule.question:
                    current.append(.anyByte)
                    index += 1
                case IgnoreRule.star:
                    var count = 0
                    while index < body.endIndex && body[index] == IgnoreRule.star {
                        count += 1
                        index += 1
                    }
                    current.append(.stars(count))
                case IgnoreRule.openBracket:
                    guard let (set, next) = Self.parseBracket(body, openingAt: index) else {
                        return nil
                    }
                    current.append(.set(set))
                    index = next
                default:
                    current.append(.byte(byte))
                    index += 1
                }
            }
            segments.append(RawSegment(tokens: current, endsWithEscapedSlash: false))
            return segments
        }

        /// A transcription of the bracket branch of git's `dowild`, quirks included: a `]` right after `[` or `[!` is
        /// a member, `-` is literal first, last or right after a range, and `[:name:]` classes use git's ASCII ctype.
        /// Returns the set and the index after the closing `]`.
        private static func parseBracket(
            _ body: ArraySlice<UInt8>,
            openingAt open: Int
        ) -> (ByteSet, Int)? {
            var index = open + 1
            guard index < body.endIndex else {
                return nil
            }
            var isNegated = false
            if body[index] == IgnoreRule.bang || body[index] == IgnoreRule.caret {
                isNegated = true
                index += 1
                guard index < body.endIndex else {
                    return nil
                }
            }
            var set = ByteSet()
            // git keeps 0 here after a range or a class so that a following "-" is literal.
            var previous: UInt8? = nil
            repeat {
                var byte: UInt8? = body[index]
                if byte == IgnoreRule.backslash {
                    index += 1
                    guard index < body.endIndex else {
                        return nil
                    }
                    byte = body[index]
                    set.insert(body[index])
                } else if byte == IgnoreRule.dash, let low = previous, index + 1 < body.endIndex,
                    body[index + 1] != IgnoreRule.closeBracket
                {
                    index += 1
                    var high = body[index]
                    if high == IgnoreRule.backslash {
                        index += 1
                        guard index < body.endIndex else {
                            return nil
                        }
                        high = body[index]
                    }
                    if low <= high {
                        set.insert(low...high)
                    }
                    byte = nil
                } else if byte == IgnoreRule.openBracket, index + 1 < body.endIndex,
                    body[index + 1] == IgnoreRule.colon
                {
                    let nameStart = index + 2
                    var close = nameStart
                    while close < body.endIndex && body[close] != IgnoreRule.closeBracket {
                        close += 1
                    }
                    guard close < body.endIndex else {
                        return nil
                    }
                    if close - nameStart - 1 < 0 || body[close - 1] != IgnoreRule.colon {
                        // No ":]": the "[" is an ordinary member and parsing resumes at the ":".
                        set.insert(IgnoreRule.openBracket)
                    } else {
                        guard let members = ByteSet(className: body[nameStart..<(close - 1)]) else {
                            return nil
                        }
                        set.formUnion(members)
                        index = close
                        byte = nil
                    }
                } else {
                    set.insert(body[index])
                }
                previous = byte
                index += 1
                guard index < body.endIndex else {
                    return nil
                }
            } while body[index] != IgnoreRule.closeBracket
            if isNegated {
                set.invert()
            }
            // With WM_PATHNAME no bracket expression matches "/", negated or not.
            set.remove(IgnoreRule.slash)
            return (set, index + 1)
        }
    }

    private struct RawSegment {
        var tokens: [RawToken]
        var endsWithEscapedSlash: Bool
    }

    private enum RawToken {
        case byte(UInt8)
        case anyByte
        case set(ByteSet)
        case stars(Int)
    }

    /// The part of a pattern between two slashes, matched against exactly one path component (or, for `**`, any
    /// number of them).
    private enum Segment: Sendable, Equatable {
        case literal([UInt8])
        /// `*` followed by a literal, such as `*.o`, the most common wildcard pattern.
        case suffix([UInt8])
        /// A lone `*`, or `**` outside an anchored pattern.
        case anyName
        case glob([Token])
        /// `**` as a whole segment: zero or more components.
        case globstar

        init(_ raw: [RawToken], allowsGlobstar: Bool) {
            if raw.count == 1, case .stars(let count) = raw[0], count >= 2 {
                self = allowsGlobstar ? .globstar : .anyName
                return
            }
            // Outside a whole segment, "**" is an ordinary "*".
            var tokens: [Token] = []
            tokens.reserveCapacity(raw.count)
            for token in raw {
                switch token {
                case .byte(let byte): tokens.append(.byte(byte))
                case .anyByte: tokens.append(.anyByte)
                case .set(let set): tokens.append(.set(set))
                case .stars: tokens.append(.star)
                }
            }
            let literal = tokens.dropFirst().compactMap { token -> UInt8? in
                if case .byte(let byte) = token { byte } else { nil }
            }
            switch tokens.first {
            case .star where literal.count == tokens.count - 1:
                self = literal.isEmpty ? .anyName : .suffix(literal)
            case .byte(let byte) where literal.count == tokens.count - 1:
                self = .literal([byte] + literal)
            case nil:
                self = .literal([])
            default:
                self = .glob(tokens)
            }
        }

        /// Whether the segment matches the component `bytes[low..<high]`.
        func matches(_ bytes: UnsafeBufferPointer<UInt8>, _ low: Int, _ high: Int) -> Bool {
            switch self {
            case .literal(let literal):
                return Self.equal(bytes, low, high, literal)
            case .suffix(let suffix):
                return high - low >= suffix.count && Self.equal(bytes, high - suffix.count, high, suffix)
            case .anyName, .globstar:
                return true
            case .glob(let tokens):
                return Self.matchGlob(tokens, bytes, low, high)
            }
        }

        static func equal(_ bytes: UnsafeBufferPointer<UInt8>, _ low: Int, _ high: Int, _ literal: [UInt8]) -> Bool {
            guard high - low == literal.count else {
                return false
            }
            var offset = 0
            while offset < literal.count {
                if bytes[low + offset] != literal[offset] {
                    return false
                }
                offset += 1
            }
            return true
        }

        /// Classic wildcard matching: on a mismatch only the latest `*` takes one more byte, which is enough because
        /// an earlier `*` could not let the rest match where the latest one cannot; this keeps `a*a*a*a*b` quadratic.
        private static func matchGlob(
            _ tokens: [Token],
            _ bytes: UnsafeBufferPointer<UInt8>,
            _ low: Int,
            _ high: Int
        ) -> Bool {
            var tokenIndex = 0
            var position = low
            var starIndex = -1
            var starPosition = low
            while true {
                if tokenIndex < tokens.count {
                    switch tokens[tokenIndex] {
                    case .star:
                        starIndex = tokenIndex
                        starPosition = position
                        tokenIndex += 1
                        continue
                    case .byte(let byte):
                        if position < high && bytes[position] == byte {
                            tokenIndex += 1
                            position += 1
                            continue
                        }
                    case .anyByte:
                        if position < high {
                            tokenIndex += 1
                            position += 1
                            continue
                        }
                    case .set(let set):
                        if position < high && set.contains(bytes[position]) {
                            tokenIndex += 1
                            position += 1
                            continue
                        }
                    }
                } else if position == high {
                    return true
                }
                guard starIndex >= 0, starPosition < high else {
                    return false
                }
                starPosition += 1
                position = starPosition
                tokenIndex = starIndex + 1
            }
        }
    }

    private enum Token: Sendable, Equatable {
        case byte(UInt8)
        case anyByte
        case set(ByteSet)
        case star
    }

    /// A set of bytes as a 256-bit bitmap, stored inline so that membership tests touch no heap memory.
    private struct ByteSet: Sendable, Equatable {
        private var low: UInt128 = 0
        private var high: UInt128 = 0

        init() {}

        /// git's `[:name:]` classes, ASCII only and with git's own ctype: `space` is tab, LF, CR and space.
        init?(className: ArraySlice<UInt8>) {
            let predicate: (UInt8) -> Bool
            switch String(decoding: className, as: UTF8.self) {
            case "alnum": predicate = { Self.isAlpha($0) || Self.isDigit($0) }
            case "alpha": predicate = Self.isAlpha
            case "blank": predicate = { $0 == 0x20 || $0 == 0x09 }
            case "cntrl": predicate = { $0 < 0x20 || $0 == 0x7F }
            case "digit": predicate = Self.isDigit
            case "graph": predicate = { $0 > 0x20 && $0 < 0x7F }
            case "lower": predicate = { $0 >= 0x61 && $0 <= 0x7A }
            case "print": predicate = { $0 >= 0x20 && $0 < 0x7F }
            case "punct": predicate = { $0 > 0x20 && $0 < 0x7F && !Self.isAlpha($0) && !Self.isDigit($0) }
            case "space": predicate = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
            case "upper": predicate = { $0 >= 0x41 && $0 <= 0x5A }
            case "xdigit": predicate = { Self.isDigit($0) || (0x41...0x46).contains($0 & 0xDF) }
            default: return nil
            }
            for byte in UInt8.min...UInt8.max where predicate(byte) {
                insert(byte)
            }
        }

        private static func isAlpha(_ byte: UInt8) -> Bool {
            (0x41...0x5A).contains(byte & 0xDF)
        }

        private static func isDigit(_ byte: UInt8) -> Bool {
            byte >= 0x30 && byte <= 0x39
        }

        private static func bit(_ byte: UInt8) -> UInt128 {
            1 << UInt128(byte & 0x7F)
        }

        func contains(_ byte: UInt8) -> Bool {
            (byte < 0x80 ? low : high) & Self.bit(byte) != 0
        }

        mutating func insert(_ byte: UInt8) {
            if byte < 0x80 {
                low |= Self.bit(byte)
            } else {
                high |= Self.bit(byte)
            }
        }

        mutating func insert(_ range: ClosedRange<UInt8>) {
            for byte in range {
                insert(byte)
            }
        }

        mutating func remove(_ byte: UInt8) {
            if byte < 0x80 {
                low &= ~Self.bit(byte)
            } else {
                high &= ~Self.bit(byte)
            }
        }

        mutating func formUnion(_ other: ByteSet) {
            low |= other.low
            high |= other.high
        }

        mutating func invert() {
            low = ~low
            high = ~high
        }
    }
}
