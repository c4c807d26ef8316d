import Glibc
import Logging
import NIOCore
import NIOPosix
import SeekCore
import SeekLocking
import SeekProtocol
import ServiceLifecycle

/// The Unix-socket server: accepts connections from our own user (or root) and serves the protocol.
/// On graceful shutdown, requests in flight end with reason `shutdown`, then connections close.
package final class SeekServer: Service, Sendable {
    private let socketPath: String
    private let handler: MethodHandler
    private let logger: Logger
    private let daemonLoad = DaemonLoad(limit: 16_384)
    /// Open connections, and whether shutdown began (a connection registered after that is ended at once).
    private let connections = Locked<(open: [ObjectIdentifier: (RequestRegistry, Connection)], shuttingDown: Bool)>(
        ([:], false)
    )

    package init(socketPath: String, engine: SeekEngine, version: String, logger: Logger) {
        self.socketPath = socketPath
        self.handler = MethodHandler(engine: engine, statistics: QueryStatistics(), version: version)
        self.logger = logger
    }

    /// Checks the socket path before anything starts: a live daemon there, or a file that is not a socket,
    /// is an error for the command line.
    package static func checkSocketPath(_ path: String) throws {
        try SocketPath.prepare(path)
    }

    package func run() async throws {
        try SocketPath.prepare(socketPath)
        // The socket is created 0600: no window in which another user could connect.
        let previousMask = umask(0o177)
        let server: NIOAsyncChannel<NIOAsyncChannel<Frame, ByteBuffer>, Never>
        do {
            defer { umask(previousMask) }
            server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.backlog, value: 512)
                .childChannelOption(.allowRemoteHalfClosure, value: true)
                .bind(unixDomainSocketPath: socketPath) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            ByteToMessageHandler(LineFrameDecoder(maxLength: ProtocolLimits.maxLineBytes))
                        )
                        return try NIOAsyncChannel<Frame, ByteBuffer>(
                            wrappingChannelSynchronously: channel,
                            configuration: .init()
                        )
                    }
                }
        }
        SocketPath.restrictMode(socketPath)
        logger.info("seekd listening", metadata: ["socket": "\(socketPath)"])
        defer { unlink(socketPath) }

        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { inbound in
                    for try await connection in inbound {
                        group.addTask { await self.serve(connection) }
                    }
                }
            }
        } onGracefulShutdown: {
            self.shutDown(server: server.channel)
        }
    }

    private func serve(_ channel: NIOAsyncChannel<Frame, ByteBuffer>) async {
        guard let peer = await PeerCredentials.of(channel.channel) else {
            // Most often a liveness check (a second seekd, a client probing the path) that already hung up.
            logger.debug("closed a connection whose peer could not be read")
            try? await channel.channel.close()
            return
        }
        guard peer.isTrusted else {
            logger.notice("refused a connection from another user", metadata: ["peer.uid": "\(peer.uid)"])
            try? await channel.channel.close()
            return
        }
        let registry = RequestRegistry(limit: ProtocolLimits.maxInFlightPerConnection, daemonLimit: daemonLoad)
        let key = ObjectIdentifier(registry)
        let connection = Connection(channel: channel, registry: registry, handler: handler, logger: logger)
        let late = connections.withLock { state in
            state.open[key] = (registry, connection)
            return state.shuttingDown
        }
        if late {
            registry.close(.shutdown)
            connection.stopReading()
        }
        defer { connections.withLock { _ = $0.open.removeValue(forKey: key) } }
        do {
            try await connection.run()
        } catch {
            logger.debug("connection ended with an error", metadata: ["error": "\(error)"])
        }
    }

    private func shutDown(server: any Channel) {
        server.close(promise: nil)
        let open = connections.withLock { state in
            state.shuttingDown = true
            return Array(state.open.values)
        }
        for (registry, connection) in open {
            registry.close(.shutdown)
            connection.stopReading()
        }
    }
}
