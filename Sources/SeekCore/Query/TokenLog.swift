/// The tokens a snippet scan read, in order, with the matches among them: `matched` holds their positions in
/// `tokens`, `masks` the terms each one is (`QueryWordTable.Buffers.match`). Positions count from the first token of
/// the stretch the scan is reading, not necessarily from the text's start.
struct TokenLog {
    private(set) var tokens: [Range<Int>] = []
    private(set) var matched: [Int] = []
    private(set) var masks: [UInt64] = []

    init(capacity: Int = 0) {
        tokens.reserveCapacity(capacity)
    }

    /// Notes the next token of the text; its terms when it is a query word.
    mutating func append(
        _ token: Range<Int>,
        of bytes: UnsafeBufferPointer<UInt8>,
        _ table: QueryWordTable.Buffers
    ) -> UInt64? {
        tokens.append(token)
        guard table.mayStartQueryWord(bytes[token.lowerBound]),
            let mask = table.match(UnsafeBufferPointer(rebasing: bytes[token]))
        else { return nil }
        matched.append(tokens.count - 1)
        masks.append(mask)
        return mask
    }

    /// Forgets what was read (a scan skipping ahead starts a new stretch), keeping the storage.
    mutating func removeAll() {
        tokens.removeAll(keepingCapacity: true)
        matched.removeAll(keepingCapacity: true)
        masks.removeAll(keepingCapacity: true)
    }

    /// The terms the matches at positions in `window` hold. `matched[index]` lies in the window and `matched` is in
    /// order, so the others there are its neighbours.
    func coverage(around index: Int, in window: Range<Int>) -> UInt64 {
        var covered: UInt64 = 0
        var first = index
        while first > 0 && matched[first - 1] >= window.lowerBound { first -= 1 }
        var next = first
        while next < matched.count && matched[next] < window.upperBound {
            covered |= masks[next]
            next += 1
        }
        return covered
    }

    /// Where the shortest span of matches ending at `matched[index]` and starting at or after `earliest` that holds
    /// every term of `complete` starts; nil when none does.
    func completeSpanStart(endingAt index: Int, earliest: Int, complete: UInt64) -> Int? {
        var covered: UInt64 = 0
        var first = index
        while first >= 0 && matched[first] >= earliest {
            covered |= masks[first]
            if covered == complete { return matched[first] }
            first -= 1
        }
        return nil
    }

    /// Where the window holding the most terms starts, among those of the first `candidates` matches (each starting
    /// two tokens before its match; the first of equals; the stretch's start without a match).
    func bestStart(amongFirst candidates: Int, windowTokens: Int) -> Int {
        var start = 0
        var bestCount = 0
        for (index, candidate) in matched.prefix(candidates).enumerated() {
            let windowStart = max(0, candidate - 2)
            let count = coverage(around: index, in: windowStart..<(windowStart + windowTokens)).nonzeroBitCount
            if count > bestCount {
                bestCount = count
                start = windowStart
            }
        }
        return start
    }
}
