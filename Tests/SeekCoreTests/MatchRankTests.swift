import GRDB
import SeekTestSupport
import Testing

@testable import SeekCore

/// `seek_rank` must order hits exactly as the ranking it replaced: FTS5's bm25 with the column weights, times 4 for a
/// file whose name matches the whole query (a second `MATCH` on the name column). Random files and queries over a
/// small vocabulary, so that names, paths and bodies share words, phrases repeat and prefixes expand.
@Suite(.timeLimit(.minutes(2)))
struct MatchRankTests {
    private static let words = [
        "alpha", "alphabet", "beta", "cancel", "cancellation", "delta", "epsilon", "gamma", "index", "indexer",
        "kappa", "lambda", "sigma", "zeta",
    ]

    /// 400 files over the vocabulary; every seventh is found by name only (no body, `content_state` 1).
    private static func makeIndex(using random: inout SeededRandom) throws -> RankingFixture {
        let index = try RankingFixture()
        for id in 1...400 {
            let name = Self.phrase(of: Int.random(in: 1...2, using: &random), joinedBy: "_", using: &random) + ".txt"
            let directory =
                "\(id)/" + Self.phrase(of: Int.random(in: 1...3, using: &random), joinedBy: "/", using: &random)
            let body = Self.phrase(of: Int.random(in: 0...80, using: &random), joinedBy: " ", using: &random)
            let nameOnly = id % 7 == 0
            try index.add(
                id: id,
                name: name,
                path: "\(directory)/\(name)",
                body: nameOnly ? "" : body,
                nameOnly: nameOnly
            )
        }
        return index
    }

    @Test func ordersHitsAsBM25WithTheNameBoost() throws {
        var random = SeededRandom(seed: 0x5EE6)
        let index = try Self.makeIndex(using: &random)
        var compared = 0
        for _ in 0..<300 {
            let query = Self.query(using: &random)
            guard let expression = SimpleQuery.translate(query) else { continue }
            let ours = try index.ranking("seek_rank(fts, 1)", arguments: [expression])
            let reference = try index.ranking(
                """
                bm25(fts, 10.0, 2.0, 1.0)
                    * (CASE WHEN files.id IN (SELECT rowid FROM fts WHERE fts MATCH ?) THEN 4.0 ELSE 1.0 END)
                """,
                arguments: ["{name} : (\(expression))", expression]
            )
            #expect(ours.map(\.id) == reference.map(\.id), "query \(query): \(expression)")
            // One phrase: bm25's inverse document frequency is left out, the same for every row; more: the same scores.
            if let first = ours.first, let firstReference = reference.first {
                let scale = firstReference.rank / first.rank
                let scaled = zip(ours, reference).allSatisfy { row, referenceRow in
                    abs(row.rank * scale - referenceRow.rank) <= 1e-9 * abs(referenceRow.rank)
                }
                #expect(scaled, "query \(query): scores not proportional to bm25's")
            }
            if !ours.isEmpty { compared += 1 }
        }
        #expect(compared > 150)
    }

    /// The `fts5` syntax ranks without the boost, whatever the expression: OR, NEAR, column filters, `^`.
    @Test func ordersFTS5ExpressionsAsBM25() throws {
        var random = SeededRandom(seed: 0xF755)
        let index = try Self.makeIndex(using: &random)
        var compared = 0
        for _ in 0..<200 {
            let word = { Self.words.randomElement(using: &random)! }
            let expression =
                switch Int.random(in: 0..<6, using: &random) {
                case 0: "\(word()) OR \(word())"
                case 1: "NEAR(\(word()) \(word()), 3)"
                case 2: "name : \(word()) OR body : \(word())"
                case 3: "\(word()) AND (\(word()) OR \(word())*)"
                case 4: "^\(word()) OR \"\(word()) \(word())\""
                default: "{path body} : \(word()) NOT \(word())"
                }
            let ours = try index.ranking("seek_rank(fts, 0)", arguments: [expression])
            let reference = try index.ranking("bm25(fts, 10.0, 2.0, 1.0)", arguments: [expression])
            #expect(ours.map(\.id) == reference.map(\.id), "expression \(expression)")
            if !ours.isEmpty { compared += 1 }
        }
        #expect(compared > 100)
    }

    @Test func ranksWithoutTheBoostWhenAskedTo() throws {
        let index = try RankingFixture()
        try index.add(id: 1, name: "gamma.txt", path: "a/gamma.txt", body: "")
        let (boosted, plain, bm25) = try index.db.read { db in
            (
                try Double.fetchOne(db, sql: "SELECT seek_rank(fts, 1) FROM fts WHERE fts MATCH 'gamma'")!,
                try Double.fetchOne(db, sql: "SELECT seek_rank(fts, 0) FROM fts WHERE fts MATCH 'gamma'")!,
                try Double.fetchOne(db, sql: "SELECT bm25(fts, 10.0, 2.0, 1.0) FROM fts WHERE fts MATCH 'gamma'")!
            )
        }
        #expect(plain < 0)
        #expect(boosted == 4 * plain)
        // One row: bm25's inverse document frequency is its floor, 1e-6.
        #expect(abs(bm25 - plain * 1e-6) <= 1e-9 * abs(bm25))
    }

    private static func phrase(of count: Int, joinedBy separator: String, using random: inout SeededRandom) -> String {
        (0..<count).map { _ in words.randomElement(using: &random)! }.joined(separator: separator)
    }

    /// One to three terms: words, prefixes of words, `_`-joined identifiers, quoted phrases, excluded words.
    private static func query(using random: inout SeededRandom) -> String {
        (0..<Int.random(in: 1...3, using: &random)).map { _ in
            let word = words.randomElement(using: &random)!
            switch Int.random(in: 0..<6, using: &random) {
            case 0: return String(word.prefix(Int.random(in: 1...word.count, using: &random)))
            case 1: return word + "_" + words.randomElement(using: &random)!
            case 2: return "\"\(word) \(words.randomElement(using: &random)!)\""
            case 3: return "-" + word
            default: return word
            }
        }.joined(separator: " ")
    }
}
