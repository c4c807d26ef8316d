import Foundation

/// Where `seekd` and `seek` look for things when not told: both choose the socket the same way.
public enum DefaultPaths {
    /// `--socket` beats `SEEK_SOCKET` beats `$XDG_RUNTIME_DIR/seek/seekd.sock` beats `/tmp/seek-$UID/seekd.sock`.
    public static func socket(
        flag: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment
    )
        -> String
    {
        if let flag, !flag.isEmpty { return flag }
        if let variable = environment["SEEK_SOCKET"], !variable.isEmpty { return variable }
        if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty { return runtime + "/seek/seekd.sock" }
        return "/tmp/seek-\(getuid())/seekd.sock"
    }

    /// `$XDG_DATA_HOME/seek/index.sqlite3`, `~/.local/share/seek/index.sqlite3` when unset.
    public static func index(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let data = environment["XDG_DATA_HOME"], !data.isEmpty { return data + "/seek/index.sqlite3" }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return home + "/.local/share/seek/index.sqlite3"
    }
}
