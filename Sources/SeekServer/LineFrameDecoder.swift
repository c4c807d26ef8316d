import NIOCore

/// What the framing layer hands up: a line (without its `\n`), or the news that a line grew past the limit.
enum Frame: Sendable {
    case line(ByteBuffer)
    /// A line reached the limit without a newline; the connection is answered -32600 and closed.
    case oversized
}

/// Splits the stream at `\n` and rejects a line as soon as `maxLength` bytes have arrived without one,
/// without waiting for its end.
struct LineFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = Frame

    let maxLength: Int
    private var scanned = 0
    private var rejected = false

    init(maxLength: Int) {
        self.maxLength = maxLength
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        if rejected {
            buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
            return .needMoreData
        }
        let view = buffer.readableBytesView
        let searchStart = view.index(view.startIndex, offsetBy: scanned)
        if let newline = view[searchStart...].firstIndex(of: UInt8(ascii: "\n")) {
            let length = newline - view.startIndex
            scanned = 0
            if length > maxLength {
                rejected = true
                context.fireChannelRead(wrapInboundOut(.oversized))
                return .continue
            }
            let line = buffer.readSlice(length: length)!
            buffer.moveReaderIndex(forwardBy: 1)
            context.fireChannelRead(wrapInboundOut(.line(line)))
            return .continue
        }
        scanned = view.count
        if scanned > maxLength {
            rejected = true
            context.fireChannelRead(wrapInboundOut(.oversized))
        }
        return .needMoreData
    }

    mutating func decodeLast(
        context: ChannelHandlerContext,
        buffer: inout ByteBuffer,
        seenEOF: Bool
    ) throws
        -> DecodingState
    {
        // A last line without a newline is still a message.
        while try decode(context: context, buffer: &buffer) == .continue {}
        if !rejected, buffer.readableBytes > 0, let line = buffer.readSlice(length: buffer.readableBytes) {
            scanned = 0
            context.fireChannelRead(wrapInboundOut(.line(line)))
        }
        return .needMoreData
    }
}
