import Foundation
import Glibc
import SeekCore
import TOMLKit

/// seekd's configuration file, `$XDG_CONFIG_HOME/seek/config.toml` (`~/.config/seek/config.toml` when that is unset
/// or empty), read once at start.
///
/// ```toml
/// roots = ["~/notes", "~/src"]     # ~ is $HOME; relative paths are relative to this file's directory
/// exclude = ["build/", "*.log"]    # gitignore patterns, as if in an ignore file at every root
/// settle_ms = 20                   # --settle-ms
/// max_file_size = 16777216         # --max-file-size, in bytes
/// hidden = false                   # --hidden
/// ignore_files = true              # false: --no-ignore; or the names to read, e.g. [".gitignore", ".ignore"]
/// ```
///
/// Every value is optional; a value the file leaves out keeps its default, and command-line flags beat the file.
/// Roots given on the command line replace the file's. A missing file is no error; anything else wrong with it
/// (unreadable, not TOML, an unknown key, a value of the wrong type or out of range) is a `ConfigFileError`.
package struct SeekConfigFile: Sendable, Equatable {
    /// Absolute path of the file (lexically normalized, symlinks kept), as errors and `explain` name it.
    package var path: String
    /// Root directories, absolute: `~` expanded, relative paths joined to the file's directory. Nil when the file
    /// names none (an empty array counts as none). Existence is checked when seekd resolves them.
    package var roots: [String]?
    /// `exclude` patterns, compiled, each with its line in this file.
    package var excludes: [IgnoreRule] = []
    package var settleMilliseconds: Int?
    package var maxFileSize: Int64?
    package var hidden: Bool?
    /// `ignore_files`: nil when not set, `[]` for `false` or an empty array (no ignore files are read), the default
    /// names for `true`, else the names given.
    package var ignoreFileNames: [String]?

    /// True when the values came from a file on disk (false for a missing file or `--no-config`).
    package private(set) var wasRead = false

    /// The keys a configuration file may hold, in the order the documentation lists them.
    package static let keys = ["roots", "exclude", "settle_ms", "max_file_size", "hidden", "ignore_files"]

    /// A file that sets nothing (what a missing file means).
    package init(path: String) {
        self.path = path
    }

    /// `$XDG_CONFIG_HOME/seek/config.toml`, or `$HOME/.config/seek/config.toml` when `XDG_CONFIG_HOME` is unset or
    /// empty.
    package static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let config = environment["XDG_CONFIG_HOME"], !config.isEmpty { return config + "/seek/config.toml" }
        return home(environment) + "/.config/seek/config.toml"
    }

    /// Reads and checks the file at `path` (relative to the working directory when not absolute).
    ///
    /// A file that does not exist sets nothing, unless `mustExist` (a file named with `--config`).
    package static func load(
        path: String,
        mustExist: Bool,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigFileError) -> SeekConfigFile {
        let absolute = absolutePath(path)
        let bytes: [UInt8]
        switch readFile(absolute) {
        case .bytes(let read): bytes = read
        case .failed(let code):
            if code == ENOENT && !mustExist { return SeekConfigFile(path: absolute) }
            throw ConfigFileError(path: absolute, message: "cannot be read: \(String(cString: strerror(code)))")
        }
        guard !bytes.contains(0), let text = String(validating: bytes, as: UTF8.self) else {
            throw ConfigFileError(path: absolute, message: "is not a TOML file: it is not UTF-8 text")
        }
        return try SeekConfigFile(parsing: text, path: absolute, home: home(environment))
    }

    /// The whole file (following symlinks: configuration files are often links into a dotfiles repository), or the
    /// errno that stopped the read. Files over 1 MiB are refused with EFBIG.
    private static func readFile(_ path: String) -> FileRead {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { return .failed(errno) }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return .failed(errno) }
        if info.st_mode & S_IFMT == S_IFDIR { return .failed(EISDIR) }
        guard info.st_mode & S_IFMT == S_IFREG else { return .failed(EINVAL) }
        let limit = 1 << 20
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failed(errno)
            }
            if count == 0 { return .bytes(bytes) }
            bytes.append(contentsOf: chunk[..<count])
            if bytes.count > limit { return .failed(EFBIG) }
        }
    }

    /// Parses and checks `text`, the contents of the file at `path` (absolute); `~` in roots stands for `home`.
    package init(parsing text: String, path: String, home: String) throws(ConfigFileError) {
        self.path = path
        wasRead = true
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            let begin = error.source.begin
            throw ConfigFileError(
                path: path,
                line: begin.line > 0 ? begin.line : nil,
                message: "not valid TOML" + (begin.column > 0 ? " at column \(begin.column)" : "")
                    + ": \(oneLine(error.description))"
            )
        } catch {
            throw ConfigFileError(path: path, message: "not valid TOML: \(error)")
        }
        let lines = TOMLSourceLines(text)
        // Report the first problem in reading order, so the line a person fixes first is the one they are shown.
        let keys = table.keys.sorted { (lines.keys[$0] ?? .max, $0) < (lines.keys[$1] ?? .max, $1) }
        for key in keys {
            guard let value = table[key] else { continue }
            let reader = ValueReader(path: path, key: key, line: lines.keys[key], elementLines: lines.elements[key])
            switch key {
            case "roots":
                let written = try reader.strings(value, what: "directory paths", element: Self.checkRoot)
                roots =
                    written.isEmpty
                    ? nil
                    : written.map { root in
                        Self.resolveRoot(root, file: path, home: home)
                    }
            case "exclude":
                excludes = try reader.patterns(value)
            case "settle_ms":
                settleMilliseconds = Int(try reader.count(value, what: "a whole number of milliseconds"))
            case "max_file_size":
                maxFileSize = try reader.count(value, what: "a whole number of bytes")
            case "hidden":
                hidden = try reader.bool(value)
            case "ignore_files":
                ignoreFileNames = try reader.ignoreFileNames(value)
            default:
                throw reader.error(
                    "unknown key \(quoted(key)) (known keys: \(Self.keys.joined(separator: ", ")))"
                )
            }
        }
    }

    // MARK: Merging with the command line

    /// The roots to index: the command line's when it names any, else the file's; empty when neither does.
    package func roots(commandLine: [String]) -> [String] {
        commandLine.isEmpty ? roots ?? [] : commandLine
    }

    /// The crawl policy: a command-line value (non-nil) beats the file's, which beats the default.
    package func crawlPolicy(hidden: Bool?, useIgnoreFiles: Bool?, maxFileSize: Int64?) -> CrawlPolicy {
        let defaults = CrawlPolicy()
        let names = ignoreFileNames.map { $0.map { Array($0.utf8) } }
        return CrawlPolicy(
            includeHidden: hidden ?? self.hidden ?? defaults.includeHidden,
            useIgnoreFiles: useIgnoreFiles ?? (names.map { !$0.isEmpty } ?? defaults.useIgnoreFiles),
            maxFileSize: maxFileSize ?? self.maxFileSize ?? defaults.maxFileSize,
            // `--ignore` against `ignore_files = false` reads the default names.
            ignoreFileNames: names.flatMap { $0.isEmpty ? nil : $0 } ?? defaults.ignoreFileNames,
            rootExcludes: excludes,
            rootExcludesSource: Array(path.utf8)
        )
    }

    /// The settle time in milliseconds: the command line's, else the file's, else 20.
    package func settleMilliseconds(commandLine: Int?) -> Int {
        commandLine ?? settleMilliseconds ?? 20
    }

    // MARK: Paths

    private enum FileRead {
        case bytes([UInt8])
        case failed(Int32)
    }

    private static func home(_ environment: [String: String]) -> String {
        if let home = environment["HOME"], !home.isEmpty { return home }
        return NSHomeDirectory()
    }

    private static func absolutePath(_ path: String) -> String {
        let joined = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        return BytePath.normalized(joined)?.description ?? joined
    }

    private static func checkRoot(_ root: String) -> String? {
        if root.isEmpty { return "an empty path" }
        if root.hasPrefix("~"), root != "~", !root.hasPrefix("~/") {
            return "not expanded: only ~ and ~/ stand for the home directory"
        }
        return nil
    }

    /// `~` and `~/...` from `home`; relative paths from the file's directory; lexically normalized.
    private static func resolveRoot(_ root: String, file: String, home: String) -> String {
        var joined: String
        if root == "~" {
            joined = home
        } else if root.hasPrefix("~/") {
            joined = home + root.dropFirst()
        } else if root.hasPrefix("/") {
            joined = root
        } else {
            joined = (file as NSString).deletingLastPathComponent + "/" + root
        }
        if !joined.hasPrefix("/") { joined = FileManager.default.currentDirectoryPath + "/" + joined }
        return BytePath.normalized(joined)?.description ?? joined
    }
}

/// Reads one key's value, phrasing every complaint with the file, the key and its line.
private struct ValueReader {
    let path: String
    let key: String
    let line: Int?
    let elementLines: [Int]?

    func error(_ message: String, element: Int? = nil) -> ConfigFileError {
        let elementLine = element.flatMap { index in elementLines.flatMap { index < $0.count ? $0[index] : nil } }
        return ConfigFileError(path: path, line: elementLine ?? line, key: key, message: message)
    }

    /// A non-negative integer.
    func count(_ value: any TOMLValueConvertible, what: String) throws(ConfigFileError) -> Int64 {
        guard value.type == .int, let number = value.int, number >= 0 else {
            throw error("\(key) must be \(what), 0 or more (got \(Self.describe(value)))")
        }
        return Int64(number)
    }

    func bool(_ value: any TOMLValueConvertible) throws(ConfigFileError) -> Bool {
        guard value.type == .bool, let bool = value.bool else {
            throw error("\(key) must be true or false (got \(Self.describe(value)))")
        }
        return bool
    }

    /// An array of strings, each passing `element` (which names what is wrong with it, or returns nil).
    func strings(
        _ value: any TOMLValueConvertible,
        what: String,
        element check: (String) -> String? = { _ in nil }
    ) throws(ConfigFileError) -> [String] {
        guard value.type == .array, let array = value.array else {
            throw error("\(key) must be an array of \(what) (got \(Self.describe(value)))")
        }
        var strings: [String] = []
        for index in 0..<array.count {
            let element = array[index]
            guard element.type == .string, let string = element.string else {
                throw error(
                    "\(key) must be an array of \(what) (got \(Self.describe(element)) in it)",
                    element: index
                )
            }
            if let problem = check(string) {
                throw error("\(key): \(quoted(string)) is \(problem)", element: index)
            }
            strings.append(string)
        }
        return strings
    }

    /// `exclude`: gitignore patterns, each compiled with the line it is written on.
    func patterns(_ value: any TOMLValueConvertible) throws(ConfigFileError) -> [IgnoreRule] {
        let patterns = try strings(value, what: "gitignore-style patterns") { pattern in
            if pattern.contains(where: \.isNewline) { return "more than one line: give one pattern per string" }
            if IgnoreRule(line: Array(pattern.utf8), number: 0) == nil {
                return "blank or a comment, so it matches nothing (to match a name starting with #, write '\\#name')"
            }
            return nil
        }
        return patterns.enumerated().compactMap { index, pattern in
            let line = elementLines.flatMap { index < $0.count ? $0[index] : nil } ?? line ?? 0
            return IgnoreRule(line: Array(pattern.utf8), number: line)
        }
    }

    /// `ignore_files`: true (the defaults), false (none), or an array of file names.
    func ignoreFileNames(_ value: any TOMLValueConvertible) throws(ConfigFileError) -> [String] {
        if value.type == .bool, let bool = value.bool {
            return bool ? CrawlPolicy.defaultIgnoreFileNames.map { String(decoding: $0, as: UTF8.self) } : []
        }
        guard value.type == .array else {
            throw error(
                "\(key) must be true, false or an array of file names such as [\".gitignore\", \".ignore\"] "
                    + "(got \(Self.describe(value)))"
            )
        }
        return try strings(value, what: "file names") { name in
            if name.isEmpty || name == "." || name == ".." || name.contains("/") || name.contains("\0") {
                return "not a file name (a name without \"/\", such as \".gitignore\")"
            }
            return nil
        }
    }

    /// A value as it could be written in the file, for "(got ...)".
    static func describe(_ value: any TOMLValueConvertible) -> String {
        switch value.type {
        case .string: quoted(value.string ?? "")
        case .int: value.int.map { "\($0)" } ?? "an integer"
        case .double: value.double.map { "\($0)" } ?? "a number"
        case .bool: value.bool.map { "\($0)" } ?? "a boolean"
        case .array: "an array"
        case .table: "a table"
        case .date: "a date"
        case .time: "a time"
        case .dateTime: "a date and time"
        }
    }
}

/// toml++'s messages can quote a line break ("saw 'tru\n'"); an error is one line.
func oneLine(_ text: String) -> String {
    var result = ""
    for scalar in text.trimmingCharacters(in: .whitespacesAndNewlines).unicodeScalars {
        result += escapedControl(scalar) ?? String(scalar)
    }
    return result
}

/// `text` as a TOML basic string, so that what a message quotes can be found in the file (and stays on one line).
/// (Not `String.debugDescription`: TOMLKit's conformance replaces it with the bare string.)
func quoted(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": result += "\\\""
        case "\\": result += "\\\\"
        default: result += escapedControl(scalar) ?? String(scalar)
        }
    }
    return result + "\""
}

/// A control character as TOML escapes it; nil for any other.
private func escapedControl(_ scalar: Unicode.Scalar) -> String? {
    switch scalar {
    case "\n": return "\\n"
    case "\t": return "\\t"
    case "\r": return "\\r"
    case _ where scalar.value < 0x20 || scalar.value == 0x7F:
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
    default: return nil
    }
}
