/// Where the top-level keys of a TOML document, and the elements of their array values, are written.
///
/// TOMLKit parses the document but keeps no positions, and `explain` must name the line of the `exclude` pattern that
/// decided; error messages name the line of the bad key. This scanner runs only on text TOMLKit has accepted, so it
/// only needs to find statements, strings, comments and brackets, not to validate them. Where it cannot tell (a table
/// header, a dotted key), it records the line of the first key segment; positions are 1-based lines.
package struct TOMLSourceLines: Sendable, Equatable {
    /// The line of each top-level key (first segment of a dotted key, or table name), first occurrence.
    package private(set) var keys: [String: Int] = [:]
    /// For a top-level key whose value is an array: the line where each element starts, in order.
    package private(set) var elements: [String: [Int]] = [:]

    package init(_ text: String) {
        var scanner = Scanner(bytes: Array(text.utf8))
        scanner.scanDocument(into: &self)
    }

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0
        var line = 1
        /// Inside a `[table]`, keys are not top-level.
        var inTable = false

        init(bytes: [UInt8]) { self.bytes = bytes }

        var current: UInt8? { index < bytes.count ? bytes[index] : nil }

        func peek(_ offset: Int) -> UInt8? { index + offset < bytes.count ? bytes[index + offset] : nil }

        mutating func advance() {
            if bytes[index] == ascii("\n") { line += 1 }
            index += 1
        }

        /// Spaces, tabs, and with `newlines` also line breaks and comments.
        mutating func skipSpace(newlines: Bool) {
            while let byte = current {
                if byte == ascii(" ") || byte == ascii("\t") || byte == ascii("\r") {
                    advance()
                } else if newlines && byte == ascii("\n") {
                    advance()
                } else if byte == ascii("#") {
                    while let byte = current, byte != ascii("\n") { advance() }
                } else {
                    return
                }
            }
        }

        mutating func skipToLineEnd() {
            while let byte = current, byte != ascii("\n") { advance() }
        }

        mutating func scanDocument(into lines: inout TOMLSourceLines) {
            while true {
                skipSpace(newlines: true)
                guard let byte = current else { return }
                if byte == ascii("[") {
                    let headerLine = line
                    advance()
                    if current == ascii("[") { advance() }
                    skipSpace(newlines: false)
                    if let name = scanKeySegment(), lines.keys[name] == nil { lines.keys[name] = headerLine }
                    inTable = true
                    skipToLineEnd()
                    continue
                }
                let keyLine = line
                guard let key = scanKeySegment() else {
                    skipToLineEnd()
                    continue
                }
                // Further segments of a dotted key.
                while true {
                    skipSpace(newlines: false)
                    guard current == ascii(".") else { break }
                    advance()
                    skipSpace(newlines: false)
                    _ = scanKeySegment()
                }
                skipSpace(newlines: false)
                guard current == ascii("=") else {
                    skipToLineEnd()
                    continue
                }
                advance()
                skipSpace(newlines: false)
                if !inTable, lines.keys[key] == nil { lines.keys[key] = keyLine }
                if !inTable, current == ascii("[") {
                    lines.elements[key] = scanArray()
                } else {
                    skipValue()
                }
            }
        }

        /// A bare or quoted key segment, decoded; nil when none starts here.
        mutating func scanKeySegment() -> String? {
            guard let byte = current else { return nil }
            if byte == ascii("\"") || byte == ascii("'") {
                let start = index + 1
                skipString()
                let end = max(start, index - 1)
                return String(decoding: bytes[start..<end], as: UTF8.self)
            }
            let start = index
            while let byte = current, isBareKeyByte(byte) { advance() }
            return index > start ? String(decoding: bytes[start..<index], as: UTF8.self) : nil
        }

        /// An array value starting at "[": the line of each element, nested arrays counting as one element.
        mutating func scanArray() -> [Int] {
            advance()
            var elementLines: [Int] = []
            while true {
                skipSpace(newlines: true)
                guard let byte = current else { return elementLines }
                if byte == ascii("]") {
                    advance()
                    return elementLines
                }
                if byte == ascii(",") {
                    advance()
                    continue
                }
                elementLines.append(line)
                skipValue()
            }
        }

        /// Any value: a string, an array or inline table (nested), or a scalar up to a delimiter.
        mutating func skipValue() {
            guard let byte = current else { return }
            if byte == ascii("\"") || byte == ascii("'") {
                skipString()
            } else if byte == ascii("[") || byte == ascii("{") {
                skipBracketed()
            } else {
                while let byte = current,
                    ![ascii(","), ascii("]"), ascii("}"), ascii("\n"), ascii("#")].contains(byte)
                {
                    advance()
                }
            }
        }

        /// From an opening bracket or brace to its partner, stepping over strings and comments inside.
        mutating func skipBracketed() {
            var depth = 0
            while let byte = current {
                if byte == ascii("\"") || byte == ascii("'") {
                    skipString()
                    continue
                }
                if byte == ascii("#") {
                    skipToLineEnd()
                    continue
                }
                if byte == ascii("[") || byte == ascii("{") { depth += 1 }
                if byte == ascii("]") || byte == ascii("}") { depth -= 1 }
                advance()
                if depth == 0 { return }
            }
        }

        /// A basic or literal string, single- or multi-line, from its opening quote to past its closing one.
        mutating func skipString() {
            let quote = bytes[index]
            let isMultiline = peek(1) == quote && peek(2) == quote
            let isBasic = quote == ascii("\"")
            for _ in 0..<(isMultiline ? 3 : 1) { advance() }
            while let byte = current {
                if isBasic && byte == ascii("\\") {
                    advance()
                    if current != nil { advance() }
                    continue
                }
                if byte == quote {
                    if !isMultiline {
                        advance()
                        return
                    }
                    if peek(1) == quote && peek(2) == quote {
                        // Up to two quotes may end the content right before the closing three.
                        var run = 0
                        while current == quote {
                            advance()
                            run += 1
                        }
                        if run >= 3 { return }
                        continue
                    }
                }
                if !isMultiline && byte == ascii("\n") { return }
                advance()
            }
        }

        func isBareKeyByte(_ byte: UInt8) -> Bool {
            (byte >= ascii("a") && byte <= ascii("z")) || (byte >= ascii("A") && byte <= ascii("Z"))
                || (byte >= ascii("0") && byte <= ascii("9")) || byte == ascii("_") || byte == ascii("-")
        }
    }
}

private func ascii(_ character: Unicode.Scalar) -> UInt8 { UInt8(ascii: character) }
