import Glibc

/// A directory at or below a root, opened once without following a symlink on the way (`NoFollowOpen`), so that the
/// files and ignore files in it are opened relative to it: one `openat` each, where walking down from the root took
/// one per path component (600,000 opens for the 50,000 files of the CPython tree, against 50,000 now).
///
/// A directory moved after it was opened is still read where it went, as a file moved just after it was read would
/// be; the watcher reports the move, and the pass that follows puts the index right.
package final class OpenDirectory: Sendable {
    package let path: BytePath
    /// `O_PATH`: it names the directory for `openat`, and needs no read permission of its own.
    private let descriptor: Int32

    package init(_ path: BytePath, root: BytePath) throws(NoFollowOpen.Failure) {
        descriptor = try NoFollowOpen.open(path, root: root, flags: NoFollowOpen.pathOnly | O_DIRECTORY)
        self.path = path
    }

    deinit { close(descriptor) }

    /// Whether `path` is an entry of this directory, which `open(entry:flags:)` can open.
    package func holds(_ path: BytePath) -> Bool {
        path.bytes.count > self.path.bytes.count && path.parent == self.path
    }

    /// Opens an entry of this directory (`"."` for the directory itself) with `flags | O_NOFOLLOW | O_CLOEXEC`:
    /// a descriptor the caller closes, or -1 with `errno` set. A name that is not one entry (empty, `..`, or holding
    /// a `/`) is refused with `EINVAL`: it would lead out of the directory.
    package func open(entry name: some Collection<UInt8>, flags: Int32) -> Int32 {
        let bytes = Array(name)
        guard !bytes.isEmpty, bytes != Array("..".utf8), !bytes.contains(UInt8(ascii: "/")) else {
            errno = EINVAL
            return -1
        }
        return BytePath(bytes).withCString { openat(descriptor, $0, flags | O_NOFOLLOW | O_CLOEXEC) }
    }
}
