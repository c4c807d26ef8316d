import Foundation
import GRDB
import Testing

@testable import SeekCore

/// Paths as bytes: lexical normalization, ancestry, and the BLOB ranges the index uses for "everything under".
@Suite struct BytePathTests {
    static func path(_ string: String) -> BytePath { BytePath(string) }

    // MARK: normalized

    static let normalizations: [(input: String, output: String)] = [
        ("/", "/"),
        ("//", "/"),
        ("///", "/"),
        ("/.", "/"),
        ("/./", "/"),
        ("/a", "/a"),
        ("/a/", "/a"),
        ("/a//", "/a"),
        ("//a//b//", "/a/b"),
        ("/a/./b", "/a/b"),
        ("/a/b/.", "/a/b"),
        ("/a/b/..", "/a"),
        ("/a/b/../", "/a"),
        ("/a/../b", "/b"),
        ("/a/b/../../c/./d/", "/c/d"),
        ("/a/./././b/./", "/a/b"),
        // ".." above the root stays at the root, as the kernel does.
        ("/..", "/"),
        ("/../", "/"),
        ("/../a", "/a"),
        ("/a/../../..", "/"),
        ("/../../a/../b", "/b"),
        // Names that only look like "." or "..".
        ("/...", "/..."),
        ("/a/..b", "/a/..b"),
        ("/a/b..", "/a/b.."),
        ("/.a/.b", "/.a/.b"),
        ("/a/. /b", "/a/. /b"),
        ("/ünï/日本/../x", "/ünï/x"),
    ]

    @Test(arguments: normalizations)
    func normalizationResolvesDotsAndSlashes(input: String, output: String) throws {
        let normalized = try #require(BytePath.normalized(input))
        #expect(normalized == Self.path(output))
        // Normalizing twice changes nothing.
        #expect(BytePath.normalized(bytes: normalized.bytes) == normalized)
    }

    @Test(arguments: ["", ".", "..", "a", "a/b", "./a", "../a", "~/a", " /a"])
    func relativePathIsNotNormalized(input: String) {
        #expect(BytePath.normalized(input) == nil)
    }

    @Test func nonUTF8BytesAreKeptExactly() throws {
        // "/d\xFF/./x\xFE\x80//\xC3/"
        let input: [UInt8] = [0x2F, 0x64, 0xFF, 0x2F, 0x2E, 0x2F, 0x78, 0xFE, 0x80, 0x2F, 0x2F, 0xC3, 0x2F]
        let normalized = try #require(BytePath.normalized(bytes: input))
        #expect(normalized.bytes == [0x2F, 0x64, 0xFF, 0x2F, 0x78, 0xFE, 0x80, 0x2F, 0xC3])
        #expect(!normalized.isValidUTF8)
        #expect(normalized.description == "/d\u{FFFD}/x\u{FFFD}\u{FFFD}/\u{FFFD}")
    }

    @Test func dotDotRemovesANonUTF8Component() throws {
        // "/a/\xFF\xFE/../b"
        let input: [UInt8] = [0x2F, 0x61, 0x2F, 0xFF, 0xFE, 0x2F, 0x2E, 0x2E, 0x2F, 0x62]
        #expect(try #require(BytePath.normalized(bytes: input)) == Self.path("/a/b"))
    }

    @Test func validUTF8PathDescribesItselfExactly() {
        let path = Self.path("/ünï/日本/🙂")
        #expect(path.isValidUTF8)
        #expect(path.description == "/ünï/日本/🙂")
    }

    // MARK: Components

    @Test(arguments: [("/a/b/c", "/a/b"), ("/a/b", "/a"), ("/a", "/"), ("/", "/")])
    func parentDropsTheLastComponentAndRootIsItsOwnParent(path: String, parent: String) {
        #expect(Self.path(path).parent == Self.path(parent))
    }

    @Test(arguments: [("/a/b/c", "c"), ("/a", "a"), ("/", ""), ("/a/.hidden", ".hidden"), ("/a/x.tar.gz", "x.tar.gz")])
    func lastComponentIsTheName(path: String, name: String) {
        #expect(Array(Self.path(path).lastComponent) == Array(name.utf8))
    }

    @Test(arguments: [("/", "a", "/a"), ("/a", "b", "/a/b"), ("/a/b", "c.txt", "/a/b/c.txt")])
    func appendingAddsOneSlash(base: String, component: String, result: String) {
        #expect(Self.path(base).appending(Array(component.utf8)) == Self.path(result))
    }

    @Test func appendingKeepsNonUTF8Bytes() {
        #expect(Self.path("/a").appending([0xFF, 0x41]).bytes == [0x2F, 0x61, 0x2F, 0xFF, 0x41])
    }

    @Test func cStringCopyHasTheSameBytes() {
        let path = BytePath([0x2F, 0x61, 0xFF, 0x2F, 0x62])
        let copied = path.withCString { pointer in
            Array(UnsafeBufferPointer(start: pointer, count: strlen(pointer))).map { UInt8(bitPattern: $0) }
        }
        #expect(copied == path.bytes)
    }

    // MARK: isWithin and relative(to:)

    static let ancestry: [(path: String, ancestor: String, isWithin: Bool)] = [
        ("/a/b", "/a/b", true),
        ("/a/b/c", "/a/b", true),
        ("/a/b/c/d", "/a/b", true),
        ("/a/b0", "/a/b", false),
        ("/a/b.x", "/a/b", false),
        ("/a/bc", "/a/b", false),
        ("/a/b", "/a/bc", false),
        ("/a", "/a/b", false),
        ("/c/a/b", "/a/b", false),
        ("/", "/", true),
        ("/a", "/", true),
        ("/a/b/c", "/", true),
        ("/", "/a", false),
    ]

    @Test(arguments: ancestry)
    func isWithinMeansTheSameOrBelowByWholeComponents(path: String, ancestor: String, isWithin: Bool) {
        #expect(Self.path(path).isWithin(Self.path(ancestor)) == isWithin)
    }

    @Test(arguments: [
        ("/a/b/c/d", "/a/b", "c/d"),
        ("/a/b/c", "/a/b", "c"),
        ("/a/b", "/a/b", ""),
        ("/x/y", "/", "x/y"),
        ("/", "/", ""),
    ])
    func relativeIsThePartBelowTheAncestorWithoutLeadingSlash(path: String, ancestor: String, relative: String) {
        #expect(Array(Self.path(path).relative(to: Self.path(ancestor))) == Array(relative.utf8))
    }

    // MARK: descendantRange

    /// Whether `path` lies in `[lower, upper)`, comparing bytes as SQLite compares BLOBs (memcmp, then length).
    static func inRange(_ path: [UInt8], of directory: BytePath) -> Bool {
        let range = directory.descendantRange
        return !path.lexicographicallyPrecedes(range.lower) && path.lexicographicallyPrecedes(range.upper)
    }

    static let underAB: [[UInt8]] = [
        Array("/a/b/c".utf8),
        Array("/a/b/c/d/e".utf8),
        Array("/a/b/ ".utf8),
        Array("/a/b/!".utf8),
        Array("/a/b/.hidden".utf8),
        Array("/a/b/~".utf8),
        Array("/a/b/".utf8) + [0xFF],
        Array("/a/b/".utf8) + [0x00],
        Array("/a/b/日本".utf8),
    ]

    static let notUnderAB: [[UInt8]] = [
        Array("/a/b".utf8),
        Array("/a/b0".utf8),
        Array("/a/b.x".utf8),
        Array("/a/b-".utf8),
        Array("/a/b ".utf8),
        Array("/a/b!".utf8),
        Array("/a/bc".utf8),
        Array("/a/b~".utf8),
        Array("/a/b".utf8) + [0xFF],
        Array("/a/b".utf8) + [0x00],
        Array("/a/c".utf8),
        Array("/a/a/z".utf8),
        Array("/a".utf8),
        Array("/".utf8),
        Array("/b/a/b/c".utf8),
    ]

    @Test(arguments: underAB)
    func descendantRangeHoldsEveryPathBelowTheDirectory(path: [UInt8]) {
        #expect(Self.inRange(path, of: Self.path("/a/b")))
    }

    @Test(arguments: notUnderAB)
    func descendantRangeExcludesTheDirectoryItselfAndItsSiblings(path: [UInt8]) {
        #expect(!Self.inRange(path, of: Self.path("/a/b")))
    }

    @Test func descendantRangeOfABIsSlashToZero() {
        let range = Self.path("/a/b").descendantRange
        #expect(range.lower == Array("/a/b/".utf8))
        #expect(range.upper == Array("/a/b0".utf8))
        #expect(range.lower.lexicographicallyPrecedes(range.upper))
    }

    @Test(arguments: [Array("/a".utf8), Array("/a/b/c".utf8), [0x2F, 0xFF], Array("/.x".utf8)])
    func descendantRangeOfRootHoldsEveryOtherAbsolutePath(path: [UInt8]) {
        #expect(Self.inRange(path, of: Self.path("/")))
    }

    /// "Strictly below": the root directory itself is not its own descendant, as `/a/b` is not in `/a/b`'s range.
    @Test func descendantRangeOfRootExcludesTheRootItself() {
        #expect(!Self.inRange(Array("/".utf8), of: Self.path("/")))
    }

    @Test func descendantRangeAgreesWithSQLiteBLOBComparison() throws {
        let database = try DatabaseQueue()
        let all = Self.underAB + Self.notUnderAB
        let range = Self.path("/a/b").descendantRange
        let found = try database.write { db in
            try db.execute(sql: "CREATE TABLE files(path BLOB NOT NULL UNIQUE)")
            for path in all {
                try db.execute(sql: "INSERT INTO files(path) VALUES (?)", arguments: [Data(path)])
            }
            return try Data.fetchAll(
                db,
                sql: "SELECT path FROM files WHERE path >= ? AND path < ? ORDER BY path",
                arguments: [Data(range.lower), Data(range.upper)]
            )
        }
        #expect(Set(found.map { Array($0) }) == Set(Self.underAB))
    }

    // MARK: Order

    @Test func orderIsByteOrderNotComponentOrder() {
        #expect(Self.path("/a/b") < Self.path("/a/b/c"))
        #expect(Self.path("/a/b.x") < Self.path("/a/b/c"))
        #expect(Self.path("/a/b/c") < Self.path("/a/b0"))
        #expect(Self.path("/a/Z") < Self.path("/a/a"))
        #expect(Self.path("/a/z") < BytePath([0x2F, 0x61, 0x2F, 0xFF]))
        #expect(!(Self.path("/a") < Self.path("/a")))
    }
}
