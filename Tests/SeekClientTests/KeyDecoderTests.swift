import SeekClient
import Testing

@Suite struct KeyDecoderTests {
    private func keys(_ chunks: [UInt8]...) -> [TerminalKey] {
        var decoder = KeyDecoder()
        return chunks.flatMap { decoder.keys(from: $0) }
    }

    @Test func typedTextComesAsOneKey() {
        #expect(keys(Array("cancel".utf8)) == [.text("cancel")])
    }

    @Test func arrowsAndEmacsKeysMoveTheSelection() {
        #expect(keys([0x1B, 0x5B, 0x41], [0x1B, 0x5B, 0x42], [0x10], [0x0E]) == [.up, .down, .up, .down])
        #expect(keys([0x1B, 0x4F, 0x41]) == [.up])  // Application cursor mode.
        #expect(keys(Array("\u{1B}[5~\u{1B}[6~".utf8)) == [.pageUp, .pageDown])
    }

    @Test func loneEscapeAndControlCAbort() {
        #expect(keys([0x1B]) == [.abort])
        #expect(keys([0x03]) == [.abort])
        #expect(keys([0x07]) == [.abort])
    }

    @Test func editingKeys() {
        #expect(
            keys([0x61, 0x7F, 0x08, 0x17, 0x15, 0x0D]) == [
                .text("a"), .backspace, .backspace, .deleteWord, .clearQuery, .enter,
            ]
        )
    }

    @Test func utf8SplitAcrossReadsIsKeptWhole() {
        let bytes = Array("é日".utf8)
        #expect(keys(Array(bytes[..<1]), Array(bytes[1...])) == [.text("é日")])
    }

    @Test func escapeSequenceSplitAcrossReadsIsKeptWhole() {
        #expect(keys([0x1B, 0x5B], [0x41]) == [.up])
    }

    @Test func unknownSequencesAndControlKeysAreIgnored() {
        #expect(keys(Array("\u{1B}[1;5C".utf8), [0x01], Array("x".utf8)) == [.text("x")])
    }

    @Test func tabIsASpace() {
        #expect(keys(Array("a\tb".utf8)) == [.text("a b")])
    }
}
