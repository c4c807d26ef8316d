import Foundation
import Glibc
import SeekLocking

/// The controlling terminal (/dev/tty) in raw mode on the alternate screen, so the interactive mode draws there
/// while stdout stays free for the chosen path (`vim "$(seek -i)"`), as fzf does. `restore()` puts the terminal
/// back as it was; it is idempotent and safe to call from a signal path.
public final class Terminal: Sendable {
    public struct Size: Sendable, Equatable {
        public var columns: Int
        public var rows: Int
    }

    /// Why the terminal could not be used.
    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String
    }

    private let descriptor: Int32
    private let saved: termios
    private let isRestored = Locked(false)
    /// Wakes the key reader out of `poll` when the session ends.
    private let wakePipe: (read: Int32, write: Int32)

    public init() throws {
        descriptor = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY)
        guard descriptor >= 0 else {
            throw Unavailable(
                description: "--interactive needs a terminal (/dev/tty: \(String(cString: strerror(errno))))"
            )
        }
        var attributes = termios()
        guard tcgetattr(descriptor, &attributes) == 0 else {
            close(descriptor)
            throw Unavailable(description: "--interactive needs a terminal (/dev/tty is not one)")
        }
        saved = attributes
        var pipeEnds: [Int32] = [-1, -1]
        guard pipe(&pipeEnds) == 0 else {
            close(descriptor)
            throw Unavailable(description: "cannot create a pipe: \(String(cString: strerror(errno)))")
        }
        wakePipe = (pipeEnds[0], pipeEnds[1])
        for end in pipeEnds { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        var raw = attributes
        raw.c_iflag &= ~tcflag_t(BRKINT | ICRNL | INPCK | ISTRIP | IXON)
        raw.c_lflag &= ~tcflag_t(ECHO | ICANON | IEXTEN | ISIG)
        raw.c_cflag |= tcflag_t(CS8)
        tcsetattr(descriptor, TCSAFLUSH, &raw)
        write("\u{1B}[?1049h\u{1B}[H\u{1B}[2J")
    }

    deinit {
        restore()
        close(descriptor)
        close(wakePipe.read)
        close(wakePipe.write)
    }

    /// Leaves the alternate screen and restores the saved modes; later calls do nothing.
    public func restore() {
        let first = isRestored.withLock { restored in
            defer { restored = true }
            return !restored
        }
        guard first else { return }
        write("\u{1B}[?25h\u{1B}[?1049l")
        var attributes = saved
        tcsetattr(descriptor, TCSAFLUSH, &attributes)
    }

    public var size: Size {
        var window = winsize()
        guard ioctl(descriptor, UInt(TIOCGWINSZ), &window) == 0, window.ws_col > 0, window.ws_row > 0 else {
            return Size(columns: 80, rows: 24)
        }
        return Size(columns: Int(window.ws_col), rows: Int(window.ws_row))
    }

    public func write(_ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { return }
            bytes = bytes.dropFirst(written)
        }
    }

    /// Reads key bytes on a thread of its own (a blocking read has no place on the cooperative pool) until the
    /// terminal closes or `stopReading` is called, handing each chunk to `deliver`.
    public func startReading(_ deliver: @escaping @Sendable ([UInt8]) -> Void) {
        let descriptor = descriptor
        let wake = wakePipe.read
        let thread = Thread {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                var fds = [
                    pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0),
                    pollfd(fd: wake, events: Int16(POLLIN), revents: 0),
                ]
                let ready = poll(&fds, 2, -1)
                if ready < 0, errno == EINTR { continue }
                if ready < 0 || fds[1].revents != 0 { return }
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR || errno == EAGAIN { continue }
                guard count > 0 else {
                    deliver([])  // The terminal went away.
                    return
                }
                deliver(Array(buffer[..<count]))
            }
        }
        thread.name = "seek-keys"
        thread.start()
    }

    public func stopReading() {
        var byte: UInt8 = 1
        _ = Glibc.write(wakePipe.write, &byte, 1)
    }
}
