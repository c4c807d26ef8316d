import Foundation
import Glibc

/// How glibc's allocator gives memory back, set once when seekd starts.
///
/// A cold index reads many files and builds big batches on several threads. glibc's defaults raise the mmap and trim
/// thresholds as large blocks come and go (up to 32 and 64 MiB), and `malloc_trim` never shrinks the heaps of
/// threads other than the main one: after the kernel tree, six arenas held 25-45 MB each with under 2 MB in use
/// (`malloc_stats`), 180 MB of the daemon's 211 MB. Fixed thresholds stop the drift and let every heap shrink once
/// 8 MiB sit free at its top: 82 MB after the kernel tree. (1 MiB mappings and a 2 MiB trim gave 56 MB, but every
/// large block then becomes a fresh mapping to fault in, and cold indexes of the CPython files looked slower.)
package enum MallocPolicy {
    /// Blocks this large get a mapping of their own (glibc's `M_MMAP_THRESHOLD`); above `--max-file-size`'s default,
    /// so files and batches stay in the heaps.
    static let mmapThreshold: Int32 = 32 << 20
    /// A heap gives back its top once this much is free there (`M_TRIM_THRESHOLD`).
    static let trimThreshold: Int32 = 8 << 20
    /// At most one heap per core, two on a single core (`M_ARENA_MAX`; glibc's default is eight per core).
    /// Searches run on threads that GRDB and the concurrency pool start and retire, and each new thread could take a
    /// heap of its own that then keeps its free blocks: on the kernel tree, 6,000 searches on a restarted daemon went
    /// 54 -> 72 MB with the default, 53 -> 64 MB with two heaps (flat after the first 1,000 in both), and a cold
    /// index of the CPython `.py` files was no slower (9.3-10.2 s against 9.6-11.5 s, alternated) with a lower peak
    /// (85 MB against 98 MB).
    static let arenaLimit = Int32(max(2, ProcessInfo.processInfo.activeProcessorCount))

    /// Applies the thresholds; call before the threads that index start.
    package static func apply() {
        // mallopt's parameter numbers, from <malloc.h> (not in the Glibc module).
        let trimThresholdParameter: Int32 = -1
        let mmapThresholdParameter: Int32 = -3
        let arenaMaxParameter: Int32 = -8
        _ = mallopt?(trimThresholdParameter, trimThreshold)
        _ = mallopt?(mmapThresholdParameter, mmapThreshold)
        _ = mallopt?(arenaMaxParameter, arenaLimit)
    }

    /// `malloc_trim(0)`: returns free pages inside the heaps too (not only at their tops). After a big pass.
    package static func returnFreedMemory() {
        _ = mallocTrim?(0)
    }

    private static let mallopt: (@convention(c) (Int32, Int32) -> Int32)? = dlsym(nil, "mallopt").map {
        unsafeBitCast($0, to: (@convention(c) (Int32, Int32) -> Int32).self)
    }

    private static let mallocTrim: (@convention(c) (Int) -> Int32)? = dlsym(nil, "malloc_trim").map {
        unsafeBitCast($0, to: (@convention(c) (Int) -> Int32).self)
    }
}
