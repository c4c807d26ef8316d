/// Numbers the protocol promises; clients and the daemon share them.
public enum ProtocolLimits {
    /// Longest line, in bytes before the newline.
    public static let maxLineBytes = 1 << 20
    /// Longest search query, in bytes.
    public static let maxQueryBytes = 4096
    public static let searchLimitRange = 1...1000
    public static let defaultSearchLimit = 20
    public static let timeoutRange = 1...60_000
    public static let defaultSearchTimeoutMilliseconds = 2000
    public static let defaultSyncTimeoutMilliseconds = 10_000
    /// Requests in flight on one connection before -32003.
    public static let maxInFlightPerConnection = 64
    public static let defaultHighlight = ["<mark>", "</mark>"]
    /// Longest `highlight` marker, in bytes: a snippet repeats its markers, so they bound the answer's size.
    public static let maxHighlightMarkerBytes = 64
    /// Most entries in a search's `paths`: each scope is a few SQL parameters of the statement.
    public static let maxSearchPaths = 64
}
