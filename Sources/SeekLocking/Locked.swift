import Synchronization

/// A value behind a lock: `Synchronization.Mutex` that ThreadSanitizer can see.
///
/// On Linux, Swift 6.3's `Mutex` waits on a futex inside the standard library, which ThreadSanitizer does not
/// instrument, so every value it guards looked raced (docs/HARDENING.md). Each `withLock` tells ThreadSanitizer
/// that the critical section acquires and releases this lock; outside a ThreadSanitizer build the annotations are
/// absent and cost a branch. Use it wherever `Mutex` would do: the same rules hold (change state under the lock,
/// act after it; never resume a continuation or log under it).
public final class Locked<Value: ~Copyable>: Sendable {
    private let mutex: Mutex<Value>

    public init(_ initialValue: consuming sending Value) {
        mutex = Mutex(initialValue)
    }

    /// Runs `body` with exclusive access to the value. It must not block or call back into code that takes this lock.
    public func withLock<Result: ~Copyable, Failure: Error>(
        _ body: (inout sending Value) throws(Failure) -> sending Result
    ) throws(Failure) -> sending Result {
        // The object's address names this lock to ThreadSanitizer; it is stable for the object's lifetime.
        let lockAddress = UnsafeRawPointer(Unmanaged.passUnretained(self).toOpaque())
        return try mutex.withLock { (value: inout sending Value) throws(Failure) -> sending Result in
            ThreadSanitizerHooks.acquire(lockAddress)
            defer { ThreadSanitizerHooks.release(lockAddress) }
            return try body(&value)
        }
    }
}
