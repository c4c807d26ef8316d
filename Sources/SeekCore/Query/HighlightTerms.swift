/// The words to highlight for an FTS5 expression (from the simple syntax or typed by the user): every string and
/// bareword outside a `NOT` operand, folded like the index folds them, with a trailing `*` marking a prefix.
package struct HighlightTerms: Sendable, Equatable {
    package var words: Set<String> = []
    package var prefixes: [String] = []

    package var isEmpty: Bool { words.isEmpty && prefixes.isEmpty }

    /// Whether a folded token of the text matches.
    package func matches(_ folded: String) -> Bool {
        words.contains(folded) || prefixes.contains { folded.hasPrefix($0) }
    }

    package init(expression: String) {
        var scanner = Scanner(Array(expression.unicodeScalars))
        var skipDepth: Int?  // inside a NOT operand: collect nothing until it ends
        var depth = 0
        var skipNextOperand = false
        while let token = scanner.next() {
            switch token {
            case .open:
                depth += 1
                if skipNextOperand, skipDepth == nil { skipDepth = depth }
                skipNextOperand = false
            case .close:
                if skipDepth == depth { skipDepth = nil }
                depth = max(0, depth - 1)
            case .word(let text, let isPrefix, let isString):
                if !isString, text == "NOT" {
                    skipNextOperand = true
                    continue
                }
                if !isString, ["AND", "OR", "NEAR"].contains(text) { continue }
                if skipDepth == nil, !skipNextOperand { add(text, isPrefix: isPrefix) }
                skipNextOperand = false
            }
        }
    }

    private mutating func add(_ text: String, isPrefix: Bool) {
        let tokens = TextTokens.tokens(in: text).map { TextTokens.fold(text[$0]) }
        for (index, token) in tokens.enumerated() {
            if isPrefix, index == tokens.count - 1 { prefixes.append(token) } else { words.insert(token) }
        }
    }

    private enum Token {
        case open, close
        case word(String, isPrefix: Bool, isString: Bool)
    }

    /// Splits an FTS5 expression into strings, barewords and parentheses; other punctuation is skipped.
    private struct Scanner {
        let scalars: [Unicode.Scalar]
        var index = 0

        init(_ scalars: [Unicode.Scalar]) { self.scalars = scalars }

        mutating func next() -> Token? {
            while index < scalars.count {
                let scalar = scalars[index]
                if scalar == "(" {
                    index += 1
                    return .open
                }
                if scalar == ")" {
                    index += 1
                    return .close
                }
                if scalar == "\"" {
                    var text = String.UnicodeScalarView()
                    index += 1
                    while index < scalars.count {
                        if scalars[index] == "\"" {
                            if index + 1 < scalars.count, scalars[index + 1] == "\"" {
                                text.append("\"")
                                index += 2
                                continue
                            }
                            index += 1
                            break
                        }
                        text.append(scalars[index])
                        index += 1
                    }
                    return .word(String(text), isPrefix: takeStar(), isString: true)
                }
                if TextTokens.isTokenScalar(scalar) || scalar == "_" {
                    var text = String.UnicodeScalarView()
                    while index < scalars.count, TextTokens.isTokenScalar(scalars[index]) || scalars[index] == "_" {
                        text.append(scalars[index])
                        index += 1
                    }
                    // A column filter (`body:`) names a column, not a word.
                    if index < scalars.count, scalars[index] == ":" { continue }
                    return .word(String(text), isPrefix: takeStar(), isString: false)
                }
                index += 1
            }
            return nil
        }

        private mutating func takeStar() -> Bool {
            var probe = index
            while probe < scalars.count, scalars[probe] == " " { probe += 1 }
            guard probe < scalars.count, scalars[probe] == "*" else { return false }
            index = probe + 1
            return true
        }
    }
}
