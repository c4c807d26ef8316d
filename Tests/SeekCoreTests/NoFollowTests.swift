import Foundation
import Glibc
import SeekCore
import Testing

/// Below a root no symlink is followed, at any depth: a directory replaced by a link between the moment it was
/// found and the moment it is listed or read leads nowhere (DESIGN.md: symlinks are not followed).
@Suite struct NoFollowTests {
    /// `directory/root/real/sub/f.txt`, `directory/outside/sub/secret.txt`, and `root/link -> outside`.
    static func withTree(_ body: (_ root: BytePath, _ outside: BytePath) throws -> Void) throws {
        try withTemporaryDirectory { directory in
            let root = directory.appending(Array("root".utf8))
            let outside = directory.appending(Array("outside".utf8))
            for path in [root, root.appending(Array("real".utf8)), outside] { mkdir(path.description, 0o700) }
            mkdir(root.appending(Array("real/sub".utf8)).description, 0o700)
            mkdir(outside.appending(Array("sub".utf8)).description, 0o700)
            _ = try root.appending(Array("real/sub".utf8)).write("f.txt", Array("inside".utf8))
            _ = try outside.appending(Array("sub".utf8)).write("secret.txt", Array("outside".utf8))
            symlink(outside.description, root.appending(Array("link".utf8)).description)
            try body(root, outside)
        }
    }

    static func listing(_ path: BytePath, root: BytePath) -> Result<[[UInt8]], DirectoryListing.Failure> {
        Result { () throws(DirectoryListing.Failure) in
            try DirectoryListing(of: path, root: root).entries().map(\.name).sorted { $0.lexicographicallyPrecedes($1) }
        }
    }

    @Test func directoriesBelowTheRootAreListedWithTheirEntriesStatus() throws {
        try Self.withTree { root, _ in
            let entries = try DirectoryListing(of: root, root: root).entries()
            let kinds = Dictionary(
                uniqueKeysWithValues: entries.map { (String(decoding: $0.name, as: UTF8.self), $0.status?.kind) }
            )
            #expect(kinds == ["real": .directory, "link": .symlink])
            #expect(
                try Self.listing(root.appending(Array("real/sub".utf8)), root: root).get() == [Array("f.txt".utf8)]
            )
        }
    }

    @Test func aDirectorySwappedForASymlinkIsNotListed() throws {
        try Self.withTree { root, _ in
            #expect(Self.listing(root.appending(Array("link".utf8)), root: root) == .failure(.missing))
        }
    }

    @Test func aSymlinkHigherUpIsNotFollowedEither() throws {
        try Self.withTree { root, _ in
            #expect(Self.listing(root.appending(Array("link/sub".utf8)), root: root) == .failure(.missing))
            let secret = root.appending(Array("link/sub/secret.txt".utf8))
            let outcome = try ContentExtractor.read(secret, limit: 1 << 20, stopAtNUL: false, root: root)
            guard case .failed(let code) = outcome else {
                Issue.record("read through a symlinked directory: \(outcome)")
                return
            }
            #expect(NoFollowOpen.Failure(code).meansMissing)
            #expect(FileStatus.of(secret, root: root) == nil)
            #expect(FileStatus.of(root.appending(Array("link".utf8)), root: root)?.kind == .symlink)
            // The plain path-based calls do follow it: that is what the root-relative ones are for.
            #expect(FileStatus.of(secret)?.kind == .regular)
        }
    }

    @Test func filesBelowTheRootAreReadAndStated() throws {
        try Self.withTree { root, _ in
            let file = root.appending(Array("real/sub/f.txt".utf8))
            let outcome = try ContentExtractor.read(file, limit: 1 << 20, stopAtNUL: false, root: root)
            #expect(outcome == .bytes(Array("inside".utf8)))
            #expect(FileStatus.of(file, root: root)?.kind == .regular)
            #expect(FileStatus.of(root, root: root)?.kind == .directory)
        }
    }

    @Test func aRootReplacedByASymlinkIsNotListed() throws {
        try Self.withTree { root, outside in
            let moved = root.parent.appending(Array("root.old".utf8))
            rename(root.description, moved.description)
            symlink(outside.description, root.description)
            #expect(Self.listing(root, root: root) == .failure(.missing))
            #expect(throws: NoFollowOpen.Failure.self) { try NoFollowOpen.open(root, root: root, flags: O_RDONLY) }
        }
    }

    @Test func pathsOutsideTheRootAreRefused() throws {
        try Self.withTree { root, outside in
            #expect(throws: NoFollowOpen.Failure(EXDEV)) {
                try NoFollowOpen.open(outside.appending(Array("sub".utf8)), root: root, flags: O_RDONLY)
            }
        }
    }

    /// The crawl reads a directory's files through the directory it listed: swapped for a symlink after that, the
    /// directory is still read where it went, and the link is never followed.
    @Test func filesAreReadThroughTheDirectoryOpenedForTheListing() throws {
        try Self.withTree { root, outside in
            let sub = root.appending(Array("real/sub".utf8))
            let listing = try DirectoryListing(of: sub, root: root)
            #expect(try listing.entries().map(\.name) == [Array("f.txt".utf8)])
            let file = sub.appending(Array("f.txt".utf8))
            let read = {
                try ContentExtractor.read(file, limit: 1 << 20, stopAtNUL: false, root: root, in: listing.directory)
            }
            #expect(try read() == .bytes(Array("inside".utf8)))

            let moved = root.appending(Array("moved".utf8))
            #expect(rename(sub.description, moved.description) == 0)
            _ = try outside.appending(Array("sub".utf8)).write("f.txt", Array("outside".utf8))
            #expect(symlink(outside.appending(Array("sub".utf8)).description, sub.description) == 0)
            #expect(try read() == .bytes(Array("inside".utf8)))
            // Without the opened directory the walk from the root refuses the link.
            let walked = try ContentExtractor.read(file, limit: 1 << 20, stopAtNUL: false, root: root)
            guard case .failed(let code) = walked else {
                Issue.record("read through a symlinked directory: \(walked)")
                return
            }
            #expect(NoFollowOpen.Failure(code).meansMissing)
            // A path the opened directory does not hold is walked from the root as before.
            let other = root.appending(Array("link/sub/f.txt".utf8))
            #expect(!listing.directory.holds(other))
            // Names that would lead out of the directory are refused.
            for name in ["..", "../f.txt", "", "sub/f.txt"] {
                errno = 0
                #expect(listing.directory.open(entry: Array(name.utf8), flags: O_RDONLY) == -1, "\(name)")
                #expect(errno == EINVAL, "\(name)")
            }
        }
    }
}
