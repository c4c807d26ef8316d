import Glibc

/// One directory opened for listing: below its root without following any symlink (`NoFollowOpen`), so a directory
/// swapped for a symlink since it was found is never listed through the link. `entries()` then reads its names with
/// `readdir`, as raw bytes ("." and ".." left out), and looks at each relative to the open directory (`fstatat`,
/// no follow). Opening first lets the crawl watch the directory between the open and the listing.
package final class DirectoryListing {
    package enum Failure: Error, Equatable {
        /// The directory is gone, is no longer a directory, or is reached only through a symlink.
        case missing
        /// It exists but cannot be read; `errno` value kept for the message.
        case unreadable(Int32)
        /// The task was cancelled while the entries were looked at.
        case cancelled
    }

    /// One entry: its name and what `lstat` says of it (nil when it vanished in between).
    package struct Entry: Sendable {
        package var name: [UInt8]
        package var status: FileStatus?
    }

    /// The directory, opened for the crawl to read its files through (`OpenDirectory`).
    package let directory: OpenDirectory
    /// Open until `entries()` hands it to `fdopendir`, or until deinit.
    private var descriptor: Int32

    package init(of directory: BytePath, root: BytePath) throws(Failure) {
        do {
            self.directory = try OpenDirectory(directory, root: root)
        } catch {
            throw error.meansMissing ? .missing : .unreadable(error.code)
        }
        descriptor = self.directory.open(entry: [UInt8(ascii: ".")], flags: O_RDONLY | O_DIRECTORY)
        guard descriptor >= 0 else { throw .unreadable(errno) }
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    private static let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!

    /// Reads the entries once; checks for cancellation between entries.
    package func entries() throws(Failure) -> [Entry] {
        guard descriptor >= 0 else { return [] }
        guard let handle = fdopendir(descriptor) else { throw .unreadable(errno) }
        descriptor = -1  // closedir closes it
        defer { closedir(handle) }
        var entries: [Entry] = []
        while let entry = readdir(handle) {
            // Read in place up to its NUL: a dirent is only as long as its name, so copying the whole 256-byte
            // d_name field reads past the end of the last record in the buffer (AddressSanitizer caught it).
            let start = UnsafeRawPointer(entry).advanced(by: Self.nameOffset).assumingMemoryBound(to: CChar.self)
            let name = Array(UnsafeRawBufferPointer(start: start, count: strlen(start)))
            if name == [0x2E] || name == [0x2E, 0x2E] { continue }
            entries.append(Entry(name: name, status: nil))
        }
        let directory = dirfd(handle)
        for index in entries.indices {
            if Task.isCancelled { throw .cancelled }
            var info = stat()
            let found = BytePath(entries[index].name).withCString { fstatat(directory, $0, &info, AT_SYMLINK_NOFOLLOW) }
            if found == 0 { entries[index].status = FileStatus(info) }
        }
        return entries
    }
}
