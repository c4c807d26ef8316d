import Glibc
import NIOCore

/// Who serves a socket, as the kernel reports it for the listening process (`SO_PEERCRED`). The daemon checks its
/// clients the same way (`SeekServer/PeerCredentials.swift`); Glibc's `ucred` needs `_GNU_SOURCE`, so the layout is
/// spelled out here.
struct DaemonIdentity {
    var pid: Int32
    var uid: UInt32
    var gid: UInt32

    private static let peerCredentialOption = SocketOptionName(17)  // SO_PEERCRED on Linux

    /// Reads the peer of a connected channel; nil if the kernel does not say.
    static func of(_ channel: any Channel) async -> DaemonIdentity? {
        guard let provider = channel as? any SocketOptionProvider else { return nil }
        let future: EventLoopFuture<DaemonIdentity> = provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET),
            name: peerCredentialOption
        )
        return try? await future.get()
    }

    /// Only a daemon of our own user or of root may receive our queries and show us results.
    var isTrusted: Bool { uid == getuid() || uid == 0 }
}
