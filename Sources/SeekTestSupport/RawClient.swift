import Foundation
import Glibc

/// A bare Unix-socket client for tests that must misbehave (write without reading) and see how the daemon copes,
/// which the well-behaved `SeekConnection` cannot do. Non-blocking; every wait has a deadline.
public final class RawClient: @unchecked Sendable {
    private let descriptor: Int32

    public init(path: String) throws {
        descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw DaemonHarness.Failure("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path.utf8.prefix(raw.count - 1))
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else {
            Glibc.close(descriptor)
            throw DaemonHarness.Failure("connect \(path): \(String(cString: strerror(errno)))")
        }
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
    }

    public func close() { Glibc.close(descriptor) }

    /// Whether the socket can take more bytes within `timeout`.
    public func waitWritable(timeout: Duration) -> Bool {
        var entry = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
        return poll(&entry, 1, Int32(timeout.components.seconds * 1000)) == 1 && entry.revents & Int16(POLLOUT) != 0
    }

    /// Writes what the socket takes now; returns the byte count (0 when it is full).
    public func writeSome(_ bytes: [UInt8]) -> Int {
        let written = bytes.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        return max(written, 0)
    }

    /// Reads until `count` newlines arrived or `timeout` passed without any byte; returns the newlines seen.
    public func countLines(upTo count: Int, timeout: Duration) -> Int {
        var seen = 0
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while seen < count {
            var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, Int32(timeout.components.seconds * 1000)) == 1 else { break }
            let length = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if length < 0, errno == EAGAIN || errno == EINTR { continue }
            guard length > 0 else { break }
            seen += buffer[..<length].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        }
        return seen
    }
}

/// A process's memory as the kernel counts it.
public enum ProcessMemory {
    /// VmRSS from /proc/PID/status, in bytes.
    public static func residentBytes(of pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }.map { $0 * 1024 }
        }
        return nil
    }
}
