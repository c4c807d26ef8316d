/// A parsed ignore file.
package struct IgnoreFile: Sendable {
    /// Absolute path of the ignore file, e.g. `/r/src/.gitignore`.
    package let path: [UInt8]
    /// Absolute path of the directory holding it, no trailing slash (except "/").
    package let directory: [UInt8]
    /// The pattern lines in file order; blank lines and comments are left out, so use `line` for positions.
    package let rules: [IgnoreRule]

    /// Parses `contents`, tolerating CRLF line endings and a UTF-8 byte-order mark at the very start (git strips it
    /// only there).
    package init(path: [UInt8], contents: [UInt8]) {
        self.path = path
        directory = Self.parentDirectory(of: path)
        var body = contents[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) {
            body = body.dropFirst(3)
        }
        var rules: [IgnoreRule] = []
        for (index, line) in body.split(separator: IgnoreRule.newline, omittingEmptySubsequences: false).enumerated() {
            if let rule = IgnoreRule(line: line, number: index + 1) {
                rules.append(rule)
            }
        }
        self.rules = rules
    }

    /// Rules that come from elsewhere but apply as if written in an ignore file in `directory`: the configuration
    /// file's `exclude` patterns, applied at every root. `path` names their source for `explain`.
    package init(path: [UInt8], directory: [UInt8], rules: [IgnoreRule]) {
        self.path = path
        self.directory = directory
        self.rules = rules
    }

    /// The last rule matching the path (relative to `directory`), or nil.
    package func lastMatch(relativePath: some Collection<UInt8>, isDirectory: Bool) -> IgnoreRule? {
        IgnoreRule.withContiguousBytes(relativePath) { bytes in
            lastMatch(IgnoreRule.Subject(bytes: bytes, start: 0), isDirectory: isDirectory)
        }
    }

    func lastMatch(_ subject: IgnoreRule.Subject, isDirectory: Bool) -> IgnoreRule? {
        var index = rules.count
        while index > 0 {
            index -= 1
            if rules[index].matches(subject, isDirectory: isDirectory) {
                return rules[index]
            }
        }
        return nil
    }

    /// Where the part of `absolutePath` relative to `directory` starts, or nil when the path is not strictly below it.
    func relativeStart(in absolutePath: UnsafeBufferPointer<UInt8>) -> Int? {
        if directory.isEmpty {
            return 0
        }
        if directory == [IgnoreRule.slash] {
            return absolutePath.first == IgnoreRule.slash ? 1 : nil
        }
        let count = directory.count
        guard absolutePath.count > count + 1, absolutePath[count] == IgnoreRule.slash else {
            return nil
        }
        for offset in 0..<count where absolutePath[offset] != directory[offset] {
            return nil
        }
        return count + 1
    }

    private static func parentDirectory(of path: [UInt8]) -> [UInt8] {
        guard let slash = path.lastIndex(of: IgnoreRule.slash) else {
            return []
        }
        return slash == 0 ? [IgnoreRule.slash] : Array(path[..<slash])
    }
}

/// What the ignore files say about one path.
package struct IgnoreDecision: Sendable, Equatable {
    /// False when the deciding rule is a negation, which re-includes the path.
    package let isIgnored: Bool
    /// Path of the ignore file holding the deciding rule.
    package let file: [UInt8]
    /// The deciding rule: the last matching line of the deepest file with a match.
    package let rule: IgnoreRule

    /// Builds a decision; `decision(forAbsolutePath:isDirectory:)` is the usual source.
    package init(isIgnored: Bool, file: [UInt8], rule: IgnoreRule) {
        self.isIgnored = isIgnored
        self.file = file
        self.rule = rule
    }
}

/// The ignore files that govern a directory: those of the root and every directory below it down to this one.
///
/// Stacks are values: the crawler keeps one per directory and derives a child's with `pushing`, sharing storage.
package struct IgnoreStack: Sendable {
    /// The files from the root down, in increasing precedence.
    package let files: [IgnoreFile]

    /// A stack governing nothing.
    package static let empty = IgnoreStack(files: [])

    private init(files: [IgnoreFile]) {
        self.files = files
    }

    /// A stack for a subdirectory: these files (found in that subdirectory) added on top.
    ///
    /// Pass a directory's files as `[gitignore, ignore]`: later files beat earlier ones, so `.ignore` overrides
    /// `.gitignore` in the same directory, and both override every file of the parent directories.
    package func pushing(_ files: [IgnoreFile]) -> IgnoreStack {
        files.isEmpty ? self : IgnoreStack(files: self.files + files)
    }

    /// The decision for an absolute path lying under the directories of the stack, or nil when no rule matches.
    ///
    /// Only the path itself is tested, not its ancestors: the caller must ask for every path component as it
    /// descends (first `/r/a` as a directory, then `/r/a/b`) and not descend into an ignored directory. That is how
    /// git walks too, and it is what makes "a file cannot be re-included if a parent directory is excluded" hold:
    /// the crawler never reaches such a file. Files whose directory does not contain the path are skipped.
    package func decision(forAbsolutePath path: some Collection<UInt8>, isDirectory: Bool) -> IgnoreDecision? {
        guard !files.isEmpty else {
            return nil
        }
        return IgnoreRule.withContiguousBytes(path) { bytes in
            var basenameStart = bytes.count
            while basenameStart > 0 && bytes[basenameStart - 1] != IgnoreRule.slash {
                basenameStart -= 1
            }
            // Deeper files come later; the first file with any match decides, however shallow its own match.
            var index = files.count
            while index > 0 {
                index -= 1
                let file = files[index]
                guard let start = file.relativeStart(in: bytes) else {
                    continue
                }
                let subject = IgnoreRule.Subject(bytes: bytes, start: start, basenameStart: max(basenameStart, start))
                if let rule = file.lastMatch(subject, isDirectory: isDirectory) {
                    return IgnoreDecision(isIgnored: !rule.isNegation, file: file.path, rule: rule)
                }
            }
            return nil
        }
    }
}
