/// Everything `seekd`'s command line decides about the engine.
package struct EngineConfiguration: Sendable {
    /// Existing directories, absolute and canonical, none inside another.
    package var roots: [BytePath]
    package var indexPath: String
    package var settle: Duration
    package var policy: CrawlPolicy
    package var hooks: PassHooks
    /// Test hook (`SEEK_TEST_WATCH_LIMIT`): refuse watches beyond this many, as an exhausted
    /// `fs.inotify.max_user_watches` would.
    package var watchLimit: Int?

    package init(
        roots: [BytePath],
        indexPath: String,
        settle: Duration,
        policy: CrawlPolicy,
        hooks: PassHooks,
        watchLimit: Int? = nil
    ) {
        self.watchLimit = watchLimit
        self.roots = roots
        self.indexPath = indexPath
        self.settle = settle
        self.policy = policy
        self.hooks = hooks
    }

    /// What decides the content of indexed files: when it changes between runs, content is read again.
    var contentSettings: String {
        "max-file-size=\(policy.maxFileSize)"
    }
}
