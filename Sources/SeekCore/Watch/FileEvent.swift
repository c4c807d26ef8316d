/// What the watcher reports, already reduced to what indexing needs.
package enum FileEvent: Sendable, Equatable {
    /// Something at this path was created, written, deleted or renamed (it may be a directory).
    case changed(BytePath)
    /// An ignore file in this directory changed: everything it governs is judged again.
    case rulesChanged(BytePath)
    /// The kernel dropped events (`IN_Q_OVERFLOW`): only a rescan can tell what changed.
    case overflow
}
