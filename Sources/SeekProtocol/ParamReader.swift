/// Reads typed values out of a params object, with the -32602 messages the protocol wants.
/// Unknown keys are ignored so that newer clients work with older daemons.
struct ParamReader {
    let params: [String: JSONValue]

    func string(_ key: String) throws(RPCError) -> String? {
        switch params[key] {
        case nil, .null?: return nil
        case .string(let value)?: return value
        case let other?: throw .invalidParams("\"\(key)\" must be a string, not \(other.typeName)")
        }
    }

    func requiredString(_ key: String) throws(RPCError) -> String {
        guard let value = try string(key) else { throw .invalidParams("\"\(key)\" is required") }
        return value
    }

    func bool(_ key: String) throws(RPCError) -> Bool? {
        switch params[key] {
        case nil, .null?: return nil
        case .bool(let value)?: return value
        case let other?: throw .invalidParams("\"\(key)\" must be true or false, not \(other.typeName)")
        }
    }

    func int(_ key: String, in range: ClosedRange<Int>) throws(RPCError) -> Int? {
        let outOfRange = RPCError.invalidParams(
            "\"\(key)\" must be an integer from \(range.lowerBound) to \(range.upperBound)"
        )
        switch params[key] {
        case nil, .null?: return nil
        case .int(let value)?:
            guard let value = Int(exactly: value), range.contains(value) else { throw outOfRange }
            return value
        case .double(let value)?:
            guard let value = Int(exactly: value), range.contains(value) else { throw outOfRange }
            return value
        case .some: throw outOfRange
        }
    }

    func strings(_ key: String) throws(RPCError) -> [String]? {
        switch params[key] {
        case nil, .null?: return nil
        case .array(let values)?:
            var strings: [String] = []
            for value in values {
                guard case .string(let text) = value else {
                    throw .invalidParams("\"\(key)\" must be an array of strings")
                }
                strings.append(text)
            }
            return strings
        case let other?: throw .invalidParams("\"\(key)\" must be an array of strings, not \(other.typeName)")
        }
    }

    func requestID(_ key: String) throws(RPCError) -> RequestID {
        switch params[key] {
        case .int(let value)?: return .int(value)
        case .string(let value)?: return .string(value)
        case nil: throw .invalidParams("\"\(key)\" is required")
        case let other?: throw .invalidParams("\"\(key)\" must be an integer or a string, not \(other.typeName)")
        }
    }
}
