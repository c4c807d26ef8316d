import Foundation

/// Words of a text as SQLite's unicode61 tokenizer sees them: runs of letters, numbers and private-use characters;
/// folded without case and diacritics, as `remove_diacritics 2` does.
package enum TextTokens {
    package static func isASCIITokenCharacter(_ byte: UInt8) -> Bool {
        let letter = byte | 0x20  // lowercase
        return (byte >= 0x30 && byte <= 0x39) || (letter >= 0x61 && letter <= 0x7A)
    }

    /// Whether the `unicode61` tokenizer of the SQLite in use keeps `scalar` as part of a token.
    ///
    /// unicode61 keeps the categories L*, N* and Co, but judges them by its own older Unicode table. Where Swift's
    /// newer table calls a scalar a letter and SQLite's does not, SQLite wins, since a term made only of such scalars
    /// would be an empty phrase. The reverse (SQLite keeping scalars Swift calls symbols or unassigned) is harmless: a
    /// term made only of those is dropped, which widens the results instead of emptying them.
    package static func isTokenScalar(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            return isASCIITokenCharacter(UInt8(scalar.value))
        }
        switch scalar.value {
        case 0x19B0...0x19C0, 0x19C8...0x19C9, 0x1CF2...0x1CF3:
            // New Tai Lue vowel signs and two Vedic signs: spacing marks (Mc) until Unicode 8, letters (Lo) since,
            // and still marks in SQLite's table (checked against SQLite 3.40.1 and 3.51.1).
            return false
        default:
            break
        }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
            .decimalNumber, .letterNumber, .otherNumber, .privateUse:
            return true
        default:
            return false
        }
    }

    /// The ranges of the tokens of `text`, in order.
    package static func tokens(in text: some StringProtocol, limit: Int = .max) -> [Range<String.Index>] {
        Array(TokenRanges(text.unicodeScalars).prefix(limit))
    }

    /// The ranges of the tokens of a text, found lazily so a scan can stop early.
    package struct TokenRanges<Scalars: BidirectionalCollection>: Sequence, IteratorProtocol
    where Scalars.Element == Unicode.Scalar, Scalars.Index == String.Index {
        let scalars: Scalars
        var index: String.Index

        package init(_ scalars: Scalars) {
            self.scalars = scalars
            index = scalars.startIndex
        }

        package mutating func next() -> Range<String.Index>? {
            var start: String.Index?
            while index < scalars.endIndex {
                let scalar = scalars[index]
                // Combining marks belong to the token they follow (the tokenizer drops them with the diacritics).
                let continues =
                    isTokenScalar(scalar) || (start != nil && scalar.properties.generalCategory == .nonspacingMark)
                if continues {
                    if start == nil { start = index }
                } else if let begun = start {
                    return begun..<index
                }
                index = scalars.index(after: index)
            }
            if let begun = start { return begun..<scalars.endIndex }
            return nil
        }
    }

    /// Folds a token; ASCII (most of source code and prose) takes a fast path around Foundation.
    package static func fold(_ token: some StringProtocol) -> String {
        let utf8 = token.utf8
        if utf8.allSatisfy({ $0 < 0x80 }) {
            return String(decoding: utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }, as: UTF8.self)
        }
        return String(token).folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
    }
}
