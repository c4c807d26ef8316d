/// What the watcher reports, already reduced to what indexing needs.
package enum FileEvent: Sendable, Equatable {
    /// Something at this path was created, written, deleted or renamed (it may be a directory).
    case changed(BytePath)
    /// An ignore file in this directory changed: everything it governs is judged again.
    case rulesChanged(BytePath)
    /// The kernel dropped events (`IN_Q_OVERFLOW`): only a rescan can tell what changed.
    case overflow
    /// A directory that could not be watched is due for its periodic rescan (its own entries and new
    /// subdirectories). Such rescans never cancel a running pass: they wait for it.
    case rescan(BytePath)
}
