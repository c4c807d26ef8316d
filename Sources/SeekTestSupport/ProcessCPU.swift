import Foundation

/// CPU time a process has used (user + system), read from /proc/PID/stat, in the kernel's clock ticks.
public enum ProcessCPU {
    /// nil when the process is gone.
    public static func used(by pid: Int32) -> Duration? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let end = stat.lastIndex(of: ")")
        else { return nil }
        // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
        let fields = stat[stat.index(after: end)...].split(separator: " ")
        guard fields.count > 13, let user = Int64(fields[11]), let system = Int64(fields[12]) else { return nil }
        let ticks = sysconf(Int32(_SC_CLK_TCK))
        return .milliseconds((user + system) * 1000 / Int64(ticks))
    }

    /// The CPU the process uses during `window` of wall time starting now. This is a measurement window, not a
    /// wait for the daemon: it samples /proc until the window has passed.
    public static func used(by pid: Int32, during window: Duration) async -> Duration {
        let start = used(by: pid) ?? .zero
        let deadline = ContinuousClock.now + window
        while ContinuousClock.now < deadline {
            await Task.yield()
            usleep(2000)
        }
        return (used(by: pid) ?? start) - start
    }
}

extension ProcessCPU {
    /// Returns once the process has used `amount` of CPU more than `baseline` (a query is then surely running),
    /// or false after `timeout`.
    public static func waitForUse(
        by pid: Int32,
        beyond baseline: Duration,
        amount: Duration,
        timeout: Duration
    ) async
        -> Bool
    {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let used = used(by: pid), used - baseline >= amount { return true }
            await Task.yield()
            usleep(1000)
        }
        return false
    }
}
