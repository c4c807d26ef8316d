import SeekProtocol

/// A request checked and ready to run: everything that must be decided when its line is read (params, the sync
/// point, the supersede channel) is decided; the rest is `operation`.
struct PreparedRequest: Sendable {
    /// The supersede scope, for searches only.
    var channel: String?
    var timeoutMilliseconds: Int?
    var isSearch: Bool
    var operation: @Sendable () async throws -> any Encodable & Sendable
}
