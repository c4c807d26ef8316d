import Foundation

/// An absolute file path as the kernel sees it: bytes, not necessarily UTF-8.
/// Paths are kept as bytes from the crawl to the index so that no name is lost or altered.
package struct BytePath: Sendable, Hashable, Comparable, CustomStringConvertible {
    package var bytes: [UInt8]

    package init(_ bytes: [UInt8]) { self.bytes = bytes }

    package init(_ string: String) { self.bytes = Array(string.utf8) }

    package static let slash = UInt8(ascii: "/")

    package static func < (lhs: BytePath, rhs: BytePath) -> Bool {
        // memcmp: passes sort thousands of paths, deep trees make them kilobytes long, and the generic
        // comparison costs a witness call per byte in unoptimized (debug, sanitizer) builds.
        lhs.bytes.withUnsafeBufferPointer { left in
            rhs.bytes.withUnsafeBufferPointer { right in
                let common = min(left.count, right.count)
                let order = common == 0 ? 0 : memcmp(left.baseAddress!, right.baseAddress!, common)
                return order != 0 ? order < 0 : left.count < right.count
            }
        }
    }

    /// The bytes in one call: the synthesized hash feeds the hasher byte by byte, which a cold index's sets of
    /// tens of thousands of paths felt (`Hasher.combine(UInt8)` was 3-4% of the pass threads' samples).
    package func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    /// The path with U+FFFD for each invalid UTF-8 sequence.
    package var description: String { String(decoding: bytes, as: UTF8.self) }

    /// Whether the bytes are valid UTF-8, so that `description` is exact.
    package var isValidUTF8: Bool { String(validating: bytes, as: UTF8.self) != nil }

    /// The last component.
    package var lastComponent: ArraySlice<UInt8> {
        guard let slash = bytes.lastIndex(of: Self.slash) else { return bytes[...] }
        return bytes[(slash + 1)...]
    }

    /// The parent directory; "/" is its own parent.
    package var parent: BytePath {
        guard let slash = bytes.lastIndex(of: Self.slash), slash > 0 else { return BytePath("/") }
        return BytePath(Array(bytes[..<slash]))
    }

    package func appending(_ component: some Collection<UInt8>) -> BytePath {
        var joined = bytes
        if joined.last != Self.slash { joined.append(Self.slash) }
        joined.append(contentsOf: component)
        return BytePath(joined)
    }

    /// Whether `self` is `ancestor` or lies below it.
    package func isWithin(_ ancestor: BytePath) -> Bool {
        if ancestor.bytes == [Self.slash] { return bytes.first == Self.slash }
        guard bytes.count >= ancestor.bytes.count, bytes.starts(with: ancestor.bytes) else { return false }
        return bytes.count == ancestor.bytes.count || bytes[ancestor.bytes.count] == Self.slash
    }

    /// The path below `ancestor`, without a leading slash; empty for `ancestor` itself.
    package func relative(to ancestor: BytePath) -> ArraySlice<UInt8> {
        let start = ancestor.bytes == [Self.slash] ? 1 : ancestor.bytes.count + 1
        return start >= bytes.count ? [] : bytes[start...]
    }

    /// The lower and upper bounds (exclusive) of the paths strictly below this directory, for BLOB range queries:
    /// every descendant starts with `self + "/"`, and `"0"` is the byte after `"/"`.
    package var descendantRange: (lower: [UInt8], upper: [UInt8]) {
        // "/" + NUL for the root: no path holds a NUL byte, and "/" itself must stay outside.
        if bytes == [Self.slash] { return ([Self.slash, 0], [Self.slash + 1]) }
        return (bytes + [Self.slash], bytes + [Self.slash + 1])
    }

    /// The path with "." and ".." resolved lexically and repeated or trailing slashes dropped; nil when relative.
    package static func normalized(_ path: String) -> BytePath? {
        normalized(bytes: Array(path.utf8))
    }

    package static func normalized(bytes: [UInt8]) -> BytePath? {
        guard bytes.first == slash else { return nil }
        var components: [ArraySlice<UInt8>] = []
        for component in bytes.split(separator: slash, omittingEmptySubsequences: true) {
            if component.elementsEqual([UInt8(ascii: ".")]) { continue }
            if component.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")]) {
                _ = components.popLast()
                continue
            }
            components.append(component)
        }
        var result: [UInt8] = []
        for component in components {
            result.append(slash)
            result.append(contentsOf: component)
        }
        return BytePath(result.isEmpty ? [slash] : result)
    }

    /// A NUL-terminated copy for C calls.
    package func withCString<T>(_ body: (UnsafePointer<CChar>) throws -> T) rethrows -> T {
        try (bytes + [0]).withUnsafeBufferPointer { buffer in
            try buffer.withMemoryRebound(to: CChar.self) { try body($0.baseAddress!) }
        }
    }
}
