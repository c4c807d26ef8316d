import Glibc

/// What `lstat` says about a path, reduced to what indexing needs. Symlinks are reported as such, never followed.
package struct FileStatus: Sendable, Equatable {
    package enum Kind: Sendable, Equatable {
        case regular, directory, symlink, other
    }

    package var kind: Kind
    package var size: Int64
    package var mtimeNanoseconds: Int64
    package var ctimeNanoseconds: Int64
    package var inode: UInt64
    package var device: UInt64

    package init(
        kind: Kind,
        size: Int64,
        mtimeNanoseconds: Int64,
        ctimeNanoseconds: Int64,
        inode: UInt64,
        device: UInt64
    ) {
        self.kind = kind
        self.size = size
        self.mtimeNanoseconds = mtimeNanoseconds
        self.ctimeNanoseconds = ctimeNanoseconds
        self.inode = inode
        self.device = device
    }

    init(_ info: stat) {
        switch info.st_mode & S_IFMT {
        case S_IFREG: kind = .regular
        case S_IFDIR: kind = .directory
        case S_IFLNK: kind = .symlink
        default: kind = .other
        }
        size = Int64(info.st_size)
        mtimeNanoseconds = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        ctimeNanoseconds = Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec)
        inode = UInt64(info.st_ino)
        device = UInt64(info.st_dev)
    }

    /// `lstat` of the path (of any length); nil when it does not exist or cannot be reached (`errno` tells why).
    package static func of(_ path: BytePath) -> FileStatus? {
        var info = stat()
        let result = path.withDescriptorPath { fstatat($0, $1, &info, AT_SYMLINK_NOFOLLOW) }
        return result == 0 ? FileStatus(info) : nil
    }

    /// `lstat` of `path`, which is `root` or lies below it, reached without following a symlink on the way: nil
    /// also when a directory between the root and the path is a symlink (the path is then not below the root).
    package static func of(_ path: BytePath, root: BytePath) -> FileStatus? {
        guard path != root else { return of(path) }
        guard
            let parent = try? NoFollowOpen.open(path.parent, root: root, flags: NoFollowOpen.pathOnly | O_DIRECTORY)
        else { return nil }
        defer { close(parent) }
        var info = stat()
        let result = BytePath(Array(path.lastComponent)).withCString {
            fstatat(parent, $0, &info, AT_SYMLINK_NOFOLLOW)
        }
        return result == 0 ? FileStatus(info) : nil
    }

    /// Whether the content may have changed since `self` was recorded, as far as stat data can tell.
    package func differs(from other: FileStatus) -> Bool {
        size != other.size || mtimeNanoseconds != other.mtimeNanoseconds || ctimeNanoseconds != other.ctimeNanoseconds
            || inode != other.inode
    }
}
