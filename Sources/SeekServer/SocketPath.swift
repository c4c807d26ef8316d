import Foundation
import Glibc

/// The socket file's life: a private directory (0700), stale files replaced, a live daemon refused.
enum SocketPath {
    enum Failure: Error, CustomStringConvertible {
        case tooLong(String)
        case inUse(String)
        case notASocket(String)
        case cannotCreateDirectory(String, String)
        case unsafeDirectory(String, String)

        var description: String {
            switch self {
            case .tooLong(let path): "socket path too long (at most 107 bytes): \(path)"
            case .inUse(let path): "another seekd is already serving \(path); stop it first or pick another --socket"
            case .notASocket(let path): "\(path) exists and is not a socket; remove it or pick another --socket"
            case .cannotCreateDirectory(let path, let reason): "cannot create the socket directory \(path): \(reason)"
            case .unsafeDirectory(let path, let reason):
                "refusing the socket directory \(path): \(reason); use a directory only you can write "
                    + "(such as $XDG_RUNTIME_DIR) or pick another --socket"
            }
        }
    }

    /// Makes `path` ready to bind: creates missing parents with mode 0700, refuses a directory that someone else
    /// could change, refuses a live daemon, removes a stale socket left by a dead one.
    static func prepare(_ path: String) throws {
        guard path.utf8.count < 108 else { throw Failure.tooLong(path) }
        let parent = (path as NSString).deletingLastPathComponent
        let directory = parent.isEmpty ? "." : parent
        var info = stat()
        if lstat(directory, &info) != 0, errno == ENOENT {
            do {
                try FileManager.default.createDirectory(
                    atPath: directory,
                    withIntermediateDirectories: true,
                    attributes: [.posixPermissions: 0o700]
                )
            } catch {
                throw Failure.cannotCreateDirectory(directory, (error as NSError).localizedDescription)
            }
        }
        try checkDirectory(directory)
        guard lstat(path, &info) == 0 else { return }
        guard info.st_mode & S_IFMT == S_IFSOCK else { throw Failure.notASocket(path) }
        if isLive(path) { throw Failure.inUse(path) }
        unlink(path)
    }

    /// The socket's directory must be one that only we (or root) can change: otherwise another user could put
    /// their own socket in our place, or keep us from starting. `/tmp/seek-$UID` is the case that matters: anyone
    /// can create it first.
    static func checkDirectory(_ directory: String) throws {
        var info = stat()
        guard lstat(directory, &info) == 0 else {
            throw Failure.unsafeDirectory(directory, String(cString: strerror(errno)))
        }
        switch info.st_mode & S_IFMT {
        case S_IFDIR: break
        case S_IFLNK: throw Failure.unsafeDirectory(directory, "it is a symbolic link")
        default: throw Failure.unsafeDirectory(directory, "it is not a directory")
        }
        let owner = info.st_uid
        guard owner == geteuid() || owner == 0 else {
            throw Failure.unsafeDirectory(directory, "it belongs to uid \(owner), not to you")
        }
        guard info.st_mode & (S_IWGRP | S_IWOTH) == 0 else {
            let mode = String(info.st_mode & 0o7777, radix: 8)
            throw Failure.unsafeDirectory(directory, "other users can write into it (mode \(mode))")
        }
    }

    /// Whether a process listens on the socket. The connect does not block: a listener whose backlog is full
    /// (one that never accepts) counts as live rather than hanging the check.
    static func isLive(_ path: String) -> Bool {
        let flags = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        let descriptor = socket(AF_UNIX, flags, 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in path.utf8.prefix(buffer.count - 1).enumerated() { buffer[index] = byte }
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        // EAGAIN: a listener with a full backlog; EINPROGRESS is not used for Unix sockets but means the same.
        return result == 0 || errno == EAGAIN || errno == EINPROGRESS
    }

    /// Sets the socket's mode without following a symlink put in its place (the socket is 0600 from `bind` on
    /// anyway, through the umask).
    static func restrictMode(_ path: String) {
        _ = fchmodat(AT_FDCWD, path, 0o600, AT_SYMLINK_NOFOLLOW)
    }
}
