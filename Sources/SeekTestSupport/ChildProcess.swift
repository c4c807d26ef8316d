import Foundation
import Glibc

/// A child started with `posix_spawn` and reaped with `waitpid` on a thread of its own: independent of Foundation's
/// `Process`, whose monitoring was seen to miss a short-lived child's end when many ran at once, and which kept every
/// process object (with its arguments, environment and pipes) alive for the rest of the run (LeakSanitizer).
struct ChildProcess: Sendable {
    let pid: pid_t
    /// Fed with the exit status (128 + signal when killed) once the child is reaped.
    let exit: ExitWaiter

    /// Spawns `executable`: stdin from /dev/null, stdout to `standardOutput`, stderr to `standardError` (the caller
    /// closes its copies), `environment` exactly, a session of its own (no controlling terminal, as under CI,
    /// whatever terminal runs the tests), no blocked signals and default handlers: the spawning thread is a pool
    /// thread that blocks signals, and a child inheriting that mask never sees SIGCHLD or SIGTERM.
    static func spawn(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String],
        standardOutput: Int32,
        standardError: Int32
    ) throws -> ChildProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, standardOutput, 1)
        posix_spawn_file_actions_adddup2(&actions, standardError, 2)
        try closeInheritedDescriptors(&actions)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        let setSessionID: Int32 = 0x80  // POSIX_SPAWN_SETSID, which Glibc hides behind _GNU_SOURCE.
        posix_spawnattr_setflags(&attributes, Int16(setSessionID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = [executable] + arguments
        let envp = environment.map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let spawned = withCStrings(argv) { argvPointers in
            withCStrings(envp) { envPointers in
                posix_spawn(&pid, executable, &actions, &attributes, argvPointers, envPointers)
            }
        }
        guard spawned == 0 else {
            throw DaemonHarness.Failure("cannot run \(executable): \(String(cString: strerror(spawned)))")
        }
        let child = ChildProcess(pid: pid, exit: ExitWaiter())
        child.reapWhenItEnds()
        return child
    }

    /// Makes the child close every descriptor above stderr before it runs. Tests run in parallel in one process, and
    /// Foundation opens files without close-on-exec (`Data.write(to:)`): a seekd spawned while another test was writing
    /// one of its files kept that descriptor open for its whole life, and its exit then reported `IN_CLOSE_WRITE` on
    /// the other test's file, seconds later, to that test's seekd, as a change that superseded its parked pass.
    private static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) throws {
        // glibc declares it only under _GNU_SOURCE, which the Glibc module does not define.
        typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np")  // nil: RTLD_DEFAULT
        else {
            throw DaemonHarness.Failure("posix_spawn_file_actions_addclosefrom_np is missing (glibc 2.34 or later)")
        }
        let code = unsafeBitCast(symbol, to: AddCloseFrom.self)(&actions, 3)
        guard code == 0 else {
            throw DaemonHarness.Failure("posix_spawn_file_actions_addclosefrom_np: \(String(cString: strerror(code)))")
        }
    }

    /// A pair of connected descriptors, close-on-exec from the start (socketpair takes the flag atomically; pipe2
    /// needs _GNU_SOURCE): a daemon spawned at the same moment by another test must not inherit a write end, or
    /// the reader's end of file would wait for that daemon.
    static func outputChannel() throws -> (read: Int32, write: Int32) {
        var descriptors: [Int32] = [0, 0]
        let streamType = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        guard socketpair(AF_UNIX, streamType, 0, &descriptors) == 0 else {
            throw DaemonHarness.Failure("socketpair failed: \(String(cString: strerror(errno)))")
        }
        return (descriptors[0], descriptors[1])
    }

    /// Sends `signal` unless the child was already reaped (its pid may belong to another process by then).
    func send(_ signal: Int32) {
        if !exit.hasEnded { kill(pid, signal) }
    }

    /// Sends SIGTERM and waits for the end.
    func terminate() async {
        send(SIGTERM)
        _ = await exit.wait()
    }

    private func reapWhenItEnds() {
        let (pid, exit) = (pid, exit)
        let thread = Thread {
            var status: Int32 = 0
            var result: pid_t
            repeat { result = waitpid(pid, &status, 0) } while result < 0 && errno == EINTR
            if result < 0 { status = 0xFF << 8 }  // cannot tell: report exit status 255, never success
            let exited = status & 0x7F == 0
            exit.finish(exited ? (status >> 8) & 0xFF : 128 + (status & 0x7F))
        }
        thread.name = "reaper"
        thread.start()
    }

    private static func withCStrings<T>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> T) -> T {
        let pointers = strings.map { strdup($0) } + [nil]
        defer { for pointer in pointers { free(pointer) } }
        return body(pointers)
    }
}
