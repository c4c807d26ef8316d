import Logging
import NIOCore
import SeekProtocol

/// One client connection: reads lines in order, registers each request as it is read, runs requests
/// concurrently, and sends every reply through one writer (NIO drops writes made from a cancelled task, so a
/// cancelled request could not write its own answer).
struct Connection: Sendable {
    /// Answers waiting for a client that does not read, past which its requests are no longer read.
    static let replyBytesLimit = 4 << 20

    let channel: NIOAsyncChannel<Frame, ByteBuffer>
    let registry: RequestRegistry
    let handler: MethodHandler
    let logger: Logger

    /// Ends the connection after the requests in flight have answered (used at shutdown).
    let frames: AsyncStream<Frame>
    let frameSink: AsyncStream<Frame>.Continuation

    init(channel: NIOAsyncChannel<Frame, ByteBuffer>, registry: RequestRegistry, handler: MethodHandler, logger: Logger)
    {
        self.channel = channel
        self.registry = registry
        self.handler = handler
        self.logger = logger
        (frames, frameSink) = AsyncStream<Frame>.makeStream()
    }

    /// Stops reading; requests already read still get their answers before the connection closes.
    func stopReading() {
        frameSink.finish()
    }

    func run() async throws {
        try await channel.executeThenClose { inbound, _ in
            let socket = channel.channel
            // However the socket closes (the peer went away, a write failed), the requests in flight stop.
            socket.closeFuture.whenComplete { [registry] _ in registry.close(.disconnected) }
            await withDiscardingTaskGroup { pumpGroup in
                // Frames pass through a stream of ours, so that shutdown can end the read loop without closing the
                // socket before the answers are written.
                let replies = ReplyQueue(limit: Self.replyBytesLimit)
                pumpGroup.addTask { [frameSink] in
                    do {
                        for try await frame in inbound {
                            frameSink.yield(frame)
                            // A client that does not read its answers is not read from either (see `ReplyQueue`).
                            await replies.waitForRoom()
                        }
                    } catch {
                        logger.trace("connection read ended", metadata: ["error": "\(error)"])
                    }
                    frameSink.finish()
                }
                await withDiscardingTaskGroup { writerGroup in
                    writerGroup.addTask {
                        while let batch = await replies.nextBatch() {
                            // Awaited until written; a closed peer makes writes fail, and draining goes on.
                            try? await socket.writeAndFlush(ByteBuffer(bytes: batch)).get()
                            replies.written(batch.count)
                        }
                    }
                    await withDiscardingTaskGroup { requests in
                        for await frame in frames {
                            switch frame {
                            case .oversized:
                                replies.yield(
                                    ResponseCoding.failure(
                                        id: nil,
                                        error: .invalidRequest(
                                            "line longer than \(ProtocolLimits.maxLineBytes) bytes; closing the connection"
                                        )
                                    )
                                )
                                registry.close(.disconnected)
                                frameSink.finish()
                            case .line(let buffer):
                                receive(Array(buffer.readableBytesView), requests: &requests, reply: replies)
                            }
                        }
                        // A client that only closed its sending side (`shutdown(SHUT_WR)`, `nc -N`) still gets its
                        // answers; a closed socket cancels everything (see the close callback above).
                        if !socket.isActive { registry.close(.disconnected) }
                    }
                    replies.finish()
                }
                pumpGroup.cancelAll()
            }
        }
    }

    private func receive(
        _ line: [UInt8],
        requests: inout DiscardingTaskGroup,
        reply: ReplyQueue
    ) {
        let request: Request
        switch RequestDecoder.decode(line) {
        case .failure(let error, let id, let isNotification):
            if !isNotification { reply.yield(ResponseCoding.failure(id: id, error: error)) }
            return
        case .request(let decoded):
            request = decoded
        }
        if request.method == Method.cancel.rawValue {
            cancel(request, reply: reply)
            return
        }
        guard let id = request.id else { return }  // Only `cancel` means something as a notification.
        let prepared: PreparedRequest
        let source: CancellationSource
        do {
            prepared = try handler.prepare(request, client: ObjectIdentifier(registry))
            source = try registry.register(id, channel: prepared.isSearch ? prepared.channel : nil)
        } catch {
            reply.yield(ResponseCoding.failure(id: id, error: error))
            return
        }
        let deadline = prepared.timeoutMilliseconds.map { ContinuousClock.now + .milliseconds($0) }
        let started = ContinuousClock.now
        requests.addTask { [registry, handler, logger] in
            defer { registry.release() }
            await race(deadline: deadline, source: source, operation: prepared.operation) { outcome in
                let (line, decided) = Self.answer(id: id, outcome: outcome, prepared: prepared)
                let cancelled = registry.answer(id, source: source, line: line) { reply.yield($0) }
                let statistic = cancelled.map(Self.statistic) ?? decided
                let milliseconds = (ContinuousClock.now - started).milliseconds
                if prepared.isSearch { handler.statistics.record(statistic, milliseconds: milliseconds) }
                logger.debug(
                    "request done",
                    metadata: [
                        "request.id": "\(id)", "request.method": "\(request.method)", "request.outcome": "\(statistic)",
                        "request.ms": "\(milliseconds)",
                    ]
                )
            }
        }
    }

    /// The line for an outcome, encoded before the registry's lock is taken to send it.
    private static func answer(
        id: RequestID,
        outcome: RaceOutcome<any Encodable & Sendable>,
        prepared: PreparedRequest
    ) -> ([UInt8], QueryStatistics.Outcome) {
        switch outcome {
        case .value(let result):
            return (ResponseCoding.success(id: id, result: result), .completed)
        case .failure(let error):
            return (ResponseCoding.failure(id: id, error: WireError.from(error)), .failed)
        case .cancelled(let reason):
            return (ResponseCoding.failure(id: id, error: reason.error), statistic(for: reason))
        case .timedOut:
            return (
                ResponseCoding.failure(id: id, error: .timeout(milliseconds: prepared.timeoutMilliseconds ?? 0)),
                .timedOut
            )
        }
    }

    private static func statistic(for reason: CancelReason) -> QueryStatistics.Outcome {
        if case .superseded = reason { return .superseded }
        return .cancelled
    }

    private func cancel(_ request: Request, reply: ReplyQueue) {
        do {
            let params = try CancelParams(params: request.params)
            let cancelled = registry.cancel(params.id, reason: .cancelled)
            if let id = request.id {
                reply.yield(ResponseCoding.success(id: id, result: CancelResult(cancelled: cancelled)))
            }
        } catch {
            if let id = request.id { reply.yield(ResponseCoding.failure(id: id, error: error)) }
        }
    }
}

extension Duration {
    /// The duration in milliseconds, with fractions.
    var milliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }
}
