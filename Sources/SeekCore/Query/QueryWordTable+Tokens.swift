extension QueryWordTable.Buffers {
    /// A place after `floor` where a scan can start so that at least `tokenStarts - 1` whole tokens precede the token
    /// at `origin`: an ASCII token character just after an ASCII separator, with `tokenStarts` such starts between it
    /// and `origin`, walking back; nil when the walk reaches `floor` first. A start there cuts no token, so the same
    /// tokens follow it as in a scan from the text's start. Tokens starting with a non-ASCII character (which the
    /// lookout may have passed) are not counted: more of them precede than asked for, never fewer.
    func restartPoint(
        before origin: Int,
        after floor: Int,
        tokenStarts wanted: Int = 3,
        in bytes: UnsafeBufferPointer<UInt8>
    ) -> Int? {
        var tokenStarts = 0
        var offset = origin - 1
        while offset > floor {
            let before = bytes[offset - 1]
            let startsToken = isASCIIToken(bytes[offset]) && before < 0x80 && !isASCIIToken(before)
            if startsToken {
                tokenStarts += 1
                if tokenStarts == wanted { return offset }
            }
            offset -= 1
        }
        return nil
    }

    /// Whether a token lies in `range`, which starts and ends between characters.
    func hasToken(in range: Range<Int>, of bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var offset = range.lowerBound
        while offset < range.upperBound {
            let byte = bytes[offset]
            if byte < 0x80 {
                if isASCIIToken(byte) { return true }
                offset += 1
                continue
            }
            let (scalar, length) = Self.decode(bytes, at: offset, end: range.upperBound)
            if TextTokens.isTokenScalar(scalar) { return true }
            offset += length
        }
        return false
    }

    private func isASCIIToken(_ byte: UInt8) -> Bool {
        classes[Int(byte)] & QueryWordTable.ByteClass.asciiToken != 0
    }

    /// The next token at or after `cursor`, as unicode61 sees tokens; nil at `end`. ASCII bytes (most text) are
    /// classified by one table lookup each, in a loop of their own for separators and for token characters.
    func nextToken(in bytes: UnsafeBufferPointer<UInt8>, from cursor: inout Int, end: Int) -> Range<Int>? {
        var start = -1
        while cursor < end {
            let byteClass = classes[Int(bytes[cursor])]
            if byteClass & QueryWordTable.ByteClass.asciiToken != 0 {
                start = cursor
                cursor += 1
                break
            }
            if byteClass & QueryWordTable.ByteClass.nonASCII == 0 {
                cursor += 1
                continue
            }
            let (scalar, length) = Self.decode(bytes, at: cursor, end: end)
            if TextTokens.isTokenScalar(scalar) { start = cursor }
            cursor += length
            if start >= 0 { break }
        }
        guard start >= 0 else { return nil }
        while cursor < end {
            let byteClass = classes[Int(bytes[cursor])]
            if byteClass & QueryWordTable.ByteClass.asciiToken != 0 {
                cursor += 1
                continue
            }
            if byteClass & QueryWordTable.ByteClass.nonASCII == 0 { return start..<cursor }
            let (scalar, length) = Self.decode(bytes, at: cursor, end: end)
            // Combining marks belong to the token they follow (the tokenizer drops them with the diacritics).
            guard TextTokens.isTokenScalar(scalar) || scalar.properties.generalCategory == .nonspacingMark else {
                return start..<cursor
            }
            cursor += length
        }
        return start..<min(cursor, end)
    }

    /// Decodes one scalar of valid UTF-8 (the text came from a Swift string), with its length in bytes. A character
    /// cut by `end` is U+FFFD, whether the bytes go on or not: a scan of a whole text and one of a prefix that ends
    /// there see the same tokens.
    private static func decode(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int, end: Int) -> (Unicode.Scalar, Int) {
        let lead = bytes[index]
        if lead < 0x80 { return (Unicode.Scalar(lead), 1) }
        let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2
        guard index + length <= end else { return (Unicode.Scalar(0xFFFD)!, 1) }
        var value = UInt32(lead) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
        for offset in 1..<length { value = value << 6 | UInt32(bytes[index + offset] & 0x3F) }
        return (Unicode.Scalar(value) ?? Unicode.Scalar(0xFFFD)!, length)
    }
}
