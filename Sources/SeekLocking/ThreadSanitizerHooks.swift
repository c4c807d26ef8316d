#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// ThreadSanitizer's annotation entry points, found at run time: they exist only in a process built with
/// `-sanitize=thread`, so a normal build needs no special flag and pays one nil check per call.
enum ThreadSanitizerHooks {
    private typealias Annotation = @convention(c) (UnsafeRawPointer?) -> Void

    private static let acquireHook = lookUp("__tsan_acquire")
    private static let releaseHook = lookUp("__tsan_release")

    /// Everything another thread did before `release(address)` happens before what follows.
    static func acquire(_ address: UnsafeRawPointer) {
        acquireHook?(address)
    }

    /// What this thread did so far happens before the next `acquire(address)`.
    static func release(_ address: UnsafeRawPointer) {
        releaseHook?(address)
    }

    private static func lookUp(_ name: String) -> Annotation? {
        // A null handle is RTLD_DEFAULT: the executable and every library it loaded.
        dlsym(nil, name).map { unsafeBitCast($0, to: Annotation.self) }
    }
}
