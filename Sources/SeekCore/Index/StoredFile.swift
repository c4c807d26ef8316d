/// A file as the index last saw it: enough stat data to tell whether it changed.
package struct StoredFile: Sendable, Equatable {
    package var id: Int64
    package var status: FileStatus
    package var contentState: Int
}

/// One file's new entry for the index.
package struct FileEntry: Sendable {
    package var path: BytePath
    /// The path relative to its root, which is what simple queries match (directories above a root never match).
    package var relativePath: [UInt8]
    package var status: FileStatus
    package var content: ContentExtractor.Content
    /// The row the index had for this path when it was scanned; nil for a new file (saves look-ups in bulk loads).
    package var existingID: Int64?
}

/// A file that moved: its row and its text follow it, and its content is not read again.
package struct FileRename: Sendable {
    package var id: Int64
    package var path: BytePath
    package var relativePath: [UInt8]
    package var status: FileStatus
}

/// The changes of one transaction. A batch is committed whole or not at all, so a cancelled pass never leaves
/// a half-written file.
package struct IndexBatch: Sendable {
    package var entries: [FileEntry] = []
    /// Applied first, before deletions, so a delete of the old path no longer finds the moved row.
    package var renames: [FileRename] = []
    package var deletedFiles: [BytePath] = []
    /// Directories gone from disk (or now excluded): everything under them goes.
    package var purgedDirectories: [BytePath] = []
    /// Directories whose listing this batch completes, with their parents.
    package var scannedDirectories: [(path: BytePath, parent: BytePath)] = []
    package var textBytes = 0

    package init() {}

    package var isEmpty: Bool {
        entries.isEmpty && renames.isEmpty && deletedFiles.isEmpty && purgedDirectories.isEmpty
            && scannedDirectories.isEmpty
    }

    package var fileCount: Int { entries.count + renames.count + deletedFiles.count }
}
