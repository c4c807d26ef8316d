/// Result of `search`: hits best first.
public struct SearchResult: Sendable, Equatable, Codable {
    public var hits: [SearchHit]
    public var elapsedMilliseconds: Double
    public var generation: Int
    /// false when ranking every match would have taken too long and the hits are the first matches found, ranked
    /// among themselves (a one- or two-letter prefix on a big tree). Absent from older daemons: read as true.
    public var ranked: Bool?

    public init(hits: [SearchHit], elapsedMilliseconds: Double, generation: Int, ranked: Bool? = nil) {
        self.hits = hits
        self.elapsedMilliseconds = elapsedMilliseconds
        self.generation = generation
        self.ranked = ranked
    }

    enum CodingKeys: String, CodingKey {
        case hits, generation, ranked
        case elapsedMilliseconds = "elapsed_ms"
    }
}

/// One file that matched.
public struct SearchHit: Sendable, Equatable, Codable {
    /// The absolute path; U+FFFD stands for each invalid UTF-8 sequence, and `pathBytes` then holds the exact bytes.
    public var path: String
    /// Base64 of the exact path bytes, present only when the path is not valid UTF-8.
    public var pathBytes: String?
    /// Higher is better.
    public var score: Double
    public var size: Int
    /// Seconds since the epoch, with the file system's sub-second precision.
    public var mtime: Double
    public var snippet: String?

    public init(path: String, pathBytes: String?, score: Double, size: Int, mtime: Double, snippet: String?) {
        self.path = path
        self.pathBytes = pathBytes
        self.score = score
        self.size = size
        self.mtime = mtime
        self.snippet = snippet
    }

    enum CodingKeys: String, CodingKey {
        case path, score, size, mtime, snippet
        case pathBytes = "path_bytes"
    }
}
