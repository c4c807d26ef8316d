import Testing

@testable import SeekCore

/// Work sets merge without losing work: directories keep the larger scan mode, paths are united.
@Suite struct WorkSetTests {
    typealias Mode = WorkSet.ScanMode

    static func path(_ string: String) -> BytePath { BytePath(string) }

    static func workSet(directories: [(String, Mode)] = [], paths: [String] = []) -> WorkSet {
        var set = WorkSet()
        for (directory, mode) in directories { set.scan(path(directory), mode) }
        for path in paths { set.check(Self.path(path)) }
        return set
    }

    @Test func newWorkSetIsEmpty() {
        let set = WorkSet()
        #expect(set.isEmpty)
        #expect(set.count == 0)
        #expect(set.directories.isEmpty)
        #expect(set.paths.isEmpty)
    }

    @Test func fullScanIsLargerThanShallow() {
        #expect(Mode.shallow < Mode.full)
        #expect(max(Mode.shallow, Mode.full) == .full)
    }

    static let modePairs: [(first: Mode, second: Mode, kept: Mode)] = [
        (.shallow, .shallow, .shallow),
        (.shallow, .full, .full),
        (.full, .shallow, .full),
        (.full, .full, .full),
    ]

    @Test(arguments: modePairs)
    func scanningADirectoryTwiceKeepsTheLargerMode(first: Mode, second: Mode, kept: Mode) {
        var set = WorkSet()
        set.scan(Self.path("/r/a"), first)
        set.scan(Self.path("/r/a"), second)
        #expect(set.directories == [Self.path("/r/a"): kept])
        #expect(set.count == 1)
    }

    @Test(arguments: modePairs)
    func mergeKeepsTheLargerModeWhicheverSideHasIt(first: Mode, second: Mode, kept: Mode) {
        var left = Self.workSet(directories: [("/r/a", first)])
        left.merge(Self.workSet(directories: [("/r/a", second)]))
        #expect(left.directories[Self.path("/r/a")] == kept)

        var right = Self.workSet(directories: [("/r/a", second)])
        right.merge(Self.workSet(directories: [("/r/a", first)]))
        #expect(right == left)
    }

    @Test func checkingAPathTwiceKeepsItOnce() {
        var set = WorkSet()
        set.check(Self.path("/r/f"))
        set.check(Self.path("/r/f"))
        #expect(set.paths == [Self.path("/r/f")])
        #expect(set.count == 1)
        #expect(!set.isEmpty)
    }

    @Test func mergeUnitesDirectoriesAndPathsWithoutDroppingAny() {
        var superseded = Self.workSet(
            directories: [("/r", .shallow), ("/r/a", .full), ("/r/b", .shallow)],
            paths: ["/r/x", "/r/y"]
        )
        let incoming = Self.workSet(
            directories: [("/r", .full), ("/r/b", .shallow), ("/r/c", .shallow)],
            paths: ["/r/y", "/r/z"]
        )
        superseded.merge(incoming)
        #expect(
            superseded.directories == [
                Self.path("/r"): .full, Self.path("/r/a"): .full, Self.path("/r/b"): .shallow,
                Self.path("/r/c"): .shallow,
            ]
        )
        #expect(superseded.paths == Set(["/r/x", "/r/y", "/r/z"].map(Self.path)))
        #expect(superseded.count == 7)
    }

    @Test func mergeIsCommutative() {
        let a = Self.workSet(directories: [("/r", .shallow), ("/r/a", .full)], paths: ["/r/x"])
        let b = Self.workSet(directories: [("/r", .full), ("/r/a", .shallow), ("/s", .shallow)], paths: ["/s/y"])
        var ab = a
        ab.merge(b)
        var ba = b
        ba.merge(a)
        #expect(ab == ba)
    }

    @Test func mergingAnEmptySetChangesNothing() {
        let original = Self.workSet(directories: [("/r", .shallow)], paths: ["/r/x"])
        var merged = original
        merged.merge(WorkSet())
        #expect(merged == original)

        var empty = WorkSet()
        empty.merge(original)
        #expect(empty == original)
    }

    @Test func mergingASetIntoItselfChangesNothing() {
        var set = Self.workSet(directories: [("/r", .full), ("/r/a", .shallow)], paths: ["/r/x"])
        let copy = set
        set.merge(copy)
        #expect(set == copy)
    }

    @Test func aPathCanBeBothADirectoryToScanAndAPathToCheck() {
        let set = Self.workSet(directories: [("/r/a", .shallow)], paths: ["/r/a"])
        #expect(set.directories.count == 1)
        #expect(set.paths.count == 1)
        #expect(set.count == 2)
    }

    @Test func nonUTF8PathsAreDistinctWorkItems() {
        var set = WorkSet()
        set.check(BytePath([0x2F, 0x72, 0x2F, 0xFF]))
        set.check(BytePath([0x2F, 0x72, 0x2F, 0xFE]))
        #expect(set.paths.count == 2)
    }

    @Test func takeHandsOverEverythingAndLeavesTheSetEmpty() {
        var set = Self.workSet(directories: [("/r", .full)], paths: ["/r/x", "/r/y"])
        let expected = set
        let taken = set.take()
        #expect(taken == expected)
        #expect(set.isEmpty)
        #expect(set == WorkSet())
        #expect(set.take().isEmpty)
    }
}
