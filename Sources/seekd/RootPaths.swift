import Foundation
import Glibc
import SeekCore

/// Turning command-line roots into canonical, existing, non-nested directories.
enum RootPaths {
    static func resolve(_ arguments: [String]) throws -> [BytePath] {
        guard !arguments.isEmpty else { throw StartupError("give at least one directory to index: seekd DIR...") }
        var roots: [BytePath] = []
        for argument in arguments {
            guard let resolved = realpath(argument, nil) else {
                throw StartupError("root \(argument): \(String(cString: strerror(errno)))")
            }
            let path = BytePath(Array(String(cString: resolved).utf8))
            free(resolved)
            guard FileStatus.of(path)?.kind == .directory else {
                throw StartupError("root \(argument) is not a directory")
            }
            roots.append(path)
        }
        // A root inside another is already covered by it.
        let unique = Set(roots)
        return unique.filter { root in !unique.contains { $0 != root && root.isWithin($0) } }.sorted()
    }

    /// Each connection and each watch needs descriptors; the soft limit is often 1024.
    static func raiseOpenFileLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
        limit.rlim_cur = limit.rlim_max
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}
