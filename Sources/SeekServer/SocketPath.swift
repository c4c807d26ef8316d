import Foundation
import Glibc

/// The socket file's life: a private directory (0700), stale files replaced, a live daemon refused.
enum SocketPath {
    enum Failure: Error, CustomStringConvertible {
        case tooLong(String)
        case inUse(String)
        case notASocket(String)
        case cannotCreateDirectory(String, String)

        var description: String {
            switch self {
            case .tooLong(let path): "socket path too long (at most 107 bytes): \(path)"
            case .inUse(let path): "another seekd is already serving \(path); stop it first or pick another --socket"
            case .notASocket(let path): "\(path) exists and is not a socket; remove it or pick another --socket"
            case .cannotCreateDirectory(let path, let reason): "cannot create the socket directory \(path): \(reason)"
            }
        }
    }

    /// Makes `path` ready to bind: creates missing parents with mode 0700, refuses a live daemon, removes a stale
    /// socket left by a dead one.
    static func prepare(_ path: String) throws {
        guard path.utf8.count < 108 else { throw Failure.tooLong(path) }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty, !FileManager.default.fileExists(atPath: parent) {
            do {
                try FileManager.default.createDirectory(
                    atPath: parent,
                    withIntermediateDirectories: true,
                    attributes: [.posixPermissions: 0o700]
                )
            } catch {
                throw Failure.cannotCreateDirectory(parent, (error as NSError).localizedDescription)
            }
        }
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard info.st_mode & S_IFMT == S_IFSOCK else { throw Failure.notASocket(path) }
        if isLive(path) { throw Failure.inUse(path) }
        unlink(path)
    }

    /// Whether a process accepts connections on the socket.
    static func isLive(_ path: String) -> Bool {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
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
        return result == 0
    }
}
