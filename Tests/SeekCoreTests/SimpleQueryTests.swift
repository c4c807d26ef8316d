import Foundation
import GRDB
import SeekTestSupport
import Testing

@testable import SeekCore

@Suite struct SimpleQueryTests {
    // MARK: - Translations

    /// What people type, and the MATCH expression it must become (nil: no hits without asking SQLite).
    static let translations: [(query: String, expected: String?)] = [
        // Search as you type: only the last bare word, and only while it is being typed, is a prefix.
        ("foo", #""foo"*"#),
        ("foo ", #""foo""#),
        ("foo bar", #""foo" AND "bar"*"#),
        ("  foo   bar  ", #""foo" AND "bar""#),
        ("foo\tbar\n", #""foo" AND "bar""#),
        ("foo\u{3000}bar", #""foo" AND "bar"*"#),
        // Phrases.
        (#""two words""#, #""two words""#),
        (#""two words" next"#, #""two words" AND "next"*"#),
        (#"say "hi""#, #""say" AND "hi""#),
        (#""closed"glued"#, #""closed" AND "glued"*"#),
        (#""unterminated phrase"#, #""unterminated phrase""#),
        (#"foo "bar "#, #""foo" AND "bar ""#),
        // Exclusions.
        ("bar -foo", #"("bar") NOT "foo""#),
        ("-foo bar", #"("bar"*) NOT "foo""#),
        (#"bar -"a phrase""#, #"("bar") NOT "a phrase""#),
        ("bar -x -y ", #"("bar") NOT ("x" OR "y")"#),
        ("--foo bar ", #"("bar") NOT "-foo""#),
        ("- foo", #""foo"*"#),
        ("foo -", #""foo""#),
        ("foo - -. -\"", #""foo""#),
        // Punctuation inside a term makes a phrase of its parts; the last part of the last term is the prefix.
        ("foo.bar ", #""foo.bar""#),
        ("snake_case ", #""snake_case""#),
        ("a-b ", #""a-b""#),
        ("foo.ba", #""foo.ba"*"#),
        ("foo.", #""foo."*"#),
        ("it's", #""it's"*"#),
        (#"a"b"#, #""a""b"*"#),
        // FTS5 syntax is taken literally.
        ("AND OR NOT ", #""AND" AND "OR" AND "NOT""#),
        ("NEAR(a b) ", #""NEAR(a" AND "b)""#),
        ("body:term", #""body:term"*"#),
        ("{name path}:x ", #""{name" AND "path}:x""#),
        ("^start +plus foo* ", #""^start" AND "+plus" AND "foo*""#),
        // Terms without a token character are dropped rather than sent as empty phrases.
        ("foo ... ** 😀 ", #""foo""#),
        ("foo .", #""foo""#),
        ("foo \"", #""foo""#),
        ("foo \"\" bar", #""foo" AND "bar"*"#),
        // Controls never reach SQLite; NUL would end the expression early.
        ("a\u{0}b", #""a b"*"#),
        ("a\u{1}b\u{7f}c ", #""a b c""#),
        // Letters of any script; case and diacritics are left to the tokenizer.
        ("Café", #""Café"*"#),
        ("東京 ", #""東京""#),
        ("שלום עולם", #""שלום" AND "עולם"*"#),
        // Nothing searchable, or nothing but exclusions.
        ("", nil),
        ("   ", nil),
        ("-", nil),
        ("--", nil),
        ("- -", nil),
        ("-foo", nil),
        ("-foo -\"a b\" ", nil),
        ("...", nil),
        (#""""#, nil),
        (#"""#, nil),
        ("* ^ : ( ) { } +", nil),
        ("\u{301}", nil),
        ("😀👩‍👩‍👧", nil),
        ("\u{0}", nil),
        ("\u{200F}\u{202E}", nil),
        ("\u{19B0}", nil),
        (String(decoding: [0xFF, 0xFE, 0xC3], as: UTF8.self), nil),
    ]

    @Test(arguments: translations)
    func translatesTypedQueries(query: String, expected: String?) {
        #expect(SimpleQuery.translate(query) == expected)
    }

    /// An identifier of four words or more being typed, its last word longer than the prefix index's three letters, is
    /// also searched narrowed to that index; nothing else is.
    static let narrowings: [(query: String, expected: String?)] = [
        ("xhci_ring_ep_doorbell", #""xhci ring ep doo"* OR "xhci ring ep doorbell""#),
        ("  IWL_mvm.mac-setup_regi", #""IWL mvm mac setup reg"* OR "IWL mvm mac setup regi""#),
        ("a_b_c_dddd.", #""a b c ddd"* OR "a b c dddd""#),
        ("ext4_fc_replay", nil),  // three words
        ("a_b_c_ddd", nil),  // the prefix index serves it as it is
        ("xhci_ring_ep_doorbell ", nil),  // a whole word
        ("xhci ring ep doorbell", nil),  // four terms
        ("xhci_ring ep_doorbell", nil),
        ("-xhci_ring_ep_doorbell", nil),
        (#""xhci_ring_ep_doorbell"#, nil),
        ("xhci_ring_ep_d\u{F6}rbell", nil),
        ("xhci_ring_ep_doorbell\t", nil),
        ("", nil),
    ]

    @Test(arguments: narrowings)
    func narrowsIdentifiersBeingTyped(query: String, expected: String?) {
        #expect(SimpleQuery.narrowedPrefix(query) == expected)
    }

    @Test func groupsManyExclusionsUnderOneNot() throws {
        let query = "fox " + (0..<1_000).map { "-x\($0)" }.joined(separator: " ") + " -quick"
        let translated = try #require(SimpleQuery.translate(query))
        #expect(translated.hasPrefix(#"("fox") NOT ("x0" OR "x1" OR "#))
        #expect(translated.ranges(of: " NOT ").count == 1)
        let count = try Self.makeCorpus().read { db in try Self.count(translated, in: db) }
        #expect(count == 1)
    }

    // MARK: - Hostile input

    /// Input aimed at the FTS5 query parser; each is also tried with a space, a word, `-` and `"` around it.
    static let hostile: [String] = [
        #"""#, #""""#, #"""""#, #"a""b"#, #"" ""#, #""a" "b"#, #""*"#, #"""*"#, #"-""#, #"-"""#,
        "(", ")", "()", "(a", "a)", "((a))", "(a OR b)", "*", "**", "a*", "*a", "a**", "a * b", "\"a\"*",
        "AND", "OR", "NOT", "a AND", "AND a", "a OR b", "a NOT b", "NOT a", "a AND OR NOT b", "and or not",
        "NEAR", "NEAR(a b)", "NEAR(a b, 2)", "NEAR(", "a NEAR b", "NEAR/3",
        "-", "--", "---", "- -", "-a", "--a", "-(a)", "-*", "-\"", "a -", "a --", "-a -b",
        ".", ",", ";", "!", "?", "@", "#", "$", "%", "&", "|", "~", "`", "'", "\\", "/", "<", ">", "=", "_",
        "col:term", "body:", ":", "body:foo", "name:path:x", "{name}:x", "{name body}: x", "-body:x", "NEAR:x",
        "^", "^term", "^\"term\"", "a ^b", "+", "+a", "a + b", "{", "}", "{}", "[", "]", "[a]",
        "\u{0}", "a\u{0}", "\u{0}a", "\"\u{0}\"", "a\u{0}b\u{0}c", "\u{1}\u{2}\u{1B}[31m", "\u{7F}", "\u{85}",
        "\u{301}", "a\u{301}", "\u{301}a", "\"\u{301}\"", "-\u{301}", "e\u{301}\u{302}\u{303}*",
        "\u{200D}", "\u{FEFF}", "\u{FFFF}", "\u{FFFD}", "\u{E000}", "\u{10FFFD}", "\u{E0001}",
        "😀", "😀*", "a😀b", "👩‍👩‍👧‍👦", "🏳️‍🌈 flag", "1️⃣",
        "\u{200F}שלום\u{200E}", "\u{202E}abc\u{202C}", "مرحبا بالعالم", "東京都", "日本語*", "한국어",
        String(decoding: [0xFF, 0xFE, 0xC3], as: UTF8.self),
        String(decoding: [0x61, 0xC3, 0x22, 0xED, 0xA0, 0x80, 0x62], as: UTF8.self),
        String(repeating: "\"", count: 4_096), String(repeating: "-", count: 4_096),
        String(repeating: "(", count: 2_048) + String(repeating: ")", count: 2_048),
        String(repeating: "a ", count: 2_048), String(repeating: "-a ", count: 1_365),
        String(repeating: "a.", count: 2_048), String(repeating: "é", count: 2_048),
        String(repeating: "\"a\" ", count: 1_024), String(repeating: "NOT ", count: 1_024),
    ]

    @Test func acceptsHostileLiterals() throws {
        let corpus = try Self.makeCorpus()
        try corpus.read { db in
            for query in Self.hostile {
                for variant in [query, query + " ", "x " + query, query + " x", "-" + query, "\"" + query] {
                    Self.expectAccepted(variant, in: db)
                }
            }
        }
    }

    /// The inputs Scripts/fuzz kept (seeds and new coverage), replayed on every run.
    @Test func acceptsEveryKeptFuzzInput() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "Fuzz/simple-query"
        )
        let inputs = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(inputs.count >= 10)
        let corpus = try Self.makeCorpus()
        try corpus.read { db in
            for name in inputs {
                let bytes = try Data(contentsOf: folder.appendingPathComponent(name))
                Self.expectAccepted(String(decoding: bytes, as: UTF8.self), in: db)
            }
        }
    }

    @Test func acceptsFourKilobytesOfRandomJunk() throws {
        var random = SeededRandom(seed: 0x5EEC)
        let corpus = try Self.makeCorpus()
        try corpus.read { db in
            for _ in 0..<300 {
                Self.expectAccepted(Self.junk(bytes: 4_096, using: &random), in: db)
            }
        }
    }

    @Test func acceptsRandomUnicode() throws {
        var random = SeededRandom(seed: 0xC0FFEE)
        let corpus = try Self.makeCorpus()
        try corpus.read { db in
            for _ in 0..<2_000 {
                var query = ""
                for _ in 0..<Int.random(in: 1...12, using: &random) {
                    query.unicodeScalars.append(Self.randomScalar(using: &random))
                }
                Self.expectAccepted(query, in: db)
            }
        }
    }

    @Test func acceptsInvalidUTF8() throws {
        var random = SeededRandom(seed: 0xBAD)
        let corpus = try Self.makeCorpus()
        try corpus.read { db in
            for _ in 0..<1_000 {
                let bytes = (0..<Int.random(in: 1...64, using: &random)).map { _ in
                    // Mostly bytes that cannot start or continue a scalar, with some ASCII syntax between them.
                    Bool.random(using: &random)
                        ? UInt8.random(in: 0x80...0xFF, using: &random)
                        : Array(#"a "-*():^"#.utf8).randomElement(using: &random)!
                }
                Self.expectAccepted(String(decoding: bytes, as: UTF8.self), in: db)
            }
        }
    }

    /// The translation is one pass over the bytes: ten times the input costs about ten times the time, never the
    /// square (the absolute cost of 4 KiB is the benchmark's business, not a unit test's on a shared machine).
    @Test func translationTimeGrowsLinearlyWithTheInput() {
        var random = SeededRandom(seed: 42)
        let small = Self.junk(bytes: 4_096, using: &random)
        let large = String(repeating: small, count: 10)
        let clock = ContinuousClock()
        func fastest(_ query: String) -> Duration {
            (0..<7).map { _ in clock.measure { _ = SimpleQuery.translate(query) } }.min()!
        }
        let ratio = fastest(large) / fastest(small)
        #expect(ratio < 40, "10x the input took \(ratio)x the time")
    }

    /// Every term the translation keeps must give FTS5 at least one token, or it would be an empty phrase that
    /// matches nothing. Checking each scalar the classifier accepts against SQLite's own tokenizer covers that for
    /// all input, including scalars whose category changed between Unicode versions.
    @Test func keepsOnlyScalarsSQLiteTokenizes() throws {
        let accepted = (UInt32(0)...0x10FFFF).compactMap(Unicode.Scalar.init).filter(TextTokens.isTokenScalar)
        let chunkSize = 1_000
        let dbQueue = try DatabaseQueue()
        let tokenCounts = try dbQueue.write { db in
            try db.execute(sql: "CREATE VIRTUAL TABLE t USING fts5(body, tokenize = 'unicode61 remove_diacritics 2')")
            try db.execute(sql: "CREATE VIRTUAL TABLE t_instance USING fts5vocab(t, instance)")
            for start in stride(from: 0, to: accepted.count, by: chunkSize) {
                var body = ""
                for scalar in accepted[start..<min(start + chunkSize, accepted.count)] {
                    body.unicodeScalars.append(scalar)
                    body += " "
                }
                try db.execute(sql: "INSERT INTO t(rowid, body) VALUES (?, ?)", arguments: [start, body])
            }
            return try Dictionary(
                uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT doc, count(*) FROM t_instance GROUP BY doc")
                    .map { (row: Row) -> (Int, Int) in (row[0], row[1]) }
            )
        }
        for start in stride(from: 0, to: accepted.count, by: chunkSize) {
            let expected = min(chunkSize, accepted.count - start)
            #expect(tokenCounts[start] == expected, "scalars from U+\(String(accepted[start].value, radix: 16))")
        }
    }

    @Test func spellsOutWhitespaceAndControlsAsUnicodeDefinesThem() {
        let scalars = (UInt32(0)...0x10FFFF).compactMap(Unicode.Scalar.init)
        let whitespace = scalars.filter { SimpleQuery.isWhitespace($0.value) != $0.properties.isWhitespace }
        let controls = scalars.filter { SimpleQuery.isControl($0.value) != ($0.properties.generalCategory == .control) }
        #expect(whitespace.isEmpty)
        #expect(controls.isEmpty)
    }

    // MARK: - Behaviour on real data

    /// The rows of the index the behaviour tests search.
    static let corpus: [(name: String, path: String, body: String)] = [
        ("Café.txt", "docs/Café.txt", "Menu du jour"),
        ("policy.md", "notes/policy.md", "The Cancellation policy"),
        ("snake.py", "src/snake.py", "def uses_snake_case(): pass"),
        ("story.txt", "misc/story.txt", "a case of the snake"),
        ("quick.txt", "text/quick.txt", "the quick brown fox"),
        ("brown.txt", "text/brown.txt", "brown quick fox"),
        ("lazy.txt", "text/lazy.txt", "the lazy fox"),
        ("settings.ini", "etc/settings.ini", "see config.backup for details"),
    ]

    @Test(
        arguments: [
            ("cafe", ["Café.txt"]),
            ("CAFÉ ", ["Café.txt"]),
            ("docs ", ["Café.txt"]),
            ("canc", ["policy.md"]),
            ("canc ", []),
            ("cancellation ", ["policy.md"]),
            ("snake_case ", ["snake.py"]),
            ("snake case ", ["snake.py", "story.txt"]),
            ("fox ", ["brown.txt", "lazy.txt", "quick.txt"]),
            ("fox -quick", ["lazy.txt"]),
            ("fox -\"quick brown\"", ["brown.txt", "lazy.txt"]),
            ("-quick fox", ["lazy.txt"]),
            ("\"quick brown\"", ["quick.txt"]),
            ("\"brown quick", ["brown.txt"]),
            ("\"quick bro\"", []),
            ("quick.bro", ["quick.txt"]),
            ("config.ba", ["settings.ini"]),
            ("config.x", []),
            ("the fox", ["lazy.txt", "quick.txt"]),
            ("NOT fox ", []),
            ("txt -text ", ["Café.txt", "story.txt"]),
        ] as [(String, [String])]
    )
    func matchesTheRightFiles(query: String, expectedNames: [String]) throws {
        let names = try Self.makeCorpus().read { db -> [String] in
            guard let match = SimpleQuery.translate(query) else { return [] }
            return try String.fetchAll(
                db,
                sql: "SELECT name FROM fts WHERE fts MATCH ? ORDER BY name",
                arguments: [match]
            )
        }
        #expect(names == expectedNames.sorted())
    }

    // MARK: - Helpers

    /// An in-memory index with the production schema and the small corpus above.
    static func makeCorpus() throws -> DatabaseQueue {
        let dbQueue = try DatabaseQueue()
        try dbQueue.write { db in
            try db.execute(
                sql: """
                    CREATE VIRTUAL TABLE fts USING fts5(name, path, body,
                        tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3')
                    """
            )
            for row in corpus {
                try db.execute(
                    sql: "INSERT INTO fts(name, path, body) VALUES (?, ?, ?)",
                    arguments: [row.name, row.path, row.body]
                )
            }
        }
        return dbQueue
    }

    /// The number of rows `match` finds in the corpus.
    static func count(_ match: String, in db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT count(*) FROM fts WHERE fts MATCH ?", arguments: [match]) ?? 0
    }

    /// Records an issue when SQLite rejects the translation of `query`.
    static func expectAccepted(_ query: String, in db: Database, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let match = SimpleQuery.translate(query) else { return }
        do {
            _ = try count(match, in: db)
        } catch {
            Issue.record(
                "\(query.debugDescription) as \(match.debugDescription): \(error)",
                sourceLocation: sourceLocation
            )
        }
    }

    /// Up to `bytes` UTF-8 bytes of query syntax, FTS5 syntax, words and arbitrary scalars.
    static func junk(bytes: Int, using random: inout SeededRandom) -> String {
        let pieces = [
            "\"", "\"", "-", "-", " ", " ", " ", "*", "(", ")", "^", ":", "+", "{", "}", ".", "_", ",", "'", "\t",
            "\n", "\u{0}", "\u{1}", "AND", "OR", "NOT", "NEAR(", "NEAR/2", "body:", "name:", "--", "\"\"", "a", "b",
            "foo", "é", "\u{301}", "😀", "東",
        ]
        var query = ""
        var size = 0
        while true {
            let piece: String
            if Bool.random(using: &random) {
                piece = pieces.randomElement(using: &random)!
            } else {
                piece = String(Character(randomScalar(using: &random)))
            }
            guard size + piece.utf8.count <= bytes else { return query }
            query += piece
            size += piece.utf8.count
        }
    }

    /// A scalar from the ranges most likely to trouble a tokenizer or a parser, or from anywhere.
    static func randomScalar(using random: inout SeededRandom) -> Unicode.Scalar {
        let ranges: [ClosedRange<UInt32>] = [
            0x00...0x7F, 0x80...0xFF, 0x300...0x36F, 0x590...0x6FF, 0x200B...0x202E, 0x4E00...0x9FFF,
            0xAC00...0xD7A3, 0xE000...0xF8FF, 0xFE00...0xFE0F, 0xFFF0...0xFFFF, 0x1F300...0x1FAFF,
            0xE0000...0xE007F, 0xF0000...0x10FFFF, 0x0...0x10FFFF,
        ]
        while true {
            let value = UInt32.random(in: ranges.randomElement(using: &random)!, using: &random)
            if let scalar = Unicode.Scalar(value) {
                return scalar
            }
        }
    }
}
