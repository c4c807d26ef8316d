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
    private static func makeIndex(using random: inout SeededRandom) throws -> RankingFixture {
        let index = try RankingFixture()
        for id in 1...300 {
            let name = Self.run(of: Int.random(in: 1...5, using: &random), joinedBy: "_", using: &random) + ".c"
            let body = (0..<Int.random(in: 1...12, using: &random)).map { _ in
                Self.run(of: Int.random(in: 1...6, using: &random), joinedBy: " ", using: &random)
            }.joined(separator: ". ")
            try index.add(id: id, name: name, path: "\(id)/\(name)", body: body)
        }
        return index
    }

    @Test func rankingDecidedFromTheNarrowedFormIsThePhrasesRanking() throws {
        var random = SeededRandom(seed: 0x9A77)
        let index = try Self.makeIndex(using: &random)
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
            let reference = try index.ranking("seek_rank(fts, 1)", arguments: [expression])
            do {
                let ours = try index.ranking("seek_rank(fts, 1, 1)", arguments: [narrowed])
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
        let index = try RankingFixture()
        try index.add(id: 1, name: "a.c", path: "d/a.c", body: "alpha beta gamma deltoid")
        // `delt*` matches `deltoid`, which the whole word `delt` does not: only the phrase itself can rank the row.
        let narrowed = try #require(SimpleQuery.narrowedPrefix("alpha_beta_gamma_delt"))
        #expect(narrowed == #""alpha beta gamma del"* OR "alpha beta gamma delt""#)
        #expect(throws: DatabaseError.self) { try index.ranking("seek_rank(fts, 1, 1)", arguments: [narrowed]) }
        let expression = try #require(SimpleQuery.translate("alpha_beta_gamma_delt"))
        #expect(try index.ranking("seek_rank(fts, 1)", arguments: [expression]).map(\.id) == [1])
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
