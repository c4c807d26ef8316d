import Foundation
import SeekCore
import SeekTestSupport
import Testing

@Suite struct SnippetBuilderTests {
    static func snippet(_ expression: String, _ text: String) -> String {
        SnippetBuilder(terms: HighlightTerms(expression: expression), open: "[", close: "]").snippet(of: text)
    }

    @Test func shortTextIsShownWholeWithMatchesMarked() {
        #expect(
            Self.snippet(#""cancel"*"#, "The plan: ship cancellation first.") == "The plan: ship [cancellation] first."
        )
    }

    @Test func windowHoldingMostDistinctWordsWins() {
        let filler = (0..<40).map { "w\($0)" }.joined(separator: " ")
        let text = "alpha \(filler) alpha beta together \(filler)"
        let result = Self.snippet(#""alpha" AND "beta""#, text)
        #expect(result.contains("[alpha] [beta] together"))
        #expect(result.hasPrefix("…"))
        #expect(result.hasSuffix("…"))
    }

    /// Two words of one prefix are one term: a window with `beta` and `bets` lacks `alpha`.
    @Test func completeWindowHoldsEveryTermNotJustAsManyWords() {
        let filler = (0..<40).map { "w\($0)" }.joined(separator: " ")
        let text = "beta bets \(filler) alpha bet \(filler)"
        let result = Self.snippet(#""alpha" AND "bet"*"#, text)
        #expect(result.hasPrefix("…w38 w39 [alpha] [bet]"))
    }

    /// The first window holding every term is shown, however many matches of one term come before it.
    @Test func firstCompleteWindowWinsPastManyMatchesOfOneTerm() {
        let crowd = (0..<200).map { "ext4 w\($0)" }.joined(separator: " ")
        let text = "\(crowd) call ext4_fc_replay here \(crowd)"
        let result = Self.snippet(#""ext4" "fc" "replay"*"#, text)
        #expect(result.contains("call [ext4]_[fc]_[replay] here"))
    }

    /// A search reads at most `scanLimit` bytes of a long text: that prefix must give the whole text's snippet, though
    /// its bytes end there (a window near the cut is not shifted back as at a text's end, and a character cut in two
    /// there is cut in both).
    @Test(arguments: [(#""zebra""#, 32_766, "zebra x more"), (#""x""#, 32_767, "a x日 end")])
    func prefixOfTheScanLimitGivesTheWholeTextsSnippet(expression: String, pads: Int, ending: String) {
        let builder = SnippetBuilder(terms: HighlightTerms(expression: expression), open: "[", close: "]")
        let bytes = Array((String(repeating: "pad ", count: pads) + ending).utf8)
        let whole = builder.snippet(ofUTF8: bytes)
        #expect(builder.snippet(ofPrefix: Array(bytes[..<SnippetBuilder.scanLimit])) == whole)
        var slow = builder
        slow.skipsAhead = false
        #expect(slow.snippet(ofPrefix: Array(bytes[..<SnippetBuilder.scanLimit])) == whole)
        #expect(slow.snippet(ofUTF8: bytes) == whole)
    }

    @Test func matchPastTheScanLimitShowsTheStart() {
        let filler = String(repeating: "pad ", count: SnippetBuilder.scanLimit / 4)
        let result = Self.snippet(#""zebra""#, filler + "zebra")
        #expect(!result.contains("[zebra]"))
        #expect(result.hasPrefix("pad pad"))
        #expect(Self.snippet(#""zebra""#, String(filler.dropFirst(8)) + "zebra").contains("[zebra]"))
    }

    /// docs/PROTOCOL.md tells client authors how much of a file snippets come from; it must say what the code does.
    @Test func protocolDocStatesTheScanLimit() throws {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "../../docs/PROTOCOL.md"
        )
        let text = try String(contentsOf: docs, encoding: .utf8)
        #expect(text.contains("computed from the first \(SnippetBuilder.scanLimit >> 10) KiB of a file's"))
    }

    @Test func noMatchInTextShowsItsStart() {
        let text = (0..<40).map { "word\($0)" }.joined(separator: " ")
        #expect(Self.snippet(#""zebra""#, text) == (0..<16).map { "word\($0)" }.joined(separator: " ") + "…")
    }

    /// The index hands out the first bytes of a text, which may end inside a character.
    @Test func textCutInsideACharacterStillGivesASnippet() {
        let bytes = Array("Un café crè".utf8).dropLast(1)
        let builder = SnippetBuilder(terms: HighlightTerms(expression: #""cafe""#), open: "[", close: "]")
        #expect(builder.snippet(ofUTF8: Array(bytes)) == "Un [café] cr\u{FFFD}")
    }

    @Test func asciiWordsMatchOnlyWholeTokensUnlessPrefixes() {
        #expect(Self.snippet(#""tcp""#, "tcpip TCP tc") == "tcpip [TCP] tc")
        #expect(Self.snippet(#""tc"*"#, "tcpip TCP t") == "[tcpip] [TCP] t")
    }

    @Test func matchingIgnoresCaseAndDiacritics() {
        #expect(Self.snippet(#""cafe" AND "creme""#, "Un CAFÉ crème.") == "Un [CAFÉ] [crème].")
    }

    @Test func excludedWordsAreNotMarked() {
        #expect(Self.snippet(#"("keep") NOT ("drop")"#, "keep drop") == "[keep] drop")
    }

    @Test func fts5OperatorsAndColumnNamesAreNotWords() {
        #expect(
            Self.snippet(#"body:alpha OR NEAR(beta gamma, 3)"#, "alpha body near beta") == "[alpha] body near [beta]"
        )
    }

    @Test func emptyTextGivesEmptySnippet() {
        #expect(Self.snippet(#""x""#, "").isEmpty)
        #expect(Self.snippet(#""x""#, " ,;; ").isEmpty)
    }

    /// The lookout passes characters that fold into no ASCII letter when every query word is ASCII.
    @Test func asciiWordsAreFoundAmidTextThatFoldsIntoNoASCII() {
        let chinese = String(repeating: "内存安全检查，", count: 200)
        let text = chinese + "启用 CONFIG_KASAN_VMALLOC 选项" + chinese
        #expect(Self.snippet(#""config" "kasan" "vmalloc"*"#, text).contains("启用 [CONFIG]_[KASAN]_[VMALLOC] 选项"))
        #expect(Self.snippet(#""alpha""#, "中文alpha 日本") == "中文alpha 日本", "one token, not the word alpha")
        #expect(Self.snippet(#""cafe""#, "中文 café 日本") == "中文 [café] 日本")
        #expect(Self.snippet(#""日本""#, "中文 日本 alpha") == "中文 [日本] alpha")
    }

    @Test func phrasePartsAreMarked() {
        #expect(Self.snippet(#""snake case""#, "def snake_case(): pass") == "def [snake]_[case](): pass")
    }

    @Test func hugeTextIsScannedOnlyAtItsStart() {
        let text = String(repeating: "filler ", count: 40_000) + "needle"
        let result = Self.snippet(#""needle""#, text)
        #expect(!result.contains("[needle]"))
        #expect(result.hasPrefix("filler"))
    }

    /// A search reads more of a hit's text at once when its first bytes lack a query word (a hint; the builder decides).
    @Test func prefixLackingAQueryWordIsWorthReadingFurther() {
        let builder = SnippetBuilder(terms: HighlightTerms(expression: #""ipproto tcp""#), open: "[", close: "]")
        #expect(!builder.sightings(of: Array("socket tcp options, no protocol".utf8)).mayHoldEveryTerm)
        #expect(builder.sightings(of: Array("s.setsockopt(IPPROTO_TCP, TCP_NODELAY)".utf8)).mayHoldEveryTerm)
        #expect(
            builder.sightings(of: Array("xipprotoy tcp".utf8)).mayHoldEveryTerm,
            "a spelling inside a word may still do"
        )
        #expect(
            builder.sightings(of: Array("tcp é".utf8)).mayHoldEveryTerm,
            "non-ASCII text may fold into a query word"
        )
        #expect(!builder.sightings(of: []).mayHoldEveryTerm)
    }

    /// A search reads a short prefix of each hit's text first: the builder must either give exactly the snippet of
    /// the whole text or say that it needs more, at every cut, including cuts inside a word or a character.
    @Test(arguments: [#""needle""#, #""alpha" AND "beta""#, #""par"*"#, #""café""#])
    func prefixGivesTheWholeTextsSnippetOrAsksForMore(expression: String) {
        let filler = (0..<30).map { "w\($0)" }.joined(separator: " ")
        let text = "Intro \(filler) café paragraph alpha \(filler) needle beta alpha needles \(filler) end"
        let bytes = Array(text.utf8)
        let builder = SnippetBuilder(terms: HighlightTerms(expression: expression), open: "[", close: "]")
        let whole = builder.snippet(ofUTF8: bytes)
        var answered = 0
        for cut in 0..<bytes.count {
            guard let snippet = builder.snippet(ofPrefix: Array(bytes[..<cut])) else { continue }
            answered += 1
            #expect(snippet == whole, "cut at \(cut)")
        }
        #expect(answered > 0)
        #expect(builder.snippet(ofPrefix: bytes) == nil || builder.snippet(ofPrefix: bytes) == whole)
    }
}

/// The scan skips text where no query word can occur; this compares it with a scan of every token from the start
/// on generated texts (mixed case, diacritics, combining marks, non-ASCII separators, words cut by `_` and `.`).
@Suite struct SnippetSkipAheadTests {
    static let pieces = [
        "alpha", "Alpha", "ALPHA", "alphabet", "beta", "bet", "gamma", "café", "CAFÉ", "cafe\u{301}", "x", "w1",
        "日本", "naïve", "pad", "padding", "—", "é", "\u{301}", "alpha_beta", "alpha.beta",
        // Characters that fold into no ASCII letter, which the lookout passes, beside and inside words.
        "日本alpha", "beta中文", "カタカナ", "한국어", "中文 alpha", "「beta」", "ａｌｐｈａ",
    ]
    static let separators = [" ", " ", " ", "  ", "\n", ", ", "_", ".", " — ", "("]
    static let asciiFiller = ["pad", "padding", "w1", "x", "Xy", "a"]
    static let asciiSeparators = [" ", " ", "\n", "_", ".", ", ", "  "]

    /// Runs of ASCII words that match nothing (which the scan skips) between runs of anything; `segments` runs,
    /// fillers of up to `fillerWords` words.
    static func text(
        round: Int,
        segments: ClosedRange<Int>,
        fillerWords: Int,
        using generator: inout SeededRandom
    ) -> [UInt8] {
        var text = ""
        for segment in 0..<Int.random(in: segments, using: &generator) {
            let isFiller = segment.isMultiple(of: 2) == round.isMultiple(of: 2)
            let count = Int.random(in: 0...(isFiller ? fillerWords : 12), using: &generator)
            for _ in 0..<count {
                text += (isFiller ? asciiFiller : pieces).randomElement(using: &generator) ?? ""
                text += (isFiller ? asciiSeparators : separators).randomElement(using: &generator) ?? ""
            }
        }
        return Array(text.utf8)
    }

    static func expectSameSnippets(
        _ expression: String,
        rounds: Int,
        cuts: Int,
        segments: ClosedRange<Int>,
        fillerWords: Int
    ) {
        var generator = SeededRandom(seed: expression.utf8.reduce(7919) { $0 &* 31 &+ UInt64($1) })
        let fast = SnippetBuilder(terms: HighlightTerms(expression: expression), open: "[", close: "]")
        var slow = fast
        slow.skipsAhead = false
        for round in 0..<rounds {
            let bytes = text(round: round, segments: segments, fillerWords: fillerWords, using: &generator)
            let whole = slow.snippet(ofUTF8: bytes)
            #expect(fast.snippet(ofUTF8: bytes) == whole, "round \(round)")
            // As a search builds it: with the sightings of the text's first read.
            let sightings = fast.sightings(of: Array(bytes.prefix(SnippetBuilder.anchorSample)))
            #expect(fast.snippet(ofUTF8: bytes, sightings: sightings) == whole, "round \(round)")
            for _ in 0..<cuts where !bytes.isEmpty {
                let cut = Int.random(in: 0...bytes.count, using: &generator)
                let prefix = Array(bytes[..<cut])
                let expected = slow.snippet(ofPrefix: prefix)
                #expect(fast.snippet(ofPrefix: prefix) == expected, "round \(round) cut \(cut)")
                #expect(
                    fast.snippet(ofPrefix: prefix, sightings: fast.sightings(of: prefix)) == expected,
                    "round \(round) cut \(cut)"
                )
            }
        }
    }

    @Test(arguments: [
        #""alpha""#, #""alpha" AND "beta""#, #""bet"*"#, #""cafe""#, #""alpha beta""#, #""naive" AND "gamma"*"#,
        #""日本""#, #""日本alpha""#, #""zebra""#, #""alpha" AND "bet"*"#, #""gamma" AND "alpha" AND "cafe""#,
        #""pad" AND "beta""#,
        #""bet" AND "bet"*"#, #""w1" AND "alphabet""#, #""padding" AND "alpha" AND "x"*"#,
    ])
    func skippingAheadGivesTheSnippetOfAScanFromTheStart(expression: String) {
        Self.expectSameSnippets(expression, rounds: 1_000, cuts: 4, segments: 1...6, fillerWords: 40)
    }

    /// Texts past the scan limit (128 KiB) and with more matches than compete for the window (64).
    @Test(arguments: [
        #""alpha""#, #""alpha" AND "gamma""#, #""bet"*"#, #""zebra""#, #""alpha" AND "bet"*"#,
        #""naive" AND "gamma" AND "x""#,
    ])
    func skippingAheadGivesTheSameSnippetInLongTexts(expression: String) {
        Self.expectSameSnippets(expression, rounds: 12, cuts: 2, segments: 150...300, fillerWords: 600)
    }

    /// The scan tokenizes from 16 token starts before each place the anchor (here `beta`: the last term to appear)
    /// can occur, and skips again after it: the first complete window, after many anchors without the other term and
    /// at every distance between the two, must be the one a scan of every token finds.
    @Test(arguments: 12...20)
    func repeatedAnchorsBeforeTheFirstCompleteWindow(fillerWords: Int) {
        let filler = (0..<fillerWords).map { "pad\($0 % 7)" }.joined(separator: " ")
        let lone = Array(repeating: "beta \(filler)", count: 5).joined(separator: " ")
        let fast = SnippetBuilder(terms: HighlightTerms(expression: #""beta" AND "alphabet""#), open: "[", close: "]")
        var slow = fast
        slow.skipsAhead = false
        for gap in 0..<16 {
            let between = (0..<gap).map { "w\($0)" }.joined(separator: " ")
            let text = Array("alphabet \(filler) \(filler) \(lone) beta \(between) alphabet end \(filler)".utf8)
            let result = fast.snippet(ofUTF8: text)
            #expect(result == slow.snippet(ofUTF8: text), "gap \(gap)")
            if gap < 13 {
                #expect(result.contains("[beta] \(between)") && result.contains("[alphabet]"), "gap \(gap)")
            }
            for cut in stride(from: 0, through: text.count, by: 7) {
                let prefix = Array(text[..<cut])
                #expect(fast.snippet(ofPrefix: prefix) == slow.snippet(ofPrefix: prefix), "gap \(gap) cut \(cut)")
            }
        }
    }
}
