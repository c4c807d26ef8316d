import Glibc

/// Opens paths at or below a root without following a symlink anywhere on the way: DESIGN.md says symlinks are
/// not followed, and `O_NOFOLLOW` alone covers only a path's last component. The root (resolved with `realpath` at
/// start) is opened with `O_NOFOLLOW`, then each directory below it relative to its parent's descriptor (`openat`)
/// with `O_NOFOLLOW | O_DIRECTORY`, so a directory replaced by a symlink at any depth fails (`ELOOP`, `ENOTDIR`)
/// instead of leading elsewhere.
package enum NoFollowOpen {
    /// Why an open failed: the `errno` value.
    package struct Failure: Error, Equatable {
        package var code: Int32

        package init(_ code: Int32) { self.code = code }

        /// The path is not there as a directory entry reachable without links (gone, or a link on the way).
        package var meansMissing: Bool { code == ENOENT || code == ENOTDIR || code == ELOOP }
    }

    /// `O_PATH`: a descriptor that only names a place in the tree (Glibc exports the flag only with `_GNU_SOURCE`).
    package static let pathOnly: Int32 = 0o10_000_000

    /// Opens `path`, which must be `root` or lie below it, with `flags | O_NOFOLLOW | O_CLOEXEC`. The caller closes
    /// the descriptor.
    package static func open(_ path: BytePath, root: BytePath, flags: Int32) throws(Failure) -> Int32 {
        guard path.isWithin(root) else { throw Failure(EXDEV) }
        let components = path.relative(to: root).split(separator: BytePath.slash)
        guard let last = components.last else {
            return try check(root.withCString { Glibc.open($0, flags | O_NOFOLLOW | O_CLOEXEC) })
        }
        let directoryFlags = pathOnly | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC
        var directory = try check(root.withCString { Glibc.open($0, directoryFlags) })
        defer { close(directory) }
        for component in components.dropLast() {
            let next = try check(BytePath(Array(component)).withCString { openat(directory, $0, directoryFlags) })
            close(directory)
            directory = next
        }
        return try check(BytePath(Array(last)).withCString { openat(directory, $0, flags | O_NOFOLLOW | O_CLOEXEC) })
    }

    private static func check(_ descriptor: Int32) throws(Failure) -> Int32 {
        guard descriptor >= 0 else { throw Failure(errno) }
        return descriptor
    }
}
