/// Result of `status`.
public struct StatusResult: Sendable, Equatable, Codable {
    public struct Pass: Sendable, Equatable, Codable {
        /// "idle" or "running".
        public var state: String
        public var done: Int
        public var queued: Int
        /// How long the running pass has run, and files it finished per second so far (beyond the protocol's
        /// minimum; absent when idle).
        public var elapsedSeconds: Double?
        public var filesPerSecond: Double?

        public init(
            state: String,
            done: Int,
            queued: Int,
            elapsedSeconds: Double? = nil,
            filesPerSecond: Double? = nil
        ) {
            self.state = state
            self.done = done
            self.queued = queued
            self.elapsedSeconds = elapsedSeconds
            self.filesPerSecond = filesPerSecond
        }

        enum CodingKeys: String, CodingKey {
            case state, done, queued
            case elapsedSeconds = "elapsed_s"
            case filesPerSecond = "files_per_s"
        }
    }

    public struct Passes: Sendable, Equatable, Codable {
        public var completed: Int
        public var superseded: Int

        public init(completed: Int, superseded: Int) {
            self.completed = completed
            self.superseded = superseded
        }
    }

    public struct Queries: Sendable, Equatable, Codable {
        public var completed = 0
        public var superseded = 0
        public var timedOut = 0
        public var cancelled = 0
        public var failed = 0
        /// Median and 99th percentile of completed searches since start, from request read to answer queued
        /// (beyond the protocol's minimum; absent before the first search).
        public var p50Milliseconds: Double?
        public var p99Milliseconds: Double?

        public init() {}

        enum CodingKeys: String, CodingKey {
            case completed, superseded, cancelled, failed
            case timedOut = "timed_out"
            case p50Milliseconds = "p50_ms"
            case p99Milliseconds = "p99_ms"
        }
    }

    /// How far the index lags behind the files (beyond the protocol's minimum).
    public struct Freshness: Sendable, Equatable, Codable {
        /// From the first change a completed pass covered to that pass's commit, for the last such pass.
        public var lastMilliseconds: Double?
        /// Age of the oldest change not yet committed; 0 when the index is current.
        public var pendingMilliseconds: Double

        public init(lastMilliseconds: Double?, pendingMilliseconds: Double) {
            self.lastMilliseconds = lastMilliseconds
            self.pendingMilliseconds = pendingMilliseconds
        }

        enum CodingKeys: String, CodingKey {
            case lastMilliseconds = "last_ms"
            case pendingMilliseconds = "pending_ms"
        }
    }

    /// The merge of the index's full-text segments into one, run while the index is quiet after big changes
    /// (beyond the protocol's minimum).
    public struct Merge: Sendable, Equatable, Codable {
        /// `idle` (nothing worth merging), `due` (waiting for the index to be quiet) or `running`.
        public var state: String
        public var completed: Int
        /// Merges cancelled by new work; a cancelled merge runs again once the index is quiet.
        public var superseded: Int

        public init(state: String, completed: Int, superseded: Int) {
            self.state = state
            self.completed = completed
            self.superseded = superseded
        }
    }

    public var version: String
    public var roots: [String]
    public var files: Int
    public var bytes: Int
    public var watches: Int
    public var watchErrors: Int
    public var generation: Int
    public var pass: Pass
    public var passes: Passes
    public var queries: Queries
    public var uptimeSeconds: Double
    /// Where the index lives and its size on disk (beyond the protocol's minimum).
    public var indexPath: String?
    public var indexBytes: Int?
    /// The last indexing failure a person should know about (for example a full disk), if any.
    public var lastError: String?
    /// Files whose content was read since start, and renames followed without reading the content again.
    public var contentReads: Int?
    public var renamesFollowed: Int?
    public var freshness: Freshness?
    public var merge: Merge?

    public init(
        version: String,
        roots: [String],
        files: Int,
        bytes: Int,
        watches: Int,
        watchErrors: Int,
        generation: Int,
        pass: Pass,
        passes: Passes,
        queries: Queries,
        uptimeSeconds: Double,
        indexPath: String? = nil,
        indexBytes: Int? = nil,
        lastError: String? = nil,
        contentReads: Int? = nil,
        renamesFollowed: Int? = nil,
        freshness: Freshness? = nil,
        merge: Merge? = nil
    ) {
        self.version = version
        self.roots = roots
        self.files = files
        self.bytes = bytes
        self.watches = watches
        self.watchErrors = watchErrors
        self.generation = generation
        self.pass = pass
        self.passes = passes
        self.queries = queries
        self.uptimeSeconds = uptimeSeconds
        self.indexPath = indexPath
        self.indexBytes = indexBytes
        self.lastError = lastError
        self.contentReads = contentReads
        self.renamesFollowed = renamesFollowed
        self.freshness = freshness
        self.merge = merge
    }

    enum CodingKeys: String, CodingKey {
        case version, roots, files, bytes, watches, generation, pass, passes, queries, freshness, merge
        case watchErrors = "watch_errors"
        case uptimeSeconds = "uptime_s"
        case indexPath = "index_path"
        case indexBytes = "index_bytes"
        case lastError = "last_error"
        case contentReads = "content_reads"
        case renamesFollowed = "renames_followed"
    }
}
