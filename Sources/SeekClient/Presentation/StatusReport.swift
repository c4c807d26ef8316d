import Foundation
import SeekProtocol

/// `seek status` for people: what is indexed, what the running pass is doing and when it should end, how fast
/// searches are answered and how far the index lags behind the files.
public struct StatusReport: Sendable {
    public let status: StatusResult

    public init(_ status: StatusResult) { self.status = status }

    public var lines: [String] {
        var lines = [
            "seekd \(status.version), up \(Self.duration(seconds: status.uptimeSeconds))",
            "roots:      " + status.roots.joined(separator: ", "),
            "files:      \(status.files.grouped) (\(Int64(status.bytes).humanBytes) on disk)",
            "index:      \(status.indexPath ?? "?") (\(Int64(status.indexBytes ?? 0).humanBytes))",
            "pass:       " + passLine,
            "generation: \(status.generation.grouped); passes \(status.passes.completed.grouped) completed, "
                + "\(status.passes.superseded.grouped) superseded",
            "freshness:  " + freshnessLine,
            "queries:    " + queriesLine,
            "watches:    \(status.watches.grouped)"
                + (status.watchErrors > 0
                    ? " (\(status.watchErrors.grouped) directories unwatched, covered by rescans)" : ""),
        ]
        if let error = status.lastError { lines.append("last error: \(error)") }
        return lines
    }

    private var passLine: String {
        guard status.pass.state == "running" else {
            switch status.merge?.state {
            case "running": return "idle, merging the index's segments (searches get faster)"
            case "due": return "idle, will merge the index's segments once no file has changed for a second"
            default: return "idle"
            }
        }
        var line = "running: \(status.pass.done.grouped) files done, \(status.pass.queued.grouped) queued"
        if let rate = status.pass.filesPerSecond, rate > 0 {
            line += String(format: ", %.0f files/s", rate)
            if status.pass.queued > 0 {
                line += ", about \(Self.duration(seconds: Double(status.pass.queued) / rate)) left"
            }
        }
        return line
    }

    private var freshnessLine: String {
        guard let freshness = status.freshness else { return "?" }
        var parts: [String] = []
        if let last = freshness.lastMilliseconds {
            parts.append("last changes searchable after \(Self.milliseconds(last))")
        }
        parts.append(
            freshness.pendingMilliseconds > 0
                ? "oldest change waiting \(Self.milliseconds(freshness.pendingMilliseconds))" : "nothing waiting"
        )
        return parts.joined(separator: "; ")
    }

    private var queriesLine: String {
        let queries = status.queries
        var line = "\(queries.completed.grouped) completed"
        if let p50 = queries.p50Milliseconds, let p99 = queries.p99Milliseconds {
            line += " (p50 \(Self.milliseconds(p50)), p99 \(Self.milliseconds(p99)))"
        }
        return line + ", \(queries.superseded.grouped) superseded, \(queries.timedOut.grouped) timed out, "
            + "\(queries.cancelled.grouped) cancelled, \(queries.failed.grouped) failed"
    }

    public static func milliseconds(_ value: Double) -> String {
        value >= 1000 ? duration(seconds: value / 1000) : String(format: value < 10 ? "%.1f ms" : "%.0f ms", value)
    }

    /// "42 s", "3 min 5 s", "2 h 10 min".
    public static func duration(seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        if seconds < 10 { return String(format: "%.1f s", seconds) }
        if whole < 60 { return "\(whole) s" }
        if whole < 3600 { return "\(whole / 60) min \(whole % 60) s" }
        return "\(whole / 3600) h \(whole % 3600 / 60) min"
    }
}

/// One line of progress for a pass: a bar of files done against files done plus queued, then the figures.
public struct ProgressBar: Sendable {
    public let pass: StatusResult.Pass

    public init(_ pass: StatusResult.Pass) { self.pass = pass }

    public var line: String {
        guard pass.state == "running" else { return "waiting for the pass to start…" }
        let total = max(pass.done + pass.queued, 1)
        let width = 24
        let filled = min(width, width * pass.done / total)
        var line = "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] "
        line += "\(pass.done.grouped) files, \(pass.queued.grouped) queued"
        if let rate = pass.filesPerSecond, rate > 0 {
            line += String(format: ", %.0f/s", rate)
            if pass.queued > 0 { line += ", ~" + StatusReport.duration(seconds: Double(pass.queued) / rate) + " left" }
        }
        return line
    }
}

extension Int {
    /// 12,345 style.
    public var grouped: String {
        let digits = String(magnitude)
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return (self < 0 ? "-" : "") + result
    }
}

extension Int64 {
    /// "1.2 MiB" style sizes for people.
    public var humanBytes: String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(self)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(self) bytes" : String(format: "%.1f %@", value, units[unit])
    }
}
