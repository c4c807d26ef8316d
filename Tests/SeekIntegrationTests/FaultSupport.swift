import Foundation
import Glibc
import SeekLocking
import SeekProtocol
import SeekTestSupport

/// What the fault tests share: files at exact byte paths, trees deeper than `PATH_MAX`, inotify limits and mounts
/// that are restored on every path, the daemon's memory, and a seeded random number generator.
enum Faults {
    static func failure(_ what: String, errno code: Int32 = errno) -> DaemonHarness.Failure {
        DaemonHarness.Failure("\(what): \(String(cString: strerror(code)))")
    }

    /// A new empty directory under /tmp (short, for socket paths).
    static func temporaryDirectory() throws -> String {
        var template = Array("/tmp/seek-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw failure("mkdtemp")
        }
        return String(cString: made)
    }

    /// Writes a file at an absolute path, creating its parents.
    static func write(_ content: String, to path: String) throws {
        let parent = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        try Data(content.utf8).write(to: URL(fileURLWithPath: path))
    }

    /// Creates or replaces the file at exactly these path bytes.
    static func writeFile(at path: [UInt8], _ content: some Collection<UInt8>) throws {
        let descriptor = withCPath(path) { open($0, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0o644) }
        guard descriptor >= 0 else { throw failure("cannot create \(String(decoding: path, as: UTF8.self))") }
        defer { close(descriptor) }
        try writeAll(descriptor, Array(content))
    }

    static func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) throws {
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { throw failure("write") }
            written += count
        }
    }

    static func withCPath<T>(_ path: [UInt8], _ body: (UnsafePointer<CChar>) -> T) -> T {
        (path + [0]).withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { body($0.baseAddress!) }
        }
    }

    /// Makes the directories `components` one inside the other under `base` and a file at the bottom, with `*at`
    /// calls, so the chain may be longer than `PATH_MAX`. Returns the file's absolute path.
    static func makeChain(under base: String, components: [String], file: String, content: String) throws -> String {
        var descriptor = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure("cannot open \(base)") }
        defer { close(descriptor) }
        for component in components {
            guard mkdirat(descriptor, component, 0o755) == 0 || errno == EEXIST else {
                throw failure("mkdirat \(component)")
            }
            let next = openat(descriptor, component, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard next >= 0 else { throw failure("openat \(component)") }
            close(descriptor)
            descriptor = next
        }
        let fileDescriptor = openat(descriptor, file, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0o644)
        guard fileDescriptor >= 0 else { throw failure("openat \(file)") }
        defer { close(fileDescriptor) }
        try writeAll(fileDescriptor, Array(content.utf8))
        return ([base] + components + [file]).joined(separator: "/")
    }

    /// Removes a tree of any depth (Foundation gives up below `PATH_MAX`; GNU rm walks with `*at` calls).
    static func removeTree(_ path: String) async {
        _ = try? await DaemonHarness.runExternal("/bin/rm", ["-rf", "--", path])
    }

    /// Mounts a tmpfs of `size` (mount(8) syntax, "2m") on a new directory for `body`; unmounts and removes it on
    /// every path (lazily if something still holds it).
    static func withTmpfs<T>(size: String, _ body: (String) async throws -> T) async throws -> T {
        let directory = try temporaryDirectory()
        let mounted = try await DaemonHarness.runExternal(
            "/bin/mount",
            ["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", directory]
        )
        guard mounted.status == 0 else {
            rmdir(directory)
            throw DaemonHarness.Failure("cannot mount a tmpfs (the test needs root): \(mounted.standardError)")
        }
        func unmount() async {
            let result = try? await DaemonHarness.runExternal("/bin/umount", [directory])
            if result?.status != 0 { _ = try? await DaemonHarness.runExternal("/bin/umount", ["-l", directory]) }
            rmdir(directory)
        }
        do {
            let result = try await body(directory)
            await unmount()
            return result
        } catch {
            await unmount()
            throw error
        }
    }

    /// A launcher (see `DaemonHarness.start`) that runs seekd in a user namespace of its own, root mapped to root:
    /// the namespace's inotify limits (`/proc/sys/user/max_inotify_*`) bind only the processes inside it, on top of
    /// the machine-wide ones (`fs.inotify.*`, which are those of the initial namespace).
    static let ownUserNamespace = ["/usr/bin/unshare", "--user", "--map-root-user", "--"]

    /// The same, with one of those limits set before seekd starts.
    static func ownUserNamespace(setting: String, to value: Int) -> [String] {
        [
            "/usr/bin/unshare", "--user", "--map-root-user", "/bin/sh", "-c",
            "echo \(value) > /proc/sys/user/\(setting) && exec \"$0\" \"$@\"",
        ]
    }

    /// Sets a limit of `pid`'s user namespace (`/proc/sys/user/SETTING`, written from inside it with nsenter) for
    /// `body`, and restores it on every path. Fails loudly when the namespace cannot be entered or written.
    static func withNamespaceSetting<T>(
        of pid: Int32,
        _ setting: String,
        _ value: Int,
        _ body: () async throws -> T
    ) async throws -> T {
        let path = "/proc/sys/user/" + setting
        func inside(_ script: String) async throws -> String {
            let result = try await DaemonHarness.runExternal(
                "/usr/bin/nsenter",
                ["--user", "--target", "\(pid)", "/bin/sh", "-c", script]
            )
            guard result.status == 0 else {
                throw DaemonHarness.Failure("cannot set \(path) in seekd's user namespace: \(result.standardError)")
            }
            return result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let original = try await inside("cat \(path)")
        _ = try await inside("echo \(value) > \(path)")
        do {
            let result = try await body()
            _ = try await inside("echo \(original) > \(path)")
            return result
        } catch {
            _ = try? await inside("echo \(original) > \(path)")
            throw error
        }
    }

    static func remount(_ directory: String, size: String) async throws {
        let result = try await DaemonHarness.runExternal("/bin/mount", ["-o", "remount,size=\(size)", directory])
        guard result.status == 0 else { throw DaemonHarness.Failure("remount failed: \(result.standardError)") }
    }

    /// Resident memory of a process and its peak, in KiB, from /proc/PID/status.
    static func memory(of pid: Int32) throws -> (rss: Int, peak: Int) {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        func field(_ name: String) -> Int {
            let line = status.split(separator: "\n").first { $0.hasPrefix(name + ":") } ?? ""
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? -1
        }
        return (field("VmRSS"), field("VmHWM"))
    }

    /// Runs `seekd` with `arguments` and returns how it ended; one that is still running after 20 s is killed and
    /// reported as a failure (it was expected to refuse to start). Give `--socket` and `--index` in a temporary
    /// directory: a seekd that does start must not touch the user's own index.
    static func runSeekdExpectingExit(_ arguments: [String]) async throws -> CommandResult {
        let pid = ProcessID()
        return try await withThrowingTaskGroup(of: CommandResult?.self) { group in
            group.addTask {
                try await DaemonHarness.runTool("seekd", arguments) { started in pid.value.withLock { $0 = started } }
            }
            group.addTask {
                try await Task.sleep(for: .seconds(20))
                return nil
            }
            let first = try await group.next() ?? nil
            if first == nil {
                kill(pid.value.withLock { $0 }, SIGKILL)
                _ = try await group.next()
                throw DaemonHarness.Failure("seekd \(arguments) kept running; it should have refused to start")
            }
            group.cancelAll()
            return first!
        }
    }
}

/// A child's pid, set from the spawning task.
final class ProcessID: Sendable {
    let value = Locked<pid_t>(0)
}

extension DaemonHarness {
    /// A search that does not wait for the index (for a daemon that cannot finish a pass).
    func searchNow(_ query: String, limit: Int = 1000, paths: [String]? = nil) async throws -> SearchResult {
        try await call(
            .search,
            SearchParams(query: query, limit: limit, timeoutMilliseconds: 30_000, paths: paths, sync: false),
            as: SearchResult.self
        )
    }

    func explain(_ path: String) async throws -> ExplainResult {
        try await call(.explain, ExplainParams(path: path), as: ExplainResult.self)
    }
}
