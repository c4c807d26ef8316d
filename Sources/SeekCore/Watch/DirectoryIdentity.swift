import Glibc

/// Which directory a path named: device and inode.
package struct DirectoryIdentity: Sendable, Equatable {
    let device: UInt64
    let inode: UInt64

    init(_ info: stat) {
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }

    init(_ status: FileStatus) {
        device = status.device
        inode = status.inode
    }
}
