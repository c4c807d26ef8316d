/// Polls `condition` until it holds or `timeout` passes (then throws): the last resort, for waits no `sync` or
/// event can express, such as "the pass has seen N files" before a SIGKILL.
public func repeatUntil(
    _ what: String,
    timeout: Duration = .seconds(20),
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw DaemonHarness.Failure("timed out waiting for \(what)") }
        try await Task.sleep(for: .milliseconds(2))
    }
}
