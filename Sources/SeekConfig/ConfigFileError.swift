/// Why seekd's configuration file cannot be used: one line for a person, naming the file, and the key and line when
/// they are known. seekd prints it and exits with status 2.
package struct ConfigFileError: Error, Equatable, CustomStringConvertible {
    /// The file, as seekd resolved it (absolute).
    package var path: String
    /// 1-based line of the problem, when known.
    package var line: Int?
    /// The key at fault; nil for problems with the whole file (unreadable, not TOML).
    package var key: String?
    /// What is wrong, naming the key when there is one.
    package var message: String

    package init(path: String, line: Int? = nil, key: String? = nil, message: String) {
        self.path = path
        self.line = line
        self.key = key
        self.message = message
    }

    /// `/home/ana/.config/seek/config.toml:3: settle_ms must be ... (got "fast")`.
    package var description: String {
        path + (line.map { ":\($0)" } ?? "") + ": " + message
    }
}
