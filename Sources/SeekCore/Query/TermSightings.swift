/// Which query terms are spelled in a text's first bytes (ASCII case folded), found by one walk over the places where
/// they are spelled: the search asks it whether a short read can hold a complete window, and the snippet builder which
/// term to hunt complete windows by. Taken once per hit, so the two questions cost one walk.
package struct TermSightings: Sendable {
    /// The bits of the terms not spelled in the bytes walked.
    let unseen: UInt64
    /// The candidate (its index in the query's word table) whose first spelling came last.
    let last: Int?
    /// Whether a non-ASCII byte was passed: it may fold into any term.
    let passedNonASCII: Bool

    /// Whether every query term could occur in the bytes walked: each is spelled there, or a non-ASCII byte makes
    /// that a question of folding (counted as yes).
    package var mayHoldEveryTerm: Bool { unseen == 0 || passedNonASCII }
}
