/// Writes JSON text straight into bytes, for the one answer that is sent many times a second: a search result with
/// its snippets. Foundation's `JSONEncoder` took ~0.2 ms for 20 hits with snippets (measured in seekd), a tenth of a
/// rare word's whole search; this writes the same JSON (keys sorted, slashes unescaped) in a single pass.
struct JSONWriter {
    /// Thrown for a number JSON cannot hold (NaN, infinity), as `JSONEncoder` would refuse it.
    struct NonFiniteNumber: Error, CustomStringConvertible {
        var description: String { "a number is NaN or infinite, which JSON cannot hold" }
    }

    private(set) var bytes: [UInt8] = []

    init(capacity: Int) {
        bytes.reserveCapacity(capacity)
    }

    mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// A quoted string, escaped as JSON requires: quotation mark, backslash and the control characters. The bytes
    /// between escapes are copied in runs (snippets are kilobytes with few escapes).
    mutating func string(_ text: String) {
        bytes.append(0x22)
        var text = text
        text.withUTF8 { utf8 in
            var runStart = 0
            for index in utf8.indices {
                let byte = utf8[index]
                guard byte < 0x20 || byte == 0x22 || byte == 0x5C else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                escape(byte)
                runStart = index + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
        }
        bytes.append(0x22)
    }

    private mutating func escape(_ byte: UInt8) {
        switch byte {
        case 0x22: raw("\\\"")
        case 0x5C: raw("\\\\")
        case 0x0A: raw("\\n")
        case 0x0D: raw("\\r")
        case 0x09: raw("\\t")
        case 0x08: raw("\\b")
        case 0x0C: raw("\\f")
        default:
            raw("\\u00")
            bytes.append(Self.hexDigits[Int(byte >> 4)])
            bytes.append(Self.hexDigits[Int(byte & 0x0F)])
        }
    }

    mutating func number(_ value: Int64) {
        bytes.append(contentsOf: String(value).utf8)
    }

    /// Swift's shortest round-tripping form (`1.5`, `1e-07`), valid JSON for every finite value; a whole number
    /// without its `.0`, as `JSONEncoder` writes it (a client reading integers keeps reading integers).
    mutating func number(_ value: Double) throws(NonFiniteNumber) {
        guard value.isFinite else { throw NonFiniteNumber() }
        let text = value.description
        bytes.append(contentsOf: text.hasSuffix(".0") ? text.utf8.dropLast(2) : text.utf8[...])
    }

    mutating func bool(_ value: Bool) {
        value ? raw("true") : raw("false")
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}
