import Glibc
import NIOCore

/// The peer of a Unix socket as the kernel reports it (`SO_PEERCRED`); Glibc's `ucred` needs `_GNU_SOURCE`,
/// so the layout is spelled out here.
struct PeerCredentials {
    var pid: Int32
    var uid: UInt32
    var gid: UInt32

    private static let peerCredentialOption = SocketOptionName(17)  // SO_PEERCRED on Linux

    /// Reads the peer of a connected channel; nil if the kernel does not say.
    static func of(_ channel: any Channel) async -> PeerCredentials? {
        guard let provider = channel as? any SocketOptionProvider else { return nil }
        let future: EventLoopFuture<PeerCredentials> = provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET),
            name: peerCredentialOption
        )
        return try? await future.get()
    }

    /// Only our own user and root may talk to the daemon.
    var isTrusted: Bool { uid == getuid() || uid == 0 }
}
