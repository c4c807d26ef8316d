import Foundation
import GRDB
import GRDBSQLite

/// `seek_rank(fts, boost_name)`: FTS5's bm25 (same weights, same formula), without the extra passes over the index
/// that ranking cost before.
///
/// bm25 runs every phrase of the query a second time over the whole index to count the rows that hold it (its
/// inverse document frequency), and the name boost ran the query a third time on the name column. For a rare
/// identifier on the kernel tree those passes were two thirds of the SQL, and for a one-letter prefix they expanded
/// the prefix again. Here:
/// - an expression of one phrase skips the count: its inverse document frequency is the same for every row, so it
///   scales every score alike and changes no order (the scores are then bm25's divided by it);
/// - with `boost_name` nonzero, a row whose name (column 0) holds every phrase the row matches scores 4x, read
///   from the row's own phrase instances. That is "the name holds every query word" without a second `MATCH` only
///   for what the simple syntax makes, `(p1 AND p2 ...) NOT (q1 OR ...)`: an excluded phrase has no instance in a
///   row that matches, and every included one has. With an `OR` of included phrases it would not be, so the `fts5`
///   syntax ranks with `boost_name` 0.
///
/// With a third argument nonzero, `seek_rank(fts, boost_name, 1)` ranks a narrowed prefix phrase (see
/// `SimpleQuery.narrowedPrefix`): the expression is `P3 OR Px`, standing for one phrase `P` whose last word is a
/// prefix, where `P3` has that prefix cut to the three characters FTS5 keeps a prefix index for and `Px` has it as a
/// whole word. Every instance of `Px` is one of `P` and every one of `P` one of `P3`, so in a row with as many
/// instances of `P3` as of `Px` the three are the same, and the row is scored as `P` alone from `Px`'s instances
/// (what the one-phrase expression `P` scores). A row with more instances of `P3` may hold completions of the prefix
/// that `Px` misses, or none: the function fails with `undecided`, and the caller runs `P` itself.
///
/// Lower is better, as with bm25. The function is registered on every connection of the pool.
package enum MatchRank {
    /// The SQL name of the function.
    package static let name = "seek_rank"

    /// The error message of a narrowed ranking that cannot tell a row's instances (see above).
    package static let undecided = "seek_rank: narrowed prefix undecided"

    /// Registers the function on `db`; FTS5 keeps it for the connection's lifetime.
    static func register(in db: Database) throws {
        let api = UnsafeMutablePointer(mutating: FTS5.api(db))
        let code = api.pointee.xCreateFunction(api, name, nil, rank, nil)
        guard code == SQLITE_OK else { throw DatabaseError(resultCode: ResultCode(rawValue: code)) }
    }

    /// bm25's parameters, and the weights of the columns (name, path, body).
    private static let k1 = 1.2
    private static let b = 0.75
    private static let weights = IndexSchema.rankColumnWeights
    private static let nameBoost = 4.0

    /// What a query's rows share, computed on its first row and kept by FTS5 until the statement ends.
    private final class QueryStatistics {
        let averageLength: Double
        let inverseFrequencies: [Double]
        /// The current row's weighted count of each phrase, and whether the name holds it: buffers reused row
        /// after row.
        var frequencies: [Double]
        var inName: [Bool]

        init(averageLength: Double, inverseFrequencies: [Double]) {
            self.averageLength = averageLength
            self.inverseFrequencies = inverseFrequencies
            self.frequencies = Array(repeating: 0, count: inverseFrequencies.count)
            self.inName = Array(repeating: false, count: inverseFrequencies.count)
        }

        func startRow() {
            for index in frequencies.indices {
                frequencies[index] = 0
                inName[index] = false
            }
        }
    }

    private static let rank: fts5_extension_function = { api, fts, context, argumentCount, arguments in
        guard let api, let fts else { return }
        let boostsName = argumentCount > 0 && sqlite3_value_int(arguments![0]) != 0
        let isNarrowed = argumentCount > 1 && sqlite3_value_int(arguments![1]) != 0
        if isNarrowed && api.pointee.xPhraseCount(fts) != 2 {
            sqlite3_result_error(context, "seek_rank: a narrowed prefix takes two phrases", -1)
            return
        }
        let statistics: QueryStatistics
        if let stored = api.pointee.xGetAuxdata(fts, 0) {
            statistics = Unmanaged<QueryStatistics>.fromOpaque(stored).takeUnretainedValue()
        } else {
            var code = SQLITE_OK
            guard let computed = makeStatistics(api: api, fts: fts, countsPhrases: !isNarrowed, code: &code) else {
                sqlite3_result_error_code(context, code)
                return
            }
            statistics = computed
            let retained = Unmanaged.passRetained(computed).toOpaque()
            code = api.pointee.xSetAuxdata(fts, retained) { stored in
                if let stored { Unmanaged<QueryStatistics>.fromOpaque(stored).release() }
            }
            guard code == SQLITE_OK else {
                sqlite3_result_error_code(context, code)
                return
            }
        }

        var instanceCount: Int32 = 0
        var code = api.pointee.xInstCount(fts, &instanceCount)
        statistics.startRow()
        // Narrowed: instances of the cut phrase (0) against those of the whole word (1), which alone are scored.
        var narrowedBalance = 0
        var instance: Int32 = 0
        while code == SQLITE_OK && instance < instanceCount {
            var phrase: Int32 = 0
            var column: Int32 = 0
            var offset: Int32 = 0
            code = api.pointee.xInst(fts, instance, &phrase, &column, &offset)
            if code == SQLITE_OK && isNarrowed && phrase == 0 {
                narrowedBalance += 1
            } else if code == SQLITE_OK {
                if isNarrowed { narrowedBalance -= 1 }
                let column = Int(column)
                statistics.frequencies[Int(phrase)] += column < weights.count ? weights[column] : 1
                if column == 0 { statistics.inName[Int(phrase)] = true }
            }
            instance += 1
        }
        var rowLength: Int32 = 0
        if code == SQLITE_OK { code = api.pointee.xColumnSize(fts, -1, &rowLength) }
        guard code == SQLITE_OK else {
            sqlite3_result_error_code(context, code)
            return
        }
        guard narrowedBalance == 0 else {
            sqlite3_result_error(context, undecided, -1)
            return
        }
        let lengthFactor = k1 * (1 - b + b * Double(rowLength) / statistics.averageLength)
        var score = 0.0
        var matchedPhrases = 0
        var phrasesInName = 0
        for (index, frequency) in statistics.frequencies.enumerated() where frequency > 0 {
            score += statistics.inverseFrequencies[index] * ((frequency * (k1 + 1)) / (frequency + lengthFactor))
            matchedPhrases += 1
            if statistics.inName[index] { phrasesInName += 1 }
        }
        let nameHoldsEveryPhrase = boostsName && matchedPhrases > 0 && phrasesInName == matchedPhrases
        sqlite3_result_double(context, -score * (nameHoldsEveryPhrase ? nameBoost : 1))
    }

    /// The average row length and each phrase's inverse document frequency, as bm25 computes them; with one
    /// phrase, or a narrowed prefix (`countsPhrases` false), the frequency is not counted (see above).
    private static func makeStatistics(
        api: UnsafePointer<Fts5ExtensionApi>,
        fts: OpaquePointer,
        countsPhrases: Bool,
        code: inout Int32
    ) -> QueryStatistics? {
        var rowCount: sqlite3_int64 = 0
        var tokenCount: sqlite3_int64 = 0
        code = api.pointee.xRowCount(fts, &rowCount)
        if code == SQLITE_OK { code = api.pointee.xColumnTotalSize(fts, -1, &tokenCount) }
        guard code == SQLITE_OK else { return nil }
        let phraseCount = Int(api.pointee.xPhraseCount(fts))
        var inverseFrequencies = [Double](repeating: 1, count: phraseCount)
        if phraseCount > 1 && countsPhrases {
            for phrase in 0..<phraseCount {
                var hits: sqlite3_int64 = 0
                code = api.pointee.xQueryPhrase(fts, Int32(phrase), &hits) { _, _, counter in
                    counter!.assumingMemoryBound(to: sqlite3_int64.self).pointee += 1
                    return SQLITE_OK
                }
                guard code == SQLITE_OK else { return nil }
                let rows = Double(rowCount)
                let holding = Double(hits)
                let inverseFrequency = Foundation.log((rows - holding + 0.5) / (holding + 0.5))
                inverseFrequencies[phrase] = inverseFrequency > 0 ? inverseFrequency : 1e-6
            }
        }
        let averageLength = rowCount > 0 ? Double(tokenCount) / Double(rowCount) : 1
        return QueryStatistics(averageLength: max(averageLength, 1e-9), inverseFrequencies: inverseFrequencies)
    }
}
