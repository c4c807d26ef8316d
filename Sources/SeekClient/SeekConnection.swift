import Foundation
import NIOCore
import NIOPosix
import SeekLocking
import SeekProtocol

/// Why talking to the daemon failed.
public enum SeekClientError: Error, CustomStringConvertible, Equatable {
    /// Nothing listens on the socket.
    case daemonNotRunning(socketPath: String)
    /// The daemon closed the connection before answering.
    case connectionClosed
    /// The daemon sent something that is not a protocol response.
    case malformedResponse(String)
    /// The process serving the socket belongs to another user (or could not be identified): a socket in a
    /// directory someone else controls. Nothing was sent to it.
    case untrustedDaemon(socketPath: String, uid: UInt32?)

    public var description: String {
        switch self {
        case .daemonNotRunning(let path): "no seekd is running on \(path) (start one with: seekd DIR)"
        case .connectionClosed: "seekd closed the connection"
        case .malformedResponse(let line): "seekd sent a malformed response: \(line.prefix(200))"
        case .untrustedDaemon(let path, let uid?):
            "\(path) is served by uid \(uid), neither you nor root; refusing to talk to it"
        case .untrustedDaemon(let path, nil):
            "cannot tell who serves \(path); refusing to talk to it"
        }
    }
}

/// One connection to `seekd`, used inside `SeekConnection.with(socketPath:)`. Sends lines and reads lines;
/// `call` sends a request and returns the response with the same id.
public struct SeekConnection: ~Copyable {
    private var lines: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private var pending = LineBuffer()
    private var nextID: Int64 = 1
    /// Responses read while waiting for another id.
    private var early: [RequestID: Response] = [:]

    /// Connects, checks that the daemon is our own user's or root's, runs `body`, and closes the connection on
    /// every path.
    public static func with<T: Sendable>(
        socketPath: String,
        _ body: (inout SeekConnection) async throws -> T
    ) async throws -> T {
        let channel = try await connect(socketPath: socketPath)
        return try await channel.executeThenClose { inbound, outbound in
            try await checkDaemon(channel.channel, socketPath: socketPath)
            var connection = SeekConnection(lines: inbound.makeAsyncIterator(), outbound: outbound)
            return try await body(&connection)
        }
    }

    private static func connect(socketPath: String) async throws -> NIOAsyncChannel<ByteBuffer, ByteBuffer> {
        do {
            return try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(unixDomainSocketPath: socketPath) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        // `finishSending` closes only the sending side; the daemon still answers.
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
                            wrappingChannelSynchronously: channel,
                            configuration: .init(isOutboundHalfClosureEnabled: true)
                        )
                    }
                }
        } catch {
            throw SeekClientError.daemonNotRunning(socketPath: socketPath)
        }
    }

    /// Checks who serves the socket before anything is sent: only our own user or root. Throwing from inside
    /// `executeThenClose` closes the connection.
    private static func checkDaemon(_ channel: any Channel, socketPath: String) async throws {
        let daemon = await DaemonIdentity.of(channel)
        guard let daemon, daemon.isTrusted else {
            throw SeekClientError.untrustedDaemon(socketPath: socketPath, uid: daemon?.uid)
        }
    }

    private init(
        lines: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    ) {
        self.lines = lines
        self.outbound = outbound
    }

    /// Sends raw bytes as they are (tests use it for malformed input).
    public func send(_ bytes: [UInt8]) async throws {
        try await outbound.write(ByteBuffer(bytes: bytes))
    }

    /// Closes the sending side, as a client that is done.
    public func finishSending() {
        outbound.finish()
    }

    /// The next line from the daemon without its newline; nil once the daemon closed the connection.
    public mutating func nextLine() async throws -> [UInt8]? {
        while true {
            if let line = pending.nextLine() { return line }
            guard let buffer = try await lines.next() else { return nil }
            pending.append(buffer.readableBytesView)
        }
    }

    /// The next response, whatever its id.
    public mutating func nextResponse() async throws -> Response {
        guard let line = try await nextLine() else { throw SeekClientError.connectionClosed }
        return try Self.response(line)
    }

    static func response(_ line: [UInt8]) throws -> Response {
        do {
            return try Response(line: line)
        } catch {
            throw SeekClientError.malformedResponse(String(decoding: line, as: UTF8.self))
        }
    }

    /// Splits the connection for a client that sends while it waits for answers (the interactive mode): `body`
    /// sends through the requester and reads every response, in arrival order, from the stream. The stream ends
    /// when the daemon closes the connection; the connection closes when `body` returns.
    public static func withDuplex<T: Sendable>(
        socketPath: String,
        _ body: (SeekRequester, AsyncThrowingStream<Response, any Error>) async throws -> T
    ) async throws -> T {
        let channel = try await connect(socketPath: socketPath)
        return try await channel.executeThenClose { inbound, outbound in
            try await checkDaemon(channel.channel, socketPath: socketPath)
            let requester = SeekRequester(outbound: outbound)
            let (responses, continuation) = AsyncThrowingStream.makeStream(of: Response.self)
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    var buffer = LineBuffer()
                    do {
                        for try await chunk in inbound {
                            buffer.append(chunk.readableBytesView)
                            while let line = buffer.nextLine() { continuation.yield(try Self.response(line)) }
                        }
                        continuation.finish()
                    } catch {
                        continuation.finish(throwing: error)
                    }
                }
                defer { group.cancelAll() }
                return try await body(requester, responses)
            }
        }
    }

    /// Sends a request with a fresh id, without waiting; returns the id.
    public mutating func start(_ method: Method, _ params: some Encodable) async throws -> RequestID {
        let id = RequestID.int(nextID)
        nextID += 1
        try await send(try ResponseCoding.request(id: id, method: method.rawValue, params: params))
        return id
    }

    /// Sends a notification (no id, no answer).
    public func notify(_ method: Method, _ params: some Encodable) async throws {
        try await send(try ResponseCoding.request(id: nil, method: method.rawValue, params: params))
    }

    /// The response to `id`, keeping others that arrive first for later calls.
    public mutating func response(to id: RequestID) async throws -> Response {
        if let response = early.removeValue(forKey: id) { return response }
        while true {
            let response = try await nextResponse()
            if response.id == id { return response }
            if let other = response.id { early[other] = response }
        }
    }

    /// Sends a request and decodes its result; a daemon error is thrown as `RPCError`.
    public mutating func call<Result: Decodable>(
        _ method: Method,
        _ params: some Encodable,
        as type: Result.Type
    ) async throws -> Result {
        let id = try await start(method, params)
        return try await response(to: id).decodeResult(type)
    }
}

/// Sends requests on a connection whose responses another task reads (see `SeekConnection.withDuplex`).
public struct SeekRequester: Sendable {
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private let ids = RequestIDs()

    init(outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) {
        self.outbound = outbound
    }

    /// Sends a request with a fresh id, without waiting; returns the id.
    public func start(_ method: Method, _ params: some Encodable) async throws -> RequestID {
        let id = ids.next()
        try await outbound.write(
            ByteBuffer(bytes: try ResponseCoding.request(id: id, method: method.rawValue, params: params))
        )
        return id
    }

    /// Sends a notification (no id, no answer).
    public func notify(_ method: Method, _ params: some Encodable) async throws {
        try await outbound.write(
            ByteBuffer(bytes: try ResponseCoding.request(id: nil, method: method.rawValue, params: params))
        )
    }
}

/// Request ids for one connection, shared by the tasks that send on it.
private final class RequestIDs: Sendable {
    private let last = Locked<Int64>(0)

    func next() -> RequestID {
        .int(
            last.withLock { last in
                last += 1
                return last
            }
        )
    }
}

/// Bytes read from the daemon, cut into lines.
struct LineBuffer: Sendable {
    private var bytes: [UInt8] = []

    mutating func append(_ chunk: some Sequence<UInt8>) { bytes.append(contentsOf: chunk) }

    /// The next complete line without its newline, if one has arrived.
    mutating func nextLine() -> [UInt8]? {
        guard let newline = bytes.firstIndex(of: 0x0A) else { return nil }
        defer { bytes.removeSubrange(...newline) }
        return Array(bytes[..<newline])
    }
}

/// Params for methods that take none.
public struct NoParams: Encodable, Sendable {
    public init() {}
}
