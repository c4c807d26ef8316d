/// Work an index pass still has to do. Work sets merge: a superseded pass hands its unfinished part to the next
/// pass, which adds the new changes to it, so under a steady stream of changes no work is dropped.
package struct WorkSet: Sendable, Equatable {
    /// How much of a directory to look at.
    package enum ScanMode: Int, Sendable, Comparable {
        /// Its own entries; subdirectories only if the index has never listed them.
        case shallow
        /// Its own entries and everything below.
        case full

        package static func < (lhs: ScanMode, rhs: ScanMode) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    package private(set) var directories: [BytePath: ScanMode] = [:]
    /// Single paths to re-check (created, written, deleted or renamed files; may turn out to be directories).
    package private(set) var paths: Set<BytePath> = []

    package init() {}

    package var isEmpty: Bool { directories.isEmpty && paths.isEmpty }
    package var count: Int { directories.count + paths.count }

    package mutating func scan(_ directory: BytePath, _ mode: ScanMode) {
        directories[directory] = max(directories[directory] ?? mode, mode)
    }

    package mutating func check(_ path: BytePath) {
        paths.insert(path)
    }

    package mutating func merge(_ other: WorkSet) {
        for (directory, mode) in other.directories { scan(directory, mode) }
        paths.formUnion(other.paths)
    }

    /// Takes everything out, leaving the set empty.
    package mutating func take() -> WorkSet {
        defer { self = WorkSet() }
        return self
    }
}
