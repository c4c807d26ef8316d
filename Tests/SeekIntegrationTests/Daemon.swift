import SeekTestSupport

/// Starts a daemon for one test and always cleans it up, whatever the test throws.
func withDaemon(
    files: [String: String] = [:],
    arguments: [String] = [],
    environment: [String: String] = [:],
    roots: [String]? = nil,
    config: String? = nil,
    _ body: (DaemonHarness) async throws -> Void
) async throws {
    let daemon = try await DaemonHarness.start(
        files: files,
        arguments: arguments,
        environment: environment,
        roots: roots,
        config: config
    )
    do {
        try await body(daemon)
        await daemon.cleanUp()
    } catch {
        await daemon.cleanUp()
        throw error
    }
}
