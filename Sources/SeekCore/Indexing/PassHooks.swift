import SeekLocking

/// Test hooks that make pass races deterministic (as sourcekit-lsp's `IndexHooks` do): a pass can be parked
/// mid-way until it is cancelled, or slowed down so that it is still running when a client looks. Set from the
/// environment by `seekd` only when a test asks for it.
package final class PassHooks: Sendable {
    /// Park the first pass that has indexed this many files, until that pass is cancelled.
    package let parkAfterFiles: Int?
    /// Every pass waits this long after each file it indexes (a cancelled pass stops waiting at once).
    package let delayPerFile: Duration?
    private let parked = Locked(false)

    package init(parkAfterFiles: Int? = nil, delayPerFile: Duration? = nil) {
        self.parkAfterFiles = parkAfterFiles
        self.delayPerFile = delayPerFile
    }

    /// Reads `SEEK_TEST_PARK_PASS_AFTER_FILES` and `SEEK_TEST_DELAY_PER_FILE_MS`.
    package static func fromEnvironment(_ environment: [String: String]) -> PassHooks {
        PassHooks(
            parkAfterFiles: environment["SEEK_TEST_PARK_PASS_AFTER_FILES"].flatMap { Int($0) },
            delayPerFile: environment["SEEK_TEST_DELAY_PER_FILE_MS"].flatMap { Int($0) }.map { .milliseconds($0) }
        )
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
