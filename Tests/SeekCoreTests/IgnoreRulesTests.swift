import SeekCore
import Testing

/// Expected results come from `man gitignore`; every case marked "git" was checked with
/// `git check-ignore -v --no-index` (git 2.39), where the manual is silent or git is surprising.
@Suite struct IgnoreRulesTests {
    /// An ignore file at `/r/.gitignore`, a path relative to `/r`, and whether that path itself is ignored.
    struct MatchCase: Sendable, CustomTestStringConvertible {
        let contents: [UInt8]
        let path: [UInt8]
        let isDirectory: Bool
        let isIgnored: Bool

        init(_ pattern: String, _ path: String, directory: Bool = false, ignored: Bool) {
            self.init(lines: [pattern], path, directory: directory, ignored: ignored)
        }

        init(lines: [String], _ path: String, directory: Bool = false, ignored: Bool) {
            let contents = Array(lines.joined(separator: "\n").utf8)
            self.init(contents: contents, path: Array(path.utf8), isDirectory: directory, isIgnored: ignored)
        }

        init(_ pattern: String, _ path: [UInt8], ignored: Bool) {
            self.init(contents: Array(pattern.utf8), path: path, isDirectory: false, isIgnored: ignored)
        }

        init(_ pattern: [UInt8], _ path: [UInt8], ignored: Bool) {
            self.init(contents: pattern, path: path, isDirectory: false, isIgnored: ignored)
        }

        init(contents: [UInt8], _ path: [UInt8], ignored: Bool) {
            self.init(contents: contents, path: path, isDirectory: false, isIgnored: ignored)
        }

        private init(contents: [UInt8], path: [UInt8], isDirectory: Bool, isIgnored: Bool) {
            self.contents = contents
            self.path = path
            self.isDirectory = isDirectory
            self.isIgnored = isIgnored
        }

        var testDescription: String {
            let file = String(decoding: contents, as: UTF8.self).debugDescription
            let name = String(decoding: path, as: UTF8.self).debugDescription + (isDirectory ? " (dir)" : "")
            return "\(file) \(isIgnored ? "ignores" : "keeps") \(name)"
        }
    }

    static let lineSyntax: [MatchCase] = [
        MatchCase("#foo", "#foo", ignored: false),
        MatchCase("\\#foo", "#foo", ignored: true),
        // A "#" after leading spaces does not start a comment (git).
        MatchCase(" #foo", " #foo", ignored: true),
        MatchCase("\\!foo", "!foo", ignored: true),
        MatchCase("foo   ", "foo", ignored: true),
        MatchCase("foo\\ ", "foo ", ignored: true),
        MatchCase("foo\\ ", "foo", ignored: false),
        MatchCase("foo\\  ", "foo ", ignored: true),
        // Only spaces are trimmed, tabs stay part of the pattern (git).
        MatchCase("foo\t", "foo\t", ignored: true),
        MatchCase("\\a", "a", ignored: true),
        MatchCase("\\*", "*", ignored: true),
        MatchCase("\\*", "x", ignored: false),
        MatchCase("\\?", "a", ignored: false),
        // A trailing lone backslash makes the pattern unmatchable (git).
        MatchCase("foo\\", "foo\\", ignored: false),
        MatchCase("foo\\\\", "foo\\", ignored: true),
        MatchCase(lines: ["", "   ", "# c", "foo"], "foo", ignored: true),
        MatchCase("Foo", "foo", ignored: false),
    ]

    static let anchoring: [MatchCase] = [
        MatchCase("/foo", "foo", ignored: true),
        MatchCase("/foo", "a/foo", ignored: false),
        MatchCase("foo", "a/b/foo", ignored: true),
        MatchCase("foo", "a/foobar", ignored: false),
        MatchCase("doc/frotz", "doc/frotz", ignored: true),
        MatchCase("doc/frotz", "a/doc/frotz", ignored: false),
        MatchCase("doc/frotz/", "a/doc/frotz", directory: true, ignored: false),
        MatchCase("a/*.c", "a/x.c", ignored: true),
        MatchCase("a/*.c", "b/a/x.c", ignored: false),
        MatchCase("/a/b", "a/b", ignored: true),
        // An escaped slash still separates and anchors (git).
        MatchCase("a\\/b", "a/b", ignored: true),
        MatchCase("x/a\\/b", "z/x/a/b", ignored: false),
    ]

    static let directoryOnly: [MatchCase] = [
        MatchCase("build/", "build", directory: true, ignored: true),
        MatchCase("build/", "build", ignored: false),
        MatchCase("build/", "a/build", directory: true, ignored: true),
        MatchCase("build", "a/build", ignored: true),
        MatchCase("a/b/", "a/b", directory: true, ignored: true),
        MatchCase("a/b/", "a/b", ignored: false),
        // Only one trailing slash is stripped, leaving "foo/", which no path matches (git).
        MatchCase("foo//", "foo", directory: true, ignored: false),
    ]

    static let wildcards: [MatchCase] = [
        MatchCase("*.o", "a/b/c.o", ignored: true),
        MatchCase("*.o", "c.oo", ignored: false),
        MatchCase("a*", "a", ignored: true),
        MatchCase("*", ".hidden", ignored: true),
        MatchCase("a/*/c", "a/b/c", ignored: true),
        MatchCase("a/*/c", "a/b/d/c", ignored: false),
        MatchCase("x/a*b", "x/a/b", ignored: false),
        MatchCase("a?c", "abc", ignored: true),
        MatchCase("a?c", "ac", ignored: false),
        MatchCase("x/a?b", "x/a/b", ignored: false),
        MatchCase("a*a*a*a*b", "aaaaaaab", ignored: true),
        MatchCase("a*a*a*a*b", "aaaaaaaa", ignored: false),
        MatchCase("*a*b*c*", "xaybzc", ignored: true),
        MatchCase("*a*b*c*", "xaycbz", ignored: false),
    ]

    static let brackets: [MatchCase] = [
        MatchCase("[abc].txt", "b.txt", ignored: true),
        MatchCase("[abc].txt", "d.txt", ignored: false),
        MatchCase("[a-c]x", "bx", ignored: true),
        MatchCase("[a-c]x", "dx", ignored: false),
        MatchCase("[!a-c]x", "dx", ignored: true),
        MatchCase("[!a-c]x", "ax", ignored: false),
        MatchCase("[^a]x", "bx", ignored: true),
        MatchCase("[^a]x", "ax", ignored: false),
        // A "]" right after "[" or "[!" is a member (git).
        MatchCase("[]]", "]", ignored: true),
        MatchCase("[!]]", "x", ignored: true),
        MatchCase("[!]]", "]", ignored: false),
        // "-" is literal at either end and right after a range (git).
        MatchCase("[a-]", "-", ignored: true),
        MatchCase("[a-c-e]", "e", ignored: true),
        MatchCase("[a-c-e]", "d", ignored: false),
        MatchCase("[\\]]", "]", ignored: true),
        MatchCase("[a\\-c]", "-", ignored: true),
        MatchCase("[a\\-c]", "b", ignored: false),
        MatchCase("[z-a]", "m", ignored: false),
        MatchCase("[[:digit:]]x", "5x", ignored: true),
        MatchCase("[[:upper:]]*", "Readme", ignored: true),
        MatchCase("[[:upper:]]*", "readme", ignored: false),
        // git's own ctype: [:space:] has no vertical tab (git).
        MatchCase("[[:space:]]x", " x", ignored: true),
        MatchCase("[[:space:]]x", "\u{0B}x", ignored: false),
        // Unknown classes and unclosed brackets make the whole pattern unmatchable (git).
        MatchCase("[[:foo:]]", "f", ignored: false),
        MatchCase("[abc", "[abc", ignored: false),
        // "[[:" without ":]" is an ordinary "[" member (git).
        MatchCase("x[[:]", "x:", ignored: true),
        MatchCase("x[[:]", "x[", ignored: true),
        // A bracket never matches "/", even when it lists it (git).
        MatchCase("a[/]b", "a/b", ignored: false),
    ]

    static let globstars: [MatchCase] = [
        MatchCase("**/foo", "foo", ignored: true),
        MatchCase("**/foo", "a/b/foo", ignored: true),
        MatchCase("**/foo/bar", "x/foo/bar", ignored: true),
        MatchCase("**/foo/bar", "x/foo/baz", ignored: false),
        MatchCase("abc/**", "abc/x/y", ignored: true),
        MatchCase("abc/**", "abc", directory: true, ignored: false),
        MatchCase("a/**/b", "a/b", ignored: true),
        MatchCase("a/**/b", "a/x/y/b", ignored: true),
        MatchCase("a/**/b", "a/x/c", ignored: false),
        MatchCase("a/**/**/b", "a/b", ignored: true),
        MatchCase("/**/x", "x", ignored: true),
        MatchCase("**", "a/b/c", ignored: true),
        MatchCase("**/", "a/b", directory: true, ignored: true),
        MatchCase("**/", "a/b", ignored: false),
        // Any run of two or more asterisks forming a whole segment is a globstar (git).
        MatchCase("***/b", "x/y/b", ignored: true),
        // Elsewhere "**" is a plain "*" (git).
        MatchCase("a/**b", "a/xb", ignored: true),
        MatchCase("a/**b", "a/x/b", ignored: false),
        // The manual's reading; git itself lets this "**" span directories (see IgnoreRule).
        MatchCase("foo**/bar", "foox/y/bar", ignored: false),
        MatchCase("foo**/bar", "foox/bar", ignored: true),
    ]

    static let lastMatchWins: [MatchCase] = [
        MatchCase(lines: ["*.log", "!keep.log"], "keep.log", ignored: false),
        MatchCase(lines: ["*.log", "!keep.log"], "other.log", ignored: true),
        MatchCase(lines: ["!keep.log", "*.log"], "keep.log", ignored: true),
        MatchCase(lines: ["!foo"], "foo", ignored: false),
        MatchCase(lines: ["build/", "!build"], "build", directory: true, ignored: false),
    ]

    static let fileEncoding: [MatchCase] = [
        MatchCase(contents: Array("foo\r\nbar\r\n".utf8), Array("bar".utf8), ignored: true),
        MatchCase(contents: Array("foo\r\n".utf8), Array("foo\r".utf8), ignored: false),
        MatchCase(contents: [0xEF, 0xBB, 0xBF] + Array("foo\n".utf8), Array("foo".utf8), ignored: true),
        // A byte-order mark is only stripped at the start of the file (git).
        MatchCase(contents: Array("x\n\u{FEFF}foo".utf8), Array("foo".utf8), ignored: false),
        MatchCase(contents: Array("x\n\u{FEFF}foo".utf8), Array("\u{FEFF}foo".utf8), ignored: true),
    ]

    static let rawBytes: [MatchCase] = [
        MatchCase([0xFF, 0x2A], [0xFF, 0xFE], ignored: true),
        MatchCase([0xFF, 0x2A], [0xFE, 0xFF], ignored: false),
        MatchCase("*.txt", [0xC0, 0x2F, 0xFF] + Array(".txt".utf8), ignored: true),
        // Patterns are not transcoded: "ÿ" written in UTF-8 is not the byte 0xFF.
        MatchCase("/\u{FF}/x", [0xFF, 0x2F, 0x78], ignored: false),
        MatchCase([0x2F, 0xFF, 0x2F, 0x78], [0xFF, 0x2F, 0x78], ignored: true),
        // "?" is one byte, so it cannot match the two bytes of "é" (git).
        MatchCase("caf?", "café", ignored: false),
        MatchCase("caf??", "café", ignored: true),
        MatchCase([0x5B, 0x80, 0x2D, 0xFF, 0x5D, 0x78], [0xE9, 0x78], ignored: true),
        MatchCase([0x5B, 0x80, 0x2D, 0xFF, 0x5D, 0x78], [0x65, 0x78], ignored: false),
        MatchCase("[!a]x", [0xE9, 0x78], ignored: true),
        MatchCase("[[:alpha:]]x", [0xE9, 0x78], ignored: false),
    ]

    @Test(arguments: lineSyntax)
    func lineSyntaxFollowsGitignore(_ row: MatchCase) {
        check(row)
    }

    @Test(arguments: anchoring)
    func slashAnchorsPatternToItsDirectory(_ row: MatchCase) {
        check(row)
    }

    @Test(arguments: directoryOnly)
    func trailingSlashMatchesOnlyDirectories(_ row: MatchCase) {
        check(row)
    }

    @Test(arguments: wildcards)
    func wildcardsNeverCrossSlash(_ row: MatchCase) {
        check(row)
    }

    @Test(arguments: brackets)
    func bracketExpressionMatchesOneNonSlashByte(_ row: MatchCase) {
        check(row)
    }

    @Test(arguments: globstars)
    func doubleAsteriskSpansDirectoriesOnlyAsWholeSegment(_ row: MatchCase) {
        check(row)
    }

    @Test(arguments: lastMatchWins)
    func lastMatchingLineWins(_ row: MatchCase) {
        check(row)
    }

    @Test(arguments: fileEncoding)
    func crlfAndLeadingByteOrderMarkAreTolerated(_ row: MatchCase) {
        check(row)
    }

    @Test(arguments: rawBytes)
    func matchingIsBytewise(_ row: MatchCase) {
        check(row)
    }

    /// Checks the row through `IgnoreFile` and again through a one-file `IgnoreStack`, which must agree.
    private func check(_ row: MatchCase, sourceLocation: SourceLocation = #_sourceLocation) {
        let file = IgnoreFile(path: Array("/r/.gitignore".utf8), contents: row.contents)
        let rule = file.lastMatch(relativePath: row.path, isDirectory: row.isDirectory)
        #expect((rule.map { !$0.isNegation } ?? false) == row.isIgnored, sourceLocation: sourceLocation)
        let decision = IgnoreStack.empty.pushing([file])
            .decision(forAbsolutePath: Array("/r/".utf8) + row.path, isDirectory: row.isDirectory)
        #expect(decision?.rule == rule, sourceLocation: sourceLocation)
        #expect((decision?.isIgnored ?? false) == row.isIgnored, sourceLocation: sourceLocation)
    }

    /// One line and what parsing it should give: nil for no rule, else the displayed pattern and the flags.
    struct LineCase: Sendable, CustomTestStringConvertible {
        let line: [UInt8]
        let pattern: String?
        let isNegation: Bool
        let isDirectoryOnly: Bool

        init(_ line: String, _ pattern: String?, negation: Bool = false, directoryOnly: Bool = false) {
            self.init(Array(line.utf8), pattern, negation: negation, directoryOnly: directoryOnly)
        }

        init(_ line: [UInt8], _ pattern: String?, negation: Bool = false, directoryOnly: Bool = false) {
            self.line = line
            self.pattern = pattern
            self.isNegation = negation
            self.isDirectoryOnly = directoryOnly
        }

        var testDescription: String {
            String(decoding: line, as: UTF8.self).debugDescription
        }
    }

    static let lines: [LineCase] = [
        LineCase("", nil),
        LineCase("    ", nil),
        LineCase("\r", nil),
        LineCase("# comment", nil),
        LineCase("#", nil),
        LineCase("foo  ", "foo"),
        LineCase("foo\r", "foo"),
        LineCase("foo\\ ", "foo\\ "),
        LineCase("\\#foo", "\\#foo"),
        LineCase("\\!foo", "\\!foo"),
        LineCase("!foo/", "!foo/", negation: true, directoryOnly: true),
        LineCase("/a/b/", "/a/b/", directoryOnly: true),
        LineCase("!", "!", negation: true),
        LineCase([0xFF, 0x2A, 0x20], "\u{FFFD}*"),
    ]

    @Test(arguments: lines)
    func lineParsesIntoDisplayedPatternAndFlags(_ row: LineCase) throws {
        let rule = IgnoreRule(line: row.line, number: 7)
        guard let expected = row.pattern else {
            #expect(rule == nil)
            return
        }
        let parsed = try #require(rule)
        #expect(parsed.pattern == expected)
        #expect(parsed.line == 7)
        #expect(parsed.isNegation == row.isNegation)
        #expect(parsed.isDirectoryOnly == row.isDirectoryOnly)
    }

    @Test(arguments: [
        ("/r/src/.gitignore", "/r/src"),
        ("/r/.ignore", "/r"),
        ("/.gitignore", "/"),
    ])
    func fileDirectoryIsDerivedFromItsPath(path: String, directory: String) {
        let file = IgnoreFile(path: Array(path.utf8), contents: [])
        #expect(file.directory == Array(directory.utf8))
        #expect(file.path == Array(path.utf8))
    }

    @Test func ruleReportsItsLineCountingBlanksCommentsAndCRLF() throws {
        let contents = [0xEF, 0xBB, 0xBF] + Array("# generated\r\n\r\n*.o\r\n   \r\n!keep.o\r\n*.tmp".utf8)
        let file = IgnoreFile(path: Array("/r/.gitignore".utf8), contents: contents)
        #expect(file.rules.map(\.line) == [3, 5, 6])
        #expect(file.rules.map(\.pattern) == ["*.o", "!keep.o", "*.tmp"])
        let rule = try #require(file.lastMatch(relativePath: Array("a/keep.o".utf8), isDirectory: false))
        #expect(rule.line == 5)
        #expect(rule.isNegation)
    }

    // MARK: - Precedence across files

    private static func file(_ path: String, _ lines: String...) -> IgnoreFile {
        IgnoreFile(path: Array(path.utf8), contents: Array(lines.joined(separator: "\n").utf8))
    }

    private static func decide(_ stack: IgnoreStack, _ path: String, directory: Bool = false) -> IgnoreDecision? {
        stack.decision(forAbsolutePath: Array(path.utf8), isDirectory: directory)
    }

    @Test func deeperFileOverridesShallowerFile() throws {
        let root = Self.file("/r/.gitignore", "*.log")
        let sub = Self.file("/r/sub/.gitignore", "# keep this one", "!keep.log")
        let stack = IgnoreStack.empty.pushing([root]).pushing([sub])

        let kept = try #require(Self.decide(stack, "/r/sub/keep.log"))
        #expect(!kept.isIgnored)
        #expect(kept.file == Array("/r/sub/.gitignore".utf8))
        #expect(kept.rule.pattern == "!keep.log")
        #expect(kept.rule.line == 2)

        let ignored = try #require(Self.decide(stack, "/r/sub/other.log"))
        #expect(ignored.isIgnored)
        #expect(ignored.file == Array("/r/.gitignore".utf8))
        #expect(ignored.rule.line == 1)
    }

    @Test func deeperPatternOverridesShallowerNegation() throws {
        let root = Self.file("/r/.gitignore", "*.gen", "!important.gen")
        let sub = Self.file("/r/a/.gitignore", "important.gen")
        let stack = IgnoreStack.empty.pushing([root]).pushing([sub])
        #expect(try #require(Self.decide(stack, "/r/a/important.gen")).isIgnored)
        #expect(try #require(Self.decide(stack, "/r/important.gen")).isIgnored == false)
    }

    @Test func ignoreFileBeatsGitignoreInSameDirectory() throws {
        let gitignore = Self.file("/r/.gitignore", "vendor/", "*.bak")
        let ignore = Self.file("/r/.ignore", "!vendor/")
        let stack = IgnoreStack.empty.pushing([gitignore, ignore])

        let vendor = try #require(Self.decide(stack, "/r/vendor", directory: true))
        #expect(!vendor.isIgnored)
        #expect(vendor.file == Array("/r/.ignore".utf8))
        #expect(vendor.rule.isDirectoryOnly)

        let backup = try #require(Self.decide(stack, "/r/x.bak"))
        #expect(backup.isIgnored)
        #expect(backup.file == Array("/r/.gitignore".utf8))
        #expect(backup.rule.line == 2)
    }

    @Test func negationReincludesWithinTheSameFile() throws {
        let stack = IgnoreStack.empty.pushing([Self.file("/r/.gitignore", "*", "!*.swift", "!*/")])
        #expect(try #require(Self.decide(stack, "/r/Sources", directory: true)).isIgnored == false)
        #expect(try #require(Self.decide(stack, "/r/Sources/main.swift")).isIgnored == false)
        let readme = try #require(Self.decide(stack, "/r/Sources/README"))
        #expect(readme.isIgnored)
        #expect(readme.rule.line == 1)
    }

    @Test func directoryPatternMatchesNestedDirectoryComponent() throws {
        let stack = IgnoreStack.empty.pushing([Self.file("/r/.gitignore", "build/")])
        #expect(try #require(Self.decide(stack, "/r/a/build", directory: true)).isIgnored)
        #expect(Self.decide(stack, "/r/a/build", directory: false) == nil)
        // Only the path itself is judged: the crawler asks about "/r/a/build" before going inside.
        #expect(Self.decide(stack, "/r/a/build/x.o") == nil)
    }

    @Test func anchoredPatternMatchesOnlyAtItsFilesDirectory() {
        let root = Self.file("/r/.gitignore", "/top")
        let sub = Self.file("/r/sub/.gitignore", "/x")
        let stack = IgnoreStack.empty.pushing([root]).pushing([sub])
        #expect(Self.decide(stack, "/r/top")?.isIgnored == true)
        #expect(Self.decide(stack, "/r/sub/top") == nil)
        #expect(Self.decide(stack, "/r/sub/x")?.isIgnored == true)
        #expect(Self.decide(stack, "/r/sub/y/x") == nil)
    }

    @Test func fileDoesNotJudgePathsOutsideItsDirectory() {
        let stack = IgnoreStack.empty.pushing([Self.file("/r/sub/.gitignore", "*")])
        #expect(Self.decide(stack, "/r/other/x") == nil)
        #expect(Self.decide(stack, "/r/subway/x") == nil)
        #expect(Self.decide(stack, "/r/sub", directory: true) == nil)
        #expect(Self.decide(stack, "/r/sub/x")?.isIgnored == true)
    }

    @Test func emptyStackDecidesNothing() {
        #expect(Self.decide(IgnoreStack.empty, "/r/anything") == nil)
        #expect(IgnoreStack.empty.pushing([]).files.isEmpty)
    }

    @Test func fileAtFilesystemRootGovernsEverything() throws {
        let stack = IgnoreStack.empty.pushing([Self.file("/.gitignore", "/tmp/", "*.swp")])
        #expect(try #require(Self.decide(stack, "/tmp", directory: true)).isIgnored)
        #expect(try #require(Self.decide(stack, "/home/u/.a.swp")).isIgnored)
        #expect(Self.decide(stack, "/home/tmp", directory: true) == nil)
    }

    @Test func nonUTF8DirectoriesAndPatternsWork() throws {
        let directory: [UInt8] = [0x2F, 0x72, 0x2F, 0xFF, 0xFE]
        let file = IgnoreFile(path: directory + Array("/.gitignore".utf8), contents: [0x2F, 0xC3, 0x28, 0x0A])
        let stack = IgnoreStack.empty.pushing([file])
        let decision = try #require(
            stack.decision(forAbsolutePath: directory + [0x2F, 0xC3, 0x28], isDirectory: false)
        )
        #expect(decision.isIgnored)
        #expect(decision.rule.pattern == "/\u{FFFD}(")
        #expect(stack.decision(forAbsolutePath: directory + [0x2F, 0xC3, 0x29], isDirectory: false) == nil)
    }

    @Test func pathsWithoutContiguousStorageAreAccepted() {
        let stack = IgnoreStack.empty.pushing([Self.file("/r/.gitignore", "*.o")])
        let path = Array("/r/a/b.o".utf8)
        #expect(stack.decision(forAbsolutePath: path.lazy.map { $0 }, isDirectory: false)?.isIgnored == true)
        #expect(stack.files[0].lastMatch(relativePath: "a/b.o".utf8, isDirectory: false)?.line == 1)
    }

    @Test func pathologicalPatternsMatchWithoutExponentialBacktracking() {
        let stack = IgnoreStack.empty.pushing([
            Self.file("/r/.gitignore", "a*a*a*a*a*a*a*a*a*a*a*a*b", "/**/a/**/a/**/a/**/a/**/a/**/b")
        ])
        let longName = "/r/" + String(repeating: "a", count: 200)
        let deepPath = "/r" + String(repeating: "/a", count: 60)
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            #expect(Self.decide(stack, longName) == nil)
            #expect(Self.decide(stack, deepPath) == nil)
            #expect(Self.decide(stack, longName + "b")?.rule.line == 1)
            #expect(Self.decide(stack, deepPath + "/b")?.rule.line == 2)
        }
        #expect(elapsed < .seconds(1))
    }
}
