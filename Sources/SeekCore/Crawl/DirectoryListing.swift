import Glibc

/// The names in one directory, read with `readdir`, as raw bytes ("." and ".." left out). A symlink is never
/// listed through, even one swapped in for the directory after it was checked.
package enum DirectoryListing {
    package enum Failure: Error, Equatable {
        /// The directory is gone or is no longer a directory (a symlink included).
        case missing
        /// It exists but cannot be read; `errno` value kept for the message.
        case unreadable(Int32)
    }

    package static func names(in directory: BytePath) throws(Failure) -> [[UInt8]] {
        let flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC
        let descriptor = directory.withDescriptorPath { openat($0, $1, flags) } ?? -1
        guard descriptor >= 0, let handle = fdopendir(descriptor) else {
            let code = errno
            if descriptor >= 0 { close(descriptor) }
            throw code == ENOENT || code == ENOTDIR || code == ELOOP ? .missing : .unreadable(code)
        }
        defer { closedir(handle) }
        var names: [[UInt8]] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw -> [UInt8] in
                let bytes = raw.bindMemory(to: UInt8.self)
                let length = bytes.firstIndex(of: 0) ?? bytes.count
                return Array(bytes[..<length])
            }
            if name == [0x2E] || name == [0x2E, 0x2E] { continue }
            names.append(name)
        }
        return names
    }
}
