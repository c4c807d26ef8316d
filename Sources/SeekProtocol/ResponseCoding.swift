import Foundation

/// Encodes responses as protocol lines (no raw newline inside, `\n` at the end) and decodes them on the client.
public enum ResponseCoding {
    private struct Success<Result: Encodable>: Encodable {
        var jsonrpc = "2.0"
        let id: RequestID
        let result: Result
    }

    private struct Failure: Encodable {
        let id: RequestID?
        let error: RPCError

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode("2.0", forKey: .jsonrpc)
            try container.encode(id, forKey: .id)  // `null` when the id could not be read
            try container.encode(error, forKey: .error)
        }

        enum CodingKeys: String, CodingKey { case jsonrpc, id, error }
    }

    private static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return encoder
    }

    /// A success line. Falls back to an internal error line if the result cannot be encoded.
    public static func success(id: RequestID, result: some Encodable) -> [UInt8] {
        do {
            if let search = result as? SearchResult { return try search.successLine(id: id) }
            return Array(try encoder().encode(Success(id: id, result: result))) + [0x0A]
        } catch {
            return failure(id: id, error: .internalError("could not encode the result: \(error)"))
        }
    }

    /// An error line.
    public static func failure(id: RequestID?, error: RPCError) -> [UInt8] {
        // Encoding a plain error object cannot fail.
        Array((try? encoder().encode(Failure(id: id, error: error))) ?? Data()) + [0x0A]
    }

    /// A request line, for clients.
    public static func request(id: RequestID?, method: String, params: some Encodable) throws -> [UInt8] {
        Array(try encoder().encode(RequestEnvelope(id: id, method: method, params: params))) + [0x0A]
    }

    private struct RequestEnvelope<Params: Encodable>: Encodable {
        var jsonrpc = "2.0"
        let id: RequestID?
        let method: String
        let params: Params
    }
}

/// A response as a client reads it.
public struct Response: Sendable, Decodable {
    public var id: RequestID?
    public var result: JSONValue?
    public var error: RPCError?

    public init(line: some Collection<UInt8>) throws {
        self = try JSONDecoder().decode(Response.self, from: Data(line))
    }

    /// The result decoded as `T`, or the error thrown.
    public func decodeResult<T: Decodable>(_ type: T.Type) throws -> T {
        if let error { throw error }
        let data = try JSONEncoder().encode(result ?? .null)
        return try JSONDecoder().decode(T.self, from: data)
    }
}
