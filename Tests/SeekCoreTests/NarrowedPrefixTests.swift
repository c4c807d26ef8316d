import GRDB
import SeekTestSupport
import Testing

@testable import SeekCore

/// An identifier still being typed is searched narrowed to the three-character prefix index, and ranked as the phrase
/// it stands for: where that ranking decides, it must be exactly the ranking of the phrase itself (the same rows,
/// order and scores); where it cannot, it must say so. Random files over a vocabulary whose words share their first
/// three letters (`delta`, `deltoid`, `del`), so that both happen.
@Suite(.timeLimit(.minutes(2)))
struct NarrowedPrefixTests {
    private static let words = [
        "alpha", "alphabet", "alp", "beta", "betamax", "gamma", "del", "delta", "deltoid", "deltas", "eps", "epsilon",
        "zeta", "zetas",
    ]

    /// 300 files whose bodies and names run through the vocabulary, most words in order so that long phrases occur.
    private static func makeIndex(using random: inout SeededRandom) throws -> DatabaseQueue {
        let db = try DatabaseQueue()
        try db.write { db in
            try IndexSchema.create(db)
            try MatchRank.register(in: db)
        }
        try db.write { db in
            for id in 1...300 {
                let name = Self.run(of: Int.random(in: 1...5, using: &random), joinedBy: "_", using: &random) + ".c"
                let body = (0..<Int.random(in: 1...12, using: &random)).map { _ in
                    Self.run(of: Int.random(in: 1...6, using: &random), joinedBy: " ", using: &random)
                }.joined(separator: ". ")
                try db.execute(
                    sql: "INSERT INTO files VALUES (?, ?, '/d', 1, 1, 1, ?, 0)",
                    arguments: [id, "/d/\(id)/\(name)", id]
                )
                try db.execute(
                    sql: "INSERT INTO fts(rowid, name, path, body) VALUES (?, ?, ?, ?)",
                    arguments: [id, name, "\(id)/\(name)", body]
                )
            }
        }
        return db
    }

    @Test func rankingDecidedFromTheNarrowedFormIsThePhrasesRanking() throws {
        var random = SeededRandom(seed: 0x9A77)
        let db = try Self.makeIndex(using: &random)
        var decided = 0
        var undecided = 0
        for _ in 0..<400 {
            let typed = Self.run(of: Int.random(in: 4...6, using: &random), joinedBy: "_", using: &random)
            // The last word typed in full or in part, but past the prefix index's three letters.
            let lastWord = typed.split(separator: "_").last!
            guard lastWord.count > 3 else { continue }
            let query = String(typed.dropLast(Int.random(in: 0...(lastWord.count - 4), using: &random)))
            let narrowed = try #require(SimpleQuery.narrowedPrefix(query), "query \(query)")
            let expression = try #require(SimpleQuery.translate(query))
            let reference = try db.read { db in try Self.ranking(expression, isNarrowed: false, in: db) }
            do {
                let ours = try db.read { db in try Self.ranking(narrowed, isNarrowed: true, in: db) }
                #expect(ours.map(\.id) == reference.map(\.id), "query \(query)")
                #expect(ours.map(\.rank) == reference.map(\.rank), "query \(query)")
                if !ours.isEmpty { decided += 1 }
            } catch let error as DatabaseError where error.message == MatchRank.undecided {
                undecided += 1
            }
        }
        #expect(decided > 40)
        #expect(undecided > 40)
    }

    @Test func aRowWithAnotherCompletionOfThePrefixIsUndecided() throws {
        let db = try DatabaseQueue()
        try db.write { db in
            try IndexSchema.create(db)
            try MatchRank.register(in: db)
            try db.execute(sql: "INSERT INTO files VALUES (1, '/d/a.c', '/d', 1, 1, 1, 1, 0)")
            try db.execute(
                sql: "INSERT INTO fts(rowid, name, path, body) VALUES (1, 'a.c', 'a.c', 'alpha beta gamma deltoid')"
            )
        }
        // `delt*` matches `deltoid`, which the whole word `delt` does not: only the phrase itself can rank the row.
        let narrowed = try #require(SimpleQuery.narrowedPrefix("alpha_beta_gamma_delt"))
        #expect(narrowed == #""alpha beta gamma del"* OR "alpha beta gamma delt""#)
        #expect(throws: DatabaseError.self) {
            try db.read { db in try Self.ranking(narrowed, isNarrowed: true, in: db) }
        }
        let expression = try #require(SimpleQuery.translate("alpha_beta_gamma_delt"))
        #expect(try db.read { db in try Self.ranking(expression, isNarrowed: false, in: db) }.map(\.id) == [1])
    }

    private static func ranking(
        _ expression: String,
        isNarrowed: Bool,
        in db: Database
    ) throws -> [(id: Int64, rank: Double)] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT files.id, seek_rank(fts, 1, \(isNarrowed ? 1 : 0)) AS rank
                FROM fts CROSS JOIN files ON files.id = fts.rowid
                WHERE fts MATCH ?
                ORDER BY rank, files.path
                """,
            arguments: [expression]
        ).map { ($0["id"], $0["rank"]) }
    }

    /// `count` words of the vocabulary, mostly consecutive in its order (so that typed identifiers occur in files).
    private static func run(of count: Int, joinedBy separator: String, using random: inout SeededRandom) -> String {
        var index = Int.random(in: 0..<words.count, using: &random)
        return (0..<count).map { _ in
            defer {
                index =
                    Int.random(in: 0..<4, using: &random) == 0
                    ? Int.random(in: 0..<words.count, using: &random) : (index + 1) % words.count
            }
            return words[index]
        }.joined(separator: separator)
    }
}
