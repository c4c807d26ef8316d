import Foundation
import Testing

@testable import SeekCore

/// What the crawl leaves out: hidden paths unless `--hidden`, `.git` and sync cookies always, and what the ignore
/// files say (unless `--no-ignore`).
@Suite struct CrawlPolicyTests {
    static func exclusion(
        _ path: String,
        isDirectory: Bool = false,
        policy: CrawlPolicy = CrawlPolicy(),
        stack: IgnoreStack = .empty
    ) -> Exclusion? {
        let bytePath = BytePath(path)
        return policy.exclusion(name: bytePath.lastComponent, path: bytePath, isDirectory: isDirectory, stack: stack)
    }

    static func ignoreFile(_ path: String, _ lines: [String]) -> IgnoreFile {
        IgnoreFile(path: Array(path.utf8), contents: Array(lines.joined(separator: "\n").utf8))
    }

    /// `/r/.gitignore` ignoring build directories and logs except `keep.log`.
    static let rootStack = IgnoreStack.empty.pushing([
        ignoreFile("/r/.gitignore", ["# build output", "build/", "*.log", "!keep.log", "/only-at-root"])
    ])

    static let policies = [
        CrawlPolicy(),
        CrawlPolicy(includeHidden: true),
        CrawlPolicy(useIgnoreFiles: false),
        CrawlPolicy(includeHidden: true, useIgnoreFiles: false),
    ]

    // MARK: Plain entries

    @Test(arguments: ["/r/a.txt", "/r/src", "/r/src/main.swift", "/r/x.y.z", "/r/-", "/r/ünï", "/r/a.", "/r/git"])
    func plainEntriesAreKept(path: String) {
        #expect(Self.exclusion(path) == nil)
        #expect(Self.exclusion(path, isDirectory: true) == nil)
        #expect(Self.exclusion(path, stack: Self.rootStack) == nil)
    }

    // MARK: Hidden

    @Test(arguments: [(".cache", true), (".env", false), (".gitignore", false), (".github", true)])
    func hiddenEntriesAreExcludedByDefault(name: String, isDirectory: Bool) {
        #expect(Self.exclusion("/r/" + name, isDirectory: isDirectory) == .hidden(name, isDirectory: isDirectory))
    }

    @Test(arguments: [(".cache", true), (".env", false), (".gitignore", false), (".github", true), (".gitx", true)])
    func hiddenEntriesAreKeptWithIncludeHidden(name: String, isDirectory: Bool) {
        let policy = CrawlPolicy(includeHidden: true)
        #expect(Self.exclusion("/r/" + name, isDirectory: isDirectory, policy: policy) == nil)
    }

    @Test func hiddenReasonNamesTheEntryAndTheFlag() {
        #expect(Exclusion.hidden(".cache", isDirectory: true).reason.contains("hidden directory .cache"))
        #expect(Exclusion.hidden(".env", isDirectory: false).reason.contains("hidden file .env"))
        #expect(Exclusion.hidden(".env", isDirectory: false).reason.contains("--hidden"))
    }

    @Test func hiddenNameThatIsNotUTF8IsExcludedAndDescribedLossily() {
        let path = BytePath([0x2F, 0x72, 0x2F, 0x2E, 0xFF])
        let exclusion = CrawlPolicy().exclusion(name: path.lastComponent, path: path, isDirectory: false, stack: .empty)
        #expect(exclusion == .hidden(".\u{FFFD}", isDirectory: false))
    }

    // MARK: .git and sync cookies

    @Test(arguments: policies, [true, false])
    func gitIsAlwaysExcluded(policy: CrawlPolicy, isDirectory: Bool) {
        #expect(Self.exclusion("/r/.git", isDirectory: isDirectory, policy: policy) == .gitDirectory)
        #expect(Self.exclusion("/r/sub/module/.git", isDirectory: isDirectory, policy: policy) == .gitDirectory)
    }

    @Test func gitIsExcludedEvenWhenAnIgnoreFileReincludesIt() {
        let stack = IgnoreStack.empty.pushing([Self.ignoreFile("/r/.gitignore", ["!.git", "!.git/"])])
        #expect(
            Self.exclusion("/r/.git", isDirectory: true, policy: CrawlPolicy(includeHidden: true), stack: stack)
                == .gitDirectory
        )
    }

    @Test(arguments: policies, [".seek-sync-1234-1", ".seek-sync-", ".seek-sync-x.tmp"])
    func syncCookiesAreAlwaysExcluded(policy: CrawlPolicy, name: String) {
        #expect(Self.exclusion("/r/" + name, policy: policy) == .syncCookie)
        #expect(Self.exclusion("/r/deep/dir/" + name, policy: policy) == .syncCookie)
    }

    @Test(arguments: ["seek-sync-1", ".seek-sync", ".seek-syncx-1", ".Seek-sync-1"])
    func namesThatOnlyResembleCookiesAreNotCookies(name: String) {
        #expect(Self.exclusion("/r/" + name) != .syncCookie)
        #expect(Self.exclusion("/r/" + name, policy: CrawlPolicy(includeHidden: true)) == nil)
    }

    @Test(arguments: [
        Exclusion.gitDirectory, .syncCookie, .symlink, .notRegularFile, .hidden(".x", isDirectory: false),
    ])
    func everyExclusionHasAReasonForAPerson(exclusion: Exclusion) {
        #expect(exclusion.reason.count > 10)
    }

    // MARK: Ignore files

    @Test func ignoredDirectoryIsExcludedWithTheDecidingRule() throws {
        let exclusion = try #require(Self.exclusion("/r/build", isDirectory: true, stack: Self.rootStack))
        guard case .ignored(let decision) = exclusion else {
            Issue.record("expected an ignore decision, got \(exclusion)")
            return
        }
        #expect(decision.isIgnored)
        #expect(decision.file == Array("/r/.gitignore".utf8))
        #expect(decision.rule.line == 2)
        #expect(decision.rule.pattern == "build/")
        #expect(exclusion.reason == "ignored by /r/.gitignore:2 (build/)")
    }

    @Test func directoryOnlyPatternKeepsAFileOfThatName() {
        #expect(Self.exclusion("/r/build", isDirectory: false, stack: Self.rootStack) == nil)
    }

    @Test(arguments: ["/r/a.log", "/r/src/deep/b.log", "/r/.log"])
    func ignoredFileIsExcluded(path: String) throws {
        let policy = CrawlPolicy(includeHidden: true)
        guard case .ignored(let decision)? = Self.exclusion(path, policy: policy, stack: Self.rootStack) else {
            Issue.record("\(path) not ignored")
            return
        }
        #expect(decision.rule.line == 3)
        #expect(decision.rule.pattern == "*.log")
    }

    @Test func negatedPatternKeepsTheFile() {
        #expect(Self.exclusion("/r/keep.log", stack: Self.rootStack) == nil)
        #expect(Self.exclusion("/r/src/keep.log", stack: Self.rootStack) == nil)
    }

    @Test func anchoredPatternAppliesOnlyBesideItsIgnoreFile() {
        #expect(Self.exclusion("/r/only-at-root", stack: Self.rootStack) != nil)
        #expect(Self.exclusion("/r/src/only-at-root", stack: Self.rootStack) == nil)
    }

    @Test func noIgnoreKeepsIgnoredPaths() throws {
        try withTemporaryDirectory { root in
            _ = try root.write(".gitignore", Array("*.log\nbuild/\n".utf8))
            let policy = CrawlPolicy(useIgnoreFiles: false)
            let stack = policy.rootStack(root)
            #expect(Self.exclusion(root.description + "/a.log", policy: policy, stack: stack) == nil)
            #expect(Self.exclusion(root.description + "/build", isDirectory: true, policy: policy, stack: stack) == nil)
        }
    }

    @Test func hiddenIsReportedBeforeIgnoreRulesAndIgnoreRulesStillApplyWithIncludeHidden() {
        let stack = IgnoreStack.empty.pushing([Self.ignoreFile("/r/.gitignore", [".env"])])
        #expect(Self.exclusion("/r/.env", stack: stack) == .hidden(".env", isDirectory: false))
        guard case .ignored? = Self.exclusion("/r/.env", policy: CrawlPolicy(includeHidden: true), stack: stack) else {
            Issue.record(".env kept with --hidden although .gitignore names it")
            return
        }
    }

    @Test func deeperIgnoreFileOverridesTheRoot() {
        let stack = Self.rootStack.pushing([Self.ignoreFile("/r/sub/.gitignore", ["!*.log", "local/"])])
        #expect(Self.exclusion("/r/sub/a.log", stack: stack) == nil)
        #expect(Self.exclusion("/r/sub/deeper/a.log", stack: stack) == nil)
        #expect(Self.exclusion("/r/other/a.log", stack: stack) != nil)
        guard case .ignored(let decision)? = Self.exclusion("/r/sub/local", isDirectory: true, stack: stack) else {
            Issue.record("/r/sub/local not ignored")
            return
        }
        #expect(decision.file == Array("/r/sub/.gitignore".utf8))
        #expect(Self.exclusion("/r/local", isDirectory: true, stack: stack) == nil)
    }

    @Test func dotIgnoreOverridesDotGitignoreInTheSameDirectory() {
        let stack = IgnoreStack.empty.pushing([
            Self.ignoreFile("/r/.gitignore", ["*.tmp", "!*.bak"]),
            Self.ignoreFile("/r/.ignore", ["!*.tmp", "*.bak"]),
        ])
        #expect(Self.exclusion("/r/a.tmp", stack: stack) == nil)
        guard case .ignored(let decision)? = Self.exclusion("/r/a.bak", stack: stack) else {
            Issue.record("/r/a.bak not ignored")
            return
        }
        #expect(decision.file == Array("/r/.ignore".utf8))
    }

    @Test func ignoreFileElsewhereDoesNotApply() {
        let stack = IgnoreStack.empty.pushing([Self.ignoreFile("/elsewhere/.gitignore", ["*"])])
        #expect(Self.exclusion("/r/a.txt", stack: stack) == nil)
        #expect(Self.exclusion("/elsewhereX/a.txt", stack: stack) == nil)
    }

    // MARK: Ignore files on disk

    @Test func ignoreStackReadsTheIgnoreFilesFromTheRootDown() throws {
        try withTemporaryDirectory { root in
            let sub = root.appending(Array("sub".utf8))
            try #require(mkdir(sub.description, 0o700) == 0)
            _ = try root.write(".gitignore", Array("*.log\nbuild/\n".utf8))
            _ = try sub.write(".ignore", Array("!keep.log\n".utf8))

            let policy = CrawlPolicy()
            let stack = policy.ignoreStack(for: sub, root: root)
            #expect(
                stack.files.map(\.path) == [
                    root.appending(Array(".gitignore".utf8)).bytes, sub.appending(Array(".ignore".utf8)).bytes,
                ]
            )
            func excluded(_ name: String, isDirectory: Bool = false) -> Exclusion? {
                let path = sub.appending(Array(name.utf8))
                return policy.exclusion(name: path.lastComponent, path: path, isDirectory: isDirectory, stack: stack)
            }
            #expect(excluded("keep.log") == nil)
            #expect(excluded("other.log") != nil)
            #expect(excluded("build", isDirectory: true) != nil)
            #expect(excluded("notes.txt") == nil)
        }
    }

    @Test func noIgnoreReadsNoIgnoreFiles() throws {
        try withTemporaryDirectory { root in
            _ = try root.write(".gitignore", Array("*\n".utf8))
            #expect(CrawlPolicy(useIgnoreFiles: false).ignoreFiles(in: root).isEmpty)
            #expect(CrawlPolicy().ignoreFiles(in: root).count == 1)
        }
    }

    // MARK: Configuration excludes and ignore-file names

    static func excludes(_ patterns: [(String, Int)]) -> [IgnoreRule] {
        patterns.compactMap { IgnoreRule(line: Array($0.0.utf8), number: $0.1) }
    }

    static let configPath = Array("/home/ana/.config/seek/config.toml".utf8)

    @Test func excludesApplyAtEveryRootAndNameTheConfigFileLineAndPattern() throws {
        try withTemporaryDirectory { directory in
            let policy = CrawlPolicy(
                rootExcludes: Self.excludes([("build/", 3), ("/top.txt", 4)]),
                rootExcludesSource: Self.configPath
            )
            for name in ["a", "b"] {
                let root = directory.appending(Array(name.utf8))
                try FileManager.default.createDirectory(atPath: root.description, withIntermediateDirectories: true)
                let stack = policy.ignoreStack(for: root.appending(Array("src".utf8)), root: root)
                let exclusion = Self.exclusion(
                    root.description + "/src/build",
                    isDirectory: true,
                    policy: policy,
                    stack: stack
                )
                #expect(exclusion?.reason == "ignored by /home/ana/.config/seek/config.toml:3 (build/)")
                // Anchored patterns are anchored at each root.
                #expect(
                    Self.exclusion(root.description + "/top.txt", policy: policy, stack: policy.rootStack(root)) != nil
                )
                #expect(Self.exclusion(root.description + "/src/top.txt", policy: policy, stack: stack) == nil)
            }
        }
    }

    @Test func theRootsOwnIgnoreFilesBeatTheExcludes() throws {
        try withTemporaryDirectory { root in
            _ = try root.write(".gitignore", Array("!keep.log\n".utf8))
            let policy = CrawlPolicy(rootExcludes: Self.excludes([("*.log", 1)]), rootExcludesSource: Self.configPath)
            let stack = policy.rootStack(root)
            #expect(Self.exclusion(root.description + "/other.log", policy: policy, stack: stack) != nil)
            #expect(Self.exclusion(root.description + "/keep.log", policy: policy, stack: stack) == nil)
        }
    }

    @Test func excludesStillApplyWithNoIgnore() throws {
        try withTemporaryDirectory { root in
            _ = try root.write(".gitignore", Array("*.txt\n".utf8))
            let policy = CrawlPolicy(
                useIgnoreFiles: false,
                rootExcludes: Self.excludes([("*.log", 1)]),
                rootExcludesSource: Self.configPath
            )
            let stack = policy.rootStack(root)
            #expect(stack.files.map(\.path) == [Self.configPath])
            #expect(Self.exclusion(root.description + "/a.log", policy: policy, stack: stack) != nil)
            #expect(Self.exclusion(root.description + "/a.txt", policy: policy, stack: stack) == nil)
        }
    }

    @Test func ignoreFileNamesChooseWhichFilesAreRead() throws {
        try withTemporaryDirectory { root in
            _ = try root.write(".gitignore", Array("*.a\n".utf8))
            _ = try root.write(".rgignore", Array("*.b\n".utf8))
            let policy = CrawlPolicy(ignoreFileNames: [Array(".rgignore".utf8)])
            #expect(policy.ignoreFiles(in: root).map(\.path) == [root.appending(Array(".rgignore".utf8)).bytes])
            #expect(CrawlPolicy(ignoreFileNames: []).ignoreFiles(in: root).isEmpty)
        }
    }

    @Test func unreadableOrSymlinkedIgnoreFileCountsAsEmpty() throws {
        try withTemporaryDirectory { root in
            // A directory named .gitignore, and a .ignore that is a link: neither is read.
            try #require(mkdir(root.appending(Array(".gitignore".utf8)).description, 0o700) == 0)
            let target = try root.write("rules.txt", Array("*\n".utf8))
            try #require(symlink(target.description, root.appending(Array(".ignore".utf8)).description) == 0)
            #expect(CrawlPolicy().ignoreFiles(in: root).isEmpty)
        }
    }
}
