import Foundation
import SeekTestSupport
import Testing

/// The harness itself: what it promises every integration test.
@Suite(.timeLimit(.minutes(1)))
struct HarnessTests {
    /// Tests run in parallel in one process and open files without close-on-exec (Foundation's `Data.write(to:)`
    /// does); a child that inherited such a descriptor held another test's file open for its whole life, and its
    /// exit then reached that test's seekd as a change.
    @Test func childrenInheritNoDescriptorAboveStandardError() async throws {
        let directory = NSTemporaryDirectory() + "/seek-harness-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let descriptor = open(directory + "/held.txt", O_CREAT | O_WRONLY, 0o600)  // no O_CLOEXEC, on purpose
        try #require(descriptor > 2)
        defer { close(descriptor) }
        let inherited = try await DaemonHarness.runExternal("/usr/bin/test", ["-e", "/proc/self/fd/\(descriptor)"])
        #expect(inherited.status == 1, "the child had descriptor \(descriptor)")
        let own = try await DaemonHarness.runExternal("/usr/bin/test", ["-e", "/proc/self/fd/2"])
        #expect(own.status == 0, "the child's stderr is open")
    }
}
