/// Which directory a path named: device and inode.
package struct DirectoryIdentity: Sendable, Equatable {
    let device: UInt64
    let inode: UInt64

    init(_ status: FileStatus) {
        device = status.device
        inode = status.inode
    }
}
