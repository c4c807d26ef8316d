import SeekLocking

/// Test hooks that make pass races deterministic (as sourcekit-lsp's `IndexHooks` do): a pass can be parked
/// mid-way until it is cancelled, or slowed down so that it is still running when a client looks; its first batch
/// commit can be made to fail; a segment merge can be made to happen on a small tree, and slowed down the same way.
/// Set from the environment by `seekd` only when a test asks for it.
package final class PassHooks: Sendable {
    /// Park the first pass that has indexed this many files, until that pass is cancelled.
    package let parkAfterFiles: Int?
    /// Every pass waits this long after each file it indexes (a cancelled pass stops waiting at once).
    package let delayPerFile: Duration?
    /// Merge the index's segments after this many indexed files instead of `SegmentMerger.defaultMinimumFiles`.
    package let mergeAfterFiles: Int?
    /// Every segment merge step waits this long first, so that a test finds a merge running.
    package let mergeStepDelay: Duration?
    /// The daemon's first batch commit fails, writing nothing, as on a full disk.
    package let failFirstCommit: Bool
    private let parked = Locked(false)
    private let commitFailed = Locked(false)

    package init(
        parkAfterFiles: Int? = nil,
        delayPerFile: Duration? = nil,
        mergeAfterFiles: Int? = nil,
        mergeStepDelay: Duration? = nil,
        failFirstCommit: Bool = false
    ) {
        self.parkAfterFiles = parkAfterFiles
        self.delayPerFile = delayPerFile
        self.mergeAfterFiles = mergeAfterFiles
        self.mergeStepDelay = mergeStepDelay
        self.failFirstCommit = failFirstCommit
    }

    /// Reads `SEEK_TEST_PARK_PASS_AFTER_FILES`, `SEEK_TEST_DELAY_PER_FILE_MS`, `SEEK_TEST_MERGE_AFTER_FILES`,
    /// `SEEK_TEST_MERGE_STEP_DELAY_MS` and `SEEK_TEST_FAIL_FIRST_COMMIT` (1).
    package static func fromEnvironment(_ environment: [String: String]) -> PassHooks {
        func milliseconds(_ name: String) -> Duration? {
            environment[name].flatMap { Int($0) }.map { .milliseconds($0) }
        }
        return PassHooks(
            parkAfterFiles: environment["SEEK_TEST_PARK_PASS_AFTER_FILES"].flatMap { Int($0) },
            delayPerFile: milliseconds("SEEK_TEST_DELAY_PER_FILE_MS"),
            mergeAfterFiles: environment["SEEK_TEST_MERGE_AFTER_FILES"].flatMap { Int($0) },
            mergeStepDelay: milliseconds("SEEK_TEST_MERGE_STEP_DELAY_MS"),
            failFirstCommit: environment["SEEK_TEST_FAIL_FIRST_COMMIT"] == "1"
        )
    }

    /// Called before a batch commits: throws, the first time only, when `failFirstCommit` is set.
    func beforeCommit() throws(InjectedCommitFailure) {
        guard failFirstCommit else { return }
        let fails = commitFailed.withLock { failed in
            defer { failed = true }
            return !failed
        }
        if fails { throw InjectedCommitFailure() }
    }

    /// The failure `failFirstCommit` injects.
    package struct InjectedCommitFailure: Error, CustomStringConvertible {
        package var description: String { "injected commit failure (SEEK_TEST_FAIL_FIRST_COMMIT)" }
    }

    /// Called after each indexed file; waits `delayPerFile`, and parks once, throwing `CancellationError` when the
    /// pass is cancelled.
    func fileIndexed(count: Int) async throws {
        if let delayPerFile { try await Task.sleep(for: delayPerFile) }
        guard let parkAfterFiles, count >= parkAfterFiles else { return }
        let shouldPark = parked.withLock { alreadyParked in
            defer { alreadyParked = true }
            return !alreadyParked
        }
        guard shouldPark else { return }
        try await Task.sleep(for: .seconds(86_400))
    }
}
