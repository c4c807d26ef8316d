/// A key press as the interactive mode understands it.
public enum TerminalKey: Sendable, Equatable {
    /// Text typed (one or more characters, pasted text included).
    case text(String)
    case enter
    case backspace
    /// Ctrl-W: the word before the cursor.
    case deleteWord
    /// Ctrl-U: the whole query.
    case clearQuery
    case up
    case down
    case pageUp
    case pageDown
    /// Esc, Ctrl-C, Ctrl-G, Ctrl-Q: leave without choosing, as fzf does.
    case abort
}

/// Turns the bytes a terminal in raw mode sends into keys. Keeps an incomplete UTF-8 sequence or escape sequence
/// for the next chunk; a chunk that is a lone ESC is the Esc key (terminals send escape sequences whole).
public struct KeyDecoder: Sendable {
    private var carry: [UInt8] = []

    public init() {}

    public mutating func keys(from chunk: some Sequence<UInt8>) -> [TerminalKey] {
        let bytes = carry + Array(chunk)
        carry = []
        var keys: [TerminalKey] = []
        var text: [UInt8] = []
        func flushText() {
            if !text.isEmpty { keys.append(.text(String(decoding: text, as: UTF8.self))) }
            text = []
        }
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case 0x1B:
                flushText()
                guard index + 1 < bytes.count else {
                    keys.append(.abort)
                    index += 1
                    continue
                }
                let (key, length) = Self.escapeSequence(bytes[(index + 1)...])
                if length == 0 {
                    carry = Array(bytes[index...])
                    return keys
                }
                if let key { keys.append(key) }
                index += 1 + length
                continue
            case 0x0D, 0x0A:
                flushText()
                keys.append(.enter)
            case 0x7F, 0x08:
                flushText()
                keys.append(.backspace)
            case 0x17:
                flushText()
                keys.append(.deleteWord)
            case 0x15:
                flushText()
                keys.append(.clearQuery)
            case 0x10:
                flushText()
                keys.append(.up)
            case 0x0E:
                flushText()
                keys.append(.down)
            case 0x03, 0x07, 0x11:
                flushText()
                keys.append(.abort)
            case 0x09, 0x20...0x7E, 0x80...:
                if byte >= 0xC0 {
                    let length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2
                    if index + length > bytes.count {
                        flushText()
                        carry = Array(bytes[index...])
                        return keys
                    }
                }
                text.append(byte == 0x09 ? 0x20 : byte)
            default:
                break  // Other control keys mean nothing here.
            }
            index += 1
        }
        flushText()
        return keys
    }

    /// The key an escape sequence stands for (nil: one we ignore) and the bytes it takes after ESC;
    /// length 0 when the sequence is not complete yet.
    private static func escapeSequence(_ bytes: ArraySlice<UInt8>) -> (TerminalKey?, Int) {
        let introducer = bytes[bytes.startIndex]
        guard introducer == UInt8(ascii: "[") || introducer == UInt8(ascii: "O") else {
            return (nil, 1)  // Alt + key.
        }
        var end = bytes.startIndex + 1
        while end < bytes.endIndex, (0x30...0x3F).contains(bytes[end]) { end += 1 }
        guard end < bytes.endIndex else { return (nil, 0) }
        let parameters = String(decoding: bytes[(bytes.startIndex + 1)..<end], as: UTF8.self)
        let length = end - bytes.startIndex + 1
        switch (bytes[end], parameters) {
        case (UInt8(ascii: "A"), _): return (.up, length)
        case (UInt8(ascii: "B"), _): return (.down, length)
        case (UInt8(ascii: "~"), "5"): return (.pageUp, length)
        case (UInt8(ascii: "~"), "6"): return (.pageDown, length)
        default: return (nil, length)
        }
    }
}
