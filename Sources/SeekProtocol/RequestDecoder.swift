/// Turns one received line into a `Request` or into the error the protocol prescribes for it.
/// This is the only place that decides -32700 and the shape errors of -32600/-32602.
public enum RequestDecoder {
    /// What a line turned out to be.
    public enum Outcome: Sendable, Equatable {
        case request(Request)
        /// Answer with this error; `id` is what could be read of the request's id (nil is sent as `null`).
        /// `isNotification` is true when the message had a method and no id: it gets no answer.
        case failure(RPCError, id: RequestID?, isNotification: Bool)
    }

    /// Decodes a line without its trailing newline.
    public static func decode(_ line: some Collection<UInt8>) -> Outcome {
        let bytes = Array(line)
        guard String(validating: bytes, as: UTF8.self) != nil else {
            return .failure(.parseError("the line is not valid UTF-8"), id: nil, isNotification: false)
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            return .failure(
                .parseError("the line is not valid JSON (at byte \(error.offset))"),
                id: nil,
                isNotification: false
            )
        }
        return decode(value)
    }

    static func decode(_ value: JSONValue) -> Outcome {
        guard case .object(let fields) = value else {
            if case .array = value {
                return .failure(
                    .invalidRequest("batches (JSON arrays) are not supported; send one request per line"),
                    id: nil,
                    isNotification: false
                )
            }
            return .failure(
                .invalidRequest("a request must be a JSON object, not \(value.typeName)"),
                id: nil,
                isNotification: false
            )
        }
        var id: RequestID?
        if let rawID = fields["id"] {
            switch rawID {
            case .int(let number): id = .int(number)
            case .string(let text): id = .string(text)
            default:
                return .failure(
                    .invalidRequest("\"id\" must be an integer or a string, not \(rawID.typeName)"),
                    id: nil,
                    isNotification: false
                )
            }
        }
        guard fields["jsonrpc"] == .string("2.0") else {
            return .failure(.invalidRequest("\"jsonrpc\" must be \"2.0\""), id: id, isNotification: false)
        }
        guard case .string(let method)? = fields["method"] else {
            return .failure(.invalidRequest("\"method\" must be a string"), id: id, isNotification: false)
        }
        let isNotification = id == nil
        switch fields["params"] {
        case nil:
            return .request(Request(id: id, method: method))
        case .object(let params)?:
            return .request(Request(id: id, method: method, params: params))
        case let other?:
            return .failure(
                .invalidParams("\"params\" must be an object, not \(other.typeName)"),
                id: id,
                isNotification: isNotification
            )
        }
    }
}
