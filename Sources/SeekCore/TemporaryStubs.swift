package struct IgnoreRule: Sendable, Equatable {
    package let pattern: String
    package let line: Int
}
package struct IgnoreFile: Sendable {
    package init(path: [UInt8], contents: [UInt8]) {}
}
package struct IgnoreDecision: Sendable, Equatable {
    package let isIgnored: Bool
    package let file: [UInt8]
    package let rule: IgnoreRule
}
package struct IgnoreStack: Sendable {
    package static let empty = IgnoreStack()
    package func pushing(_ files: [IgnoreFile]) -> IgnoreStack { self }
    package func decision(forAbsolutePath path: some Collection<UInt8>, isDirectory: Bool) -> IgnoreDecision? { nil }
}
package enum SimpleQuery {
    package static func translate(_ text: String) -> String? { "\"" + text + "\"" }
}
