/// The simple query syntax translated to FTS5.
///
/// Every term becomes an FTS5 string literal, so nothing the user types is ever read as FTS5 syntax: operators,
/// parentheses, `*`, `^`, `:` and column names all reach the tokenizer as text, which keeps their letters and drops
/// the rest. Terms that would tokenize to nothing are dropped here, because SQLite treats an empty phrase as matching
/// no row, which would silently turn an AND into zero hits.
///
/// A `"` opens a phrase only at the start of a term (after an optional `-`); anywhere else it is punctuation. A
/// closing `"` ends the phrase even when text follows it without white space; that text starts a new term.
package enum SimpleQuery {
    /// The FTS5 MATCH expression for `text`, or nil when the query has no searchable token or only excluded terms
    /// (the caller then returns no hits without asking SQLite).
    package static func translate(_ text: String) -> String? {
        var text = text
        return text.withUTF8(translate(utf8:))
    }

    /// For a query that is one identifier still being typed (`xhci_ring_ep_doorbell`, four words or more, the last a
    /// prefix of four letters or more, ASCII), the same search narrowed to FTS5's three-character prefix index:
    /// `"xhci ring ep doo"* OR "xhci ring ep doorbell"`, ranked by `MatchRank` as the phrase `translate` makes, or
    /// found undecided (then the caller runs that). nil for any other query.
    ///
    /// FTS5 (SQLite 3.40) expands a prefix longer than its prefix indexes by merging the doclists of every term that
    /// starts with it, over the whole index, before it matches the phrase: `register*` took 12.9 ms where the
    /// narrowed `iwl_mvm_mac_setup_register` took 0.5. The three-character prefix is one precomputed doclist, but a
    /// long one, and with fewer words before it to rule rows out it cost more than the expansion: on 34 identifiers of
    /// the kernel tree, counting matches after other searches, narrowing halved the time of those with four words or
    /// more (125 against 55 ms in all) and was no better with three (27.3 against 27.1 ms, 12 identifiers).
    package static func narrowedPrefix(_ text: String) -> String? {
        var words: [Substring] = []
        var wordStart: String.Index?
        var seenTerm = false
        for index in text.indices {
            let character = text[index]
            guard let ascii = character.asciiValue, ascii >= 0x20, ascii != 0x7F, ascii != quote else { return nil }
            if ascii == space {
                // Leading white space only: a second term, or a query ending in white space, is not narrowed.
                guard !seenTerm else { return nil }
                continue
            }
            if !seenTerm && ascii == UInt8(ascii: "-") { return nil }
            seenTerm = true
            if TextTokens.isASCIITokenCharacter(ascii) {
                if wordStart == nil { wordStart = index }
            } else if let start = wordStart {
                words.append(text[start..<index])
                wordStart = nil
            }
        }
        if let start = wordStart { words.append(text[start...]) }
        guard words.count >= narrowedWordCount, let last = words.last, last.count > prefixIndexLength else {
            return nil
        }
        let leading = words.dropLast().joined(separator: " ")
        return "\"\(leading) \(last.prefix(prefixIndexLength))\"* OR \"\(leading) \(last)\""
    }

    /// Words an identifier needs before its search is narrowed (see `narrowedPrefix`).
    static let narrowedWordCount = 4
    /// The longest prefix FTS5 keeps an index for.
    static let prefixIndexLength = IndexSchema.prefixIndexLengths.max()!

    /// The translation, scanning UTF-8 bytes into two byte buffers: 4 KiB of input must take well under a
    /// millisecond, and building a `String` per term took about half of one in release builds.
    private static func translate(utf8 source: UnsafeBufferPointer<UInt8>) -> String? {
        var included: [UInt8] = []
        var excluded: [UInt8] = []
        var excludedCount = 0
        var index = 0
        while index < source.count {
            let value = decodeScalar(in: source, at: index)
            if isWhitespace(value) {
                index += utf8Length(of: value)
                continue
            }
            let isExcluded = value == 0x2D  // -
            if isExcluded {
                index += 1
            }
            let isPhrase = index < source.count && source[index] == quote
            if isPhrase {
                index += 1
            }
            if isExcluded {
                if appendTerm(from: source, at: &index, isPhrase: isPhrase, isExcluded: true, to: &excluded) {
                    excludedCount += 1
                }
            } else {
                appendTerm(from: source, at: &index, isPhrase: isPhrase, isExcluded: false, to: &included)
            }
        }
        guard !included.isEmpty else { return nil }
        let wanted = String(decoding: included, as: UTF8.self)
        switch excludedCount {
        case 0:
            return wanted
        case 1:
            return "(\(wanted)) NOT \(String(decoding: excluded, as: UTF8.self))"
        default:
            // FTS5's NOT is binary and each one adds a level to the expression tree; SQLite 3.44 and later refuse
            // trees deeper than 256, so a long `NOT "x" NOT "y"` chain would fail. OR is flattened into one node.
            return "(\(wanted)) NOT (\(String(decoding: excluded, as: UTF8.self)))"
        }
    }

    /// Appends the term starting at `index` (past any `-` and opening `"`) to `output` as an FTS5 string literal,
    /// joined to earlier ones by AND (exclusions by OR, since they go under one NOT), and moves `index` past it.
    ///
    /// Returns whether the term was kept, i.e. holds a token character.
    @discardableResult
    private static func appendTerm(
        from source: UnsafeBufferPointer<UInt8>,
        at index: inout Int,
        isPhrase: Bool,
        isExcluded: Bool,
        to output: inout [UInt8]
    ) -> Bool {
        let start = output.count
        if !output.isEmpty {
            output.append(contentsOf: isExcluded ? orSeparator : andSeparator)
        }
        output.append(quote)
        var isSearchable = false
        var reachesEnd = true
        while index < source.count {
            let byte = source[index]
            if byte < 0x80 {
                if isPhrase ? byte == quote : byte == space || (byte >= 0x09 && byte <= 0x0D) {
                    reachesEnd = false
                    if isPhrase {
                        index += 1
                    }
                    break
                }
                if byte == quote {
                    output.append(quote)
                    output.append(quote)
                } else if byte < 0x20 || byte == 0x7F {
                    // SQLite reads the expression as a C string, so a NUL ends it mid-literal ("unterminated
                    // string"); the tokenizer treats every control as a separator anyway, so a space is equivalent.
                    output.append(space)
                } else {
                    output.append(byte)
                    isSearchable = isSearchable || TextTokens.isASCIITokenCharacter(byte)
                }
                index += 1
                continue
            }
            let value = decodeScalar(in: source, at: index)
            if !isPhrase && isWhitespace(value) {
                reachesEnd = false
                break
            }
            let end = index + utf8Length(of: value)
            if isControl(value) {
                output.append(space)
                index = end
            } else {
                if !isSearchable, let scalar = Unicode.Scalar(value) {
                    isSearchable = TextTokens.isTokenScalar(scalar)
                }
                // Byte by byte: appending a slice goes through generic code that makes debug builds several times
                // slower, and the tests run those.
                while index < end {
                    output.append(source[index])
                    index += 1
                }
            }
        }
        guard isSearchable else {
            output.removeLast(output.count - start)
            return false
        }
        output.append(quote)
        // Only a bare word still being typed is a prefix: a query ending in white space, a closed or unterminated
        // phrase, and an exclusion all stand for what was typed in full.
        if reachesEnd && !isPhrase && !isExcluded {
            output.append(star)
        }
        return true
    }

    private static let quote = UInt8(ascii: "\"")
    private static let space = UInt8(ascii: " ")
    private static let star = UInt8(ascii: "*")
    private static let andSeparator = Array(" AND ".utf8)
    private static let orSeparator = Array(" OR ".utf8)

    /// The value of the scalar whose UTF-8 encoding starts at `index`. `source` comes from a `String`, so it is
    /// valid UTF-8.
    private static func decodeScalar(in source: UnsafeBufferPointer<UInt8>, at index: Int) -> UInt32 {
        let lead = UInt32(source[index])
        if lead < 0x80 {
            return lead
        }
        func continuation(_ offset: Int) -> UInt32 {
            UInt32(source[index + offset] & 0x3F)
        }
        if lead < 0xE0 {
            return (lead & 0x1F) << 6 | continuation(1)
        }
        if lead < 0xF0 {
            return (lead & 0x0F) << 12 | continuation(1) << 6 | continuation(2)
        }
        return (lead & 0x07) << 18 | continuation(1) << 12 | continuation(2) << 6 | continuation(3)
    }

    /// The number of bytes scalar `value` takes in UTF-8.
    private static func utf8Length(of value: UInt32) -> Int {
        value < 0x80 ? 1 : value < 0x800 ? 2 : value < 0x1_0000 ? 3 : 4
    }

    /// Whether the query syntax separates terms at scalar `value`: the Unicode White_Space property, spelled out
    /// because the property lookup costs more than the rest of the translation.
    static func isWhitespace(_ value: UInt32) -> Bool {
        switch value {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    /// Whether scalar `value` is a control (category Cc, which Unicode never extends).
    static func isControl(_ value: UInt32) -> Bool {
        value < 0x20 || (value >= 0x7F && value <= 0x9F)
    }
}
