/// Why the crawl leaves a path out.
package enum Exclusion: Sendable, Equatable {
    /// A component below the root starting with "." (the component, lossily decoded).
    case hidden(String, isDirectory: Bool)
    /// `.git` is never indexed, even with `--hidden`.
    case gitDirectory
    case ignored(IgnoreDecision)
    case symlink
    case notRegularFile
    /// seekd's own `sync` cookie files.
    case syncCookie

    /// A sentence for a person, as `explain` gives it.
    package var reason: String {
        switch self {
        case .hidden(let name, let isDirectory):
            "hidden \(isDirectory ? "directory" : "file") \(name) (seekd --hidden includes hidden paths)"
        case .gitDirectory: ".git directories are never indexed"
        case .ignored(let decision):
            "ignored by \(BytePath(decision.file)):\(decision.rule.line) (\(decision.rule.pattern))"
        case .symlink: "symbolic link: links are not followed"
        case .notRegularFile: "not a regular file"
        case .syncCookie: "a seekd sync cookie (temporary)"
        }
    }
}

/// What the crawl keeps: the rules of DESIGN.md "What is indexed", in one place for the crawl and `explain`.
package struct CrawlPolicy: Sendable {
    package var includeHidden: Bool
    /// False with `--no-ignore` (or `ignore_files = false`): no ignore file in the tree is read.
    package var useIgnoreFiles: Bool
    package var maxFileSize: Int64
    /// The names of the ignore files read in every directory, in increasing precedence.
    package var ignoreFileNames: [[UInt8]]
    /// Patterns applied as if written in an ignore file at every root, below that root's own ignore files (the
    /// configuration file's `exclude`); they apply with `--no-ignore` too.
    package var rootExcludes: [IgnoreRule]
    /// Where `rootExcludes` were written (the configuration file's path), as `explain` names it.
    package var rootExcludesSource: [UInt8]

    /// `.gitignore` then `.ignore`, so that `.ignore` wins.
    package static let defaultIgnoreFileNames: [[UInt8]] = [Array(".gitignore".utf8), Array(".ignore".utf8)]
    /// The largest size cap (`--max-file-size`) the engine takes: a file's text is read into memory whole, and SQLite
    /// refuses a value over 1 GB (`SQLITE_MAX_LENGTH`), which would fail every batch holding that file and stop the
    /// index converging.
    package static let largestMaxFileSize: Int64 = 512 << 20

    /// A setting the engine refuses, with a sentence that says what to give instead.
    package struct SettingError: Error, CustomStringConvertible {
        package var description: String
    }
    private static let gitName = Array(".git".utf8)

    package init(
        includeHidden: Bool = false,
        useIgnoreFiles: Bool = true,
        maxFileSize: Int64 = 16 << 20,
        ignoreFileNames: [[UInt8]] = CrawlPolicy.defaultIgnoreFileNames,
        rootExcludes: [IgnoreRule] = [],
        rootExcludesSource: [UInt8] = []
    ) {
        self.includeHidden = includeHidden
        self.useIgnoreFiles = useIgnoreFiles
        self.maxFileSize = maxFileSize
        self.ignoreFileNames = ignoreFileNames
        self.rootExcludes = rootExcludes
        self.rootExcludesSource = rootExcludesSource
    }

    /// The names of the ignore files that are read: none with `--no-ignore`. Changing one rescans its directory.
    package var ruleFileNames: [[UInt8]] { useIgnoreFiles ? ignoreFileNames : [] }

    package var extractor: ContentExtractor { ContentExtractor(maxFileSize: maxFileSize) }

    /// Whether an entry named `name` at `path` is left out, given the ignore files governing its directory.
    /// Ignore rules are asked per path component: the crawl never descends into an excluded directory.
    package func exclusion(
        name: some Collection<UInt8>,
        path: BytePath,
        isDirectory: Bool,
        stack: IgnoreStack
    ) -> Exclusion? {
        if name.elementsEqual(Self.gitName) { return .gitDirectory }
        if name.starts(with: InotifyWatcher.cookiePrefix) { return .syncCookie }
        if !includeHidden, name.first == UInt8(ascii: ".") {
            return .hidden(String(decoding: name, as: UTF8.self), isDirectory: isDirectory)
        }
        // The stack holds only what this policy reads: no ignore files with `--no-ignore`, but still the excludes.
        if let decision = stack.decision(forAbsolutePath: path.bytes, isDirectory: isDirectory), decision.isIgnored {
            return .ignored(decision)
        }
        return nil
    }

    /// The ignore files found in `directory` (by default `.gitignore` then `.ignore`, so `.ignore` wins); none with
    /// `--no-ignore`. An unreadable ignore file counts as empty. With `root`, they are read without following any
    /// symlink between the root and them.
    package func ignoreFiles(
        in directory: BytePath,
        root: BytePath? = nil,
        opened: OpenDirectory? = nil
    ) -> [IgnoreFile] {
        ruleFileNames.compactMap { name in
            let path = directory.appending(name)
            guard let contents = Self.readSmallFile(path, root: root, in: opened) else { return nil }
            return IgnoreFile(path: path.bytes, contents: contents)
        }
    }

    /// The stack governing the entries of `root`: the configuration's excludes, then the root's own ignore files,
    /// which beat them (as git's `.gitignore` files beat `core.excludesFile`).
    package func rootStack(_ root: BytePath) -> IgnoreStack {
        let excludes =
            rootExcludes.isEmpty
            ? [] : [IgnoreFile(path: rootExcludesSource, directory: root.bytes, rules: rootExcludes)]
        return IgnoreStack.empty.pushing(excludes + ignoreFiles(in: root, root: root))
    }

    /// The stack for `directory`, reading the ignore files of `root` and every directory down to it.
    package func ignoreStack(for directory: BytePath, root: BytePath) -> IgnoreStack {
        var stack = rootStack(root)
        var current = root
        for component in directory.relative(to: root).split(separator: BytePath.slash) {
            current = current.appending(component)
            stack = stack.pushing(ignoreFiles(in: current, root: root))
        }
        return stack
    }

    private static func readSmallFile(_ path: BytePath, root: BytePath?, in directory: OpenDirectory?) -> [UInt8]? {
        guard
            case .bytes(let bytes)? = try? ContentExtractor.read(
                path,
                limit: 1 << 20,
                stopAtNUL: false,
                root: root,
                in: directory
            )
        else {
            return nil
        }
        return bytes
    }
}
