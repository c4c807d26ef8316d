import Foundation
import SeekCore
import Testing

@testable import SeekConfig

/// seekd's configuration file: what each key means, how the command line overrides it, and the one-line error
/// for everything that can be wrong with it.
@Suite struct SeekConfigFileTests {
    static let path = "/home/ana/.config/seek/config.toml"

    static func parse(_ text: String) throws(ConfigFileError) -> SeekConfigFile {
        try SeekConfigFile(parsing: text, path: path, home: "/home/ana")
    }

    /// The error `text` gives; fails the test when it parses.
    static func error(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> ConfigFileError? {
        do {
            _ = try parse(text)
            Issue.record("parsed without error: \(text)", sourceLocation: sourceLocation)
            return nil
        } catch {
            return error
        }
    }

    // MARK: Values

    @Test func everyKeyIsRead() throws {
        let config = try Self.parse(
            """
            # seekd
            roots = ["~/notes", "/srv/docs"]
            exclude = ["build/", "*.log"]
            settle_ms = 50
            max_file_size = 1048576
            hidden = true
            ignore_files = [".gitignore"]
            """
        )
        #expect(config.roots == ["/home/ana/notes", "/srv/docs"])
        #expect(config.excludes.map(\.pattern) == ["build/", "*.log"])
        #expect(config.settleMilliseconds == 50)
        #expect(config.maxFileSize == 1_048_576)
        #expect(config.hidden == true)
        #expect(config.ignoreFileNames == [".gitignore"])
        #expect(config.wasRead)
    }

    @Test func anEmptyFileSetsNothing() throws {
        let config = try Self.parse("# nothing yet\n")
        #expect(config.roots == nil)
        #expect(config.excludes.isEmpty)
        #expect(config.settleMilliseconds == nil)
        #expect(config.maxFileSize == nil)
        #expect(config.hidden == nil)
        #expect(config.ignoreFileNames == nil)
    }

    @Test func tildeIsHomeAndRelativeRootsAreRelativeToTheFile() throws {
        let config = try Self.parse(#"roots = ["~", "~/src/../notes", "projects", "./a/b/", "../shared"]"#)
        #expect(
            config.roots == [
                "/home/ana", "/home/ana/notes", "/home/ana/.config/seek/projects",
                "/home/ana/.config/seek/a/b", "/home/ana/.config/shared",
            ]
        )
    }

    @Test func anEmptyRootsArrayNamesNoRoots() throws {
        #expect(try Self.parse("roots = []").roots == nil)
    }

    @Test func excludePatternsKeepTheLineEachIsWrittenOn() throws {
        let config = try Self.parse(
            """
            settle_ms = 5
            exclude = [
                "build/",   # output
                # "ignored comment",
                '*.o', "node_modules/",

                "!keep.o",
            ]
            """
        )
        #expect(config.excludes.map(\.pattern) == ["build/", "*.o", "node_modules/", "!keep.o"])
        #expect(config.excludes.map(\.line) == [3, 5, 5, 7])
        #expect(config.excludes.last?.isNegation == true)
    }

    @Test func ignoreFilesTakesABoolOrAnArrayOfNames() throws {
        #expect(try Self.parse("ignore_files = true").ignoreFileNames == [".gitignore", ".ignore"])
        #expect(try Self.parse("ignore_files = false").ignoreFileNames == [])
        #expect(try Self.parse("ignore_files = []").ignoreFileNames == [])
        #expect(
            try Self.parse(#"ignore_files = [".ignore", ".rgignore"]"#).ignoreFileNames == [".ignore", ".rgignore"]
        )
    }

    // MARK: Merging with the command line

    @Test func commandLineRootsReplaceTheFilesRoots() throws {
        let config = try Self.parse(#"roots = ["/a", "/b"]"#)
        #expect(config.roots(commandLine: []) == ["/a", "/b"])
        #expect(config.roots(commandLine: ["/c"]) == ["/c"])
        #expect(SeekConfigFile(path: Self.path).roots(commandLine: []).isEmpty)
    }

    @Test func commandLineFlagsBeatTheFileWhichBeatsTheDefaults() throws {
        let config = try Self.parse("hidden = true\nmax_file_size = 100\nsettle_ms = 7\nignore_files = false")
        let fromFile = config.crawlPolicy(hidden: nil, useIgnoreFiles: nil, maxFileSize: nil)
        #expect(fromFile.includeHidden)
        #expect(fromFile.maxFileSize == 100)
        #expect(!fromFile.useIgnoreFiles)
        #expect(fromFile.ruleFileNames.isEmpty)
        #expect(config.settleMilliseconds(commandLine: nil) == 7)

        let overridden = config.crawlPolicy(hidden: false, useIgnoreFiles: true, maxFileSize: 5)
        #expect(!overridden.includeHidden)
        #expect(overridden.maxFileSize == 5)
        #expect(overridden.ruleFileNames == CrawlPolicy.defaultIgnoreFileNames)
        #expect(config.settleMilliseconds(commandLine: 0) == 0)

        let defaults = SeekConfigFile(path: Self.path).crawlPolicy(hidden: nil, useIgnoreFiles: nil, maxFileSize: nil)
        #expect(!defaults.includeHidden)
        #expect(defaults.maxFileSize == 16 << 20)
        #expect(defaults.ruleFileNames == CrawlPolicy.defaultIgnoreFileNames)
        #expect(SeekConfigFile(path: Self.path).settleMilliseconds(commandLine: nil) == 20)
    }

    @Test func noIgnoreOnTheCommandLineBeatsANamedList() throws {
        let config = try Self.parse(#"ignore_files = [".rgignore"]"#)
        #expect(
            config.crawlPolicy(hidden: nil, useIgnoreFiles: nil, maxFileSize: nil).ruleFileNames == [
                Array(".rgignore".utf8)
            ]
        )
        #expect(config.crawlPolicy(hidden: nil, useIgnoreFiles: false, maxFileSize: nil).ruleFileNames.isEmpty)
    }

    @Test func excludesReachThePolicyWithTheFileAsTheirSource() throws {
        let policy = try Self.parse(#"exclude = ["*.log"]"#).crawlPolicy(
            hidden: nil,
            useIgnoreFiles: nil,
            maxFileSize: nil
        )
        #expect(policy.rootExcludes.map(\.pattern) == ["*.log"])
        #expect(policy.rootExcludesSource == Array(Self.path.utf8))
    }

    // MARK: Where the file is

    @Test func defaultPathFollowsXDGConfigHome() {
        #expect(
            SeekConfigFile.defaultPath(environment: ["XDG_CONFIG_HOME": "/x/conf", "HOME": "/home/ana"])
                == "/x/conf/seek/config.toml"
        )
        #expect(
            SeekConfigFile.defaultPath(environment: ["XDG_CONFIG_HOME": "", "HOME": "/home/ana"])
                == "/home/ana/.config/seek/config.toml"
        )
        #expect(SeekConfigFile.defaultPath(environment: ["HOME": "/home/ana"]) == "/home/ana/.config/seek/config.toml")
    }

    @Test func aMissingDefaultFileSetsNothing() throws {
        try withTemporaryDirectory { directory in
            let path = directory.description + "/seek/config.toml"
            let config = try SeekConfigFile.load(path: path, mustExist: false)
            #expect(config == SeekConfigFile(path: path))
            #expect(!config.wasRead)
        }
    }

    @Test func aMissingFileNamedWithConfigIsAnError() throws {
        try withTemporaryDirectory { directory in
            let path = directory.description + "/none.toml"
            #expect(throws: ConfigFileError(path: path, message: "cannot be read: No such file or directory")) {
                try SeekConfigFile.load(path: path, mustExist: true)
            }
        }
    }

    @Test func anUnreadableFileIsAnError() throws {
        try withTemporaryDirectory { directory in
            // A directory in the file's place: unreadable as a file even for root.
            let path = directory.description + "/config.toml"
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
            #expect(throws: ConfigFileError(path: path, message: "cannot be read: Is a directory")) {
                try SeekConfigFile.load(path: path, mustExist: false)
            }
        }
    }

    @Test func aFileThatIsNotUTF8TextIsAnError() throws {
        try withTemporaryDirectory { directory in
            let file = try directory.write("config.toml", [0x68, 0x69, 0xFF, 0x00])
            #expect(
                throws: ConfigFileError(path: file.description, message: "is not a TOML file: it is not UTF-8 text")
            ) {
                try SeekConfigFile.load(path: file.description, mustExist: true)
            }
        }
    }

    @Test func aFileIsReadThroughASymlinkAndRelativeRootsFollowTheLinksOwnDirectory() throws {
        try withTemporaryDirectory { directory in
            let target = try directory.write("real.toml", Array(#"roots = ["notes"]"#.utf8))
            let link = directory.description + "/config.toml"
            try #require(symlink(target.description, link) == 0)
            let config = try SeekConfigFile.load(path: link, mustExist: true)
            #expect(config.roots == [directory.description + "/notes"])
        }
    }

    // MARK: Errors

    @Test func aSyntaxErrorNamesTheFileAndLine() throws {
        let error = try #require(Self.error("hidden = true\nsettle_ms = 5\nexclude = [\"a\"\n"))
        #expect(error.line == 3 || error.line == 4)
        #expect(error.message.hasPrefix("not valid TOML"))
        #expect(error.description.hasPrefix(Self.path + ":\(error.line!): not valid TOML"))
    }

    @Test func anUnknownKeyIsNamedWithItsLineAndTheKnownKeys() throws {
        let error = try #require(Self.error("hidden = true\n\nsetle_ms = 5\n"))
        #expect(
            error.description
                == Self.path + #":3: unknown key "setle_ms" (known keys: roots, exclude, settle_ms, max_file_size, "#
                + "hidden, ignore_files)"
        )
        #expect(error.key == "setle_ms")
    }

    @Test func aTableIsAnUnknownKey() throws {
        let error = try #require(Self.error("hidden = true\n[roots]\npath = \"/x\"\n"))
        #expect(error.key == "roots")
        #expect(error.line == 2)
        #expect(error.message.contains("roots must be an array of directory paths (got a table)"))
    }

    @Test func theFirstProblemInReadingOrderIsReported() throws {
        let error = try #require(Self.error("settle_ms = -1\nhidden = 3\n"))
        #expect(error.key == "settle_ms")
    }

    @Test func settleMsInWordsGivesTheDocumentedLine() throws {
        let error = try #require(Self.error("\n\nsettle_ms = \"fast\"\n"))
        #expect(
            error.description
                == Self.path + #":3: settle_ms must be a whole number of milliseconds, 0 or more (got "fast")"#
        )
    }

    @Test(arguments: [
        ("settle_ms = -1", "settle_ms", "settle_ms must be a whole number of milliseconds, 0 or more (got -1)"),
        ("settle_ms = 1.5", "settle_ms", "settle_ms must be a whole number of milliseconds, 0 or more (got 1.5)"),
        ("max_file_size = -5", "max_file_size", "max_file_size must be a whole number of bytes, 0 or more (got -5)"),
        (#"max_file_size = "16M""#, "max_file_size", #"a whole number of bytes, 0 or more (got "16M")"#),
        (#"hidden = "yes""#, "hidden", #"hidden must be true or false (got "yes")"#),
        ("hidden = 1", "hidden", "hidden must be true or false (got 1)"),
        (#"roots = "~/notes""#, "roots", #"roots must be an array of directory paths (got "~/notes")"#),
        ("roots = [1]", "roots", "roots must be an array of directory paths (got 1 in it)"),
        (#"roots = [""]"#, "roots", #"roots: "" is an empty path"#),
        (
            #"roots = ["~ana/notes"]"#, "roots",
            #"roots: "~ana/notes" is not expanded: only ~ and ~/ stand for the home directory"#
        ),
        (#"exclude = "*.o""#, "exclude", #"exclude must be an array of gitignore-style patterns (got "*.o")"#),
        ("exclude = [true]", "exclude", "exclude must be an array of gitignore-style patterns (got true in it)"),
        (##"exclude = ["# old"]"##, "exclude", ##"exclude: "# old" is blank or a comment, so it matches nothing"##),
        (#"exclude = ["  "]"#, "exclude", #"exclude: "  " is blank or a comment"#),
        (#"exclude = ["a\nb"]"#, "exclude", #"exclude: "a\nb" is more than one line: give one pattern per string"#),
        ("ignore_files = 3", "ignore_files", "ignore_files must be true, false or an array of file names"),
        (#"ignore_files = ["a/b"]"#, "ignore_files", #"ignore_files: "a/b" is not a file name"#),
        (#"ignore_files = [".."]"#, "ignore_files", #"ignore_files: ".." is not a file name"#),
        ("ignore_files = [[]]", "ignore_files", "ignore_files must be an array of file names (got an array in it)"),
        ("hidden = 2024-01-01", "hidden", "hidden must be true or false (got a date)"),
    ])
    func aBadValueNamesItsKeyInOneLine(text: String, key: String, expected: String) throws {
        let error = try #require(Self.error("# config\n" + text))
        #expect(error.key == key)
        #expect(error.line == 2)
        #expect(error.message.contains(expected), "\(error.message)")
        #expect(error.description.hasPrefix(Self.path + ":2: "))
        #expect(!error.description.contains("\n"))
    }

    @Test func aBadArrayElementNamesItsOwnLine() throws {
        let error = try #require(Self.error("exclude = [\n    \"ok/\",\n    \"# not a pattern\",\n]\n"))
        #expect(error.line == 3)
    }
}

/// Finding where keys and array elements are written, for messages and `explain`.
@Suite struct TOMLSourceLinesTests {
    @Test func keysAndArrayElementsGetTheirLines() {
        let lines = TOMLSourceLines(
            """
            # comment with = and [brackets]
            "quoted key" = 'x = [1]'
            text = \"\"\"
            a "quoted" [not an array]
            \"\"\"
            list = ["a", [1, 2],
              { b = "c" }, 'd]', # trailing ]
              "e\\"]"
            ]
            dotted.key = 1
            [table]
            inner = ["no"]
            """
        )
        #expect(lines.keys == ["quoted key": 2, "text": 3, "list": 6, "dotted": 10, "table": 11])
        #expect(lines.elements == ["list": [6, 6, 7, 7, 8]])
    }

    @Test func multilineLiteralStringsCountTheirLines() {
        let lines = TOMLSourceLines("a = '''\none\ntwo'''\nb = [\n'''x\ny''', 'z']\n")
        #expect(lines.keys == ["a": 1, "b": 4])
        #expect(lines.elements["b"] == [5, 6])
    }
}

/// Runs `body` with a fresh directory under /tmp, removed with everything in it afterwards.
func withTemporaryDirectory<T>(_ body: (BytePath) throws -> T) throws -> T {
    var template = Array("/tmp/seek-test-XXXXXX".utf8CString)
    let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    let directory = BytePath(try #require(made.map { String(cString: $0) }, "mkdtemp failed"))
    defer { try? FileManager.default.removeItem(atPath: directory.description) }
    return try body(directory)
}

extension BytePath {
    /// Creates a file named `name` in this directory holding `bytes`.
    func write(_ name: String, _ bytes: [UInt8]) throws -> BytePath {
        let file = appending(Array(name.utf8))
        try #require(FileManager.default.createFile(atPath: file.description, contents: Data(bytes)))
        return file
    }
}
