import SeekLocking

/// Test hooks that make pass races deterministic (as sourcekit-lsp's `IndexHooks` do): a pass can be parked
/// mid-way until it is cancelled. Set from the environment by `seekd` only when a test asks for it.
package final class PassHooks: Sendable {
    /// Park the first pass that has indexed this many files, until that pass is cancelled.
    package let parkAfterFiles: Int?
    private let parked = Locked(false)

    package init(parkAfterFiles: Int? = nil) {
        self.parkAfterFiles = parkAfterFiles
    }

    /// Reads `SEEK_TEST_PARK_PASS_AFTER_FILES`.
    package static func fromEnvironment(_ environment: [String: String]) -> PassHooks {
        PassHooks(parkAfterFiles: environment["SEEK_TEST_PARK_PASS_AFTER_FILES"].flatMap { Int($0) })
    }

    /// Called after each indexed file; parks once, throwing `CancellationError` when the pass is cancelled.
    func fileIndexed(count: Int) async throws {
        guard let parkAfterFiles, count >= parkAfterFiles else { return }
        let shouldPark = parked.withLock { alreadyParked in
            defer { alreadyParked = true }
            return !alreadyParked
        }
        guard shouldPark else { return }
        try await Task.sleep(for: .seconds(86_400))
    }
}
