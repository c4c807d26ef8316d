import Foundation
import SeekProtocol
import SeekTestSupport
import Testing

@Suite(.timeLimit(.minutes(2)))
struct SearchTests {
    static let files = [
        "notes/async.md": "Cooperative cancellation in async Swift: a task checks for cancellation.",
        "notes/cooking.txt": "A recipe for a café crème with cinnamon.",
        "src/cancellation.swift": "func stop() {}",
        "src/mentions.swift": "// talks about cancellation once",
        "src/snake.py": "def snake_case_name(): return 1",
        "docs/phrase.txt": "two words appear here, words two do not",
    ]

    @Test func prefixMatchesWhileTyping() async throws {
        try await withDaemon(files: Self.files) { (daemon: DaemonHarness) async throws in
            let paths = try await daemon.paths("cance")
            #expect(
                Set(paths) == [
                    "\(daemon.root)/notes/async.md", "\(daemon.root)/src/cancellation.swift",
                    "\(daemon.root)/src/mentions.swift",
                ]
            )
        }
    }

    @Test func queryEndingInSpaceMatchesWholeWordsOnly() async throws {
        try await withDaemon(files: Self.files) { (daemon: DaemonHarness) async throws in
            #expect(try await daemon.paths("cance ").isEmpty)
        }
    }

    @Test func fileNameMatchRanksAboveMention() async throws {
        try await withDaemon(files: Self.files) { (daemon: DaemonHarness) async throws in
            let paths = try await daemon.paths("cancellation ")
            #expect(paths.first == "\(daemon.root)/src/cancellation.swift")
        }
    }

    @Test func longFileNamedByTheQueryRanksAboveShortFilesThatMentionIt() async throws {
        let long = "pathlib " + (0..<3000).map { "word\($0)" }.joined(separator: " ")
        let files = ["lib/pathlib.py": long, "a.py": "import pathlib", "b.py": "pathlib usage here"]
        try await withDaemon(files: files) { (daemon: DaemonHarness) async throws in
            #expect(try await daemon.paths("pathlib").first == daemon.root + "/lib/pathlib.py")
        }
    }

    @Test func sourceRanksAboveItsCompiledBinary() async throws {
        try await withDaemon(files: [
            "json/decoder.py": "class JSONDecoder: pass " + String(repeating: "x ", count: 500)
        ]) {
            (daemon: DaemonHarness) async throws in
            try FileManager.default.createDirectory(
                atPath: daemon.root + "/json/__pycache__",
                withIntermediateDirectories: true
            )
            try Data([0x00, 0x01, 0x02]).write(
                to: URL(fileURLWithPath: daemon.root + "/json/__pycache__/decoder.cpython-311.pyc")
            )
            let paths = try await daemon.paths("json decoder")
            #expect(paths.first == daemon.root + "/json/decoder.py")
            #expect(paths.count == 2)
        }
    }

    @Test func matchingIgnoresCaseAndDiacritics() async throws {
        try await withDaemon(files: Self.files) { (daemon: DaemonHarness) async throws in
            #expect(try await daemon.paths("CAFE CREME ") == ["\(daemon.root)/notes/cooking.txt"])
        }
    }

    @Test func everyTermMustMatchAndExclusionsExclude() async throws {
        try await withDaemon(files: Self.files) { (daemon: DaemonHarness) async throws in
            #expect(try await daemon.paths("cancellation task ") == ["\(daemon.root)/notes/async.md"])
            #expect(!(try await daemon.paths("cancellation -task ")).contains("\(daemon.root)/notes/async.md"))
        }
    }

    @Test func quotedPhraseKeepsOrder() async throws {
        try await withDaemon(files: Self.files) { (daemon: DaemonHarness) async throws in
            #expect(try await daemon.paths("\"two words\"") == ["\(daemon.root)/docs/phrase.txt"])
            #expect(try await daemon.paths("\"words appear\"") == ["\(daemon.root)/docs/phrase.txt"])
            #expect(try await daemon.paths("\"appear words\"").isEmpty)
        }
    }

    @Test func punctuatedTermMatchesItsParts() async throws {
        try await withDaemon(files: Self.files) { (daemon: DaemonHarness) async throws in
            #expect(try await daemon.paths("snake_case") == ["\(daemon.root)/src/snake.py"])
        }
    }

    @Test func pathBelowRootMatchesButDirectoriesAboveDoNot() async throws {
        try await withDaemon(files: Self.files) { (daemon: DaemonHarness) async throws in
            #expect(Set(try await daemon.paths("notes ")).count == 2)
            // The temporary directory's own name (seek-XXXXXX) lies above the root.
            #expect(try await daemon.paths("seek ").isEmpty)
        }
    }

    @Test func pathsParameterNarrowsAndIsNormalized() async throws {
        try await withDaemon(files: Self.files) { (daemon: DaemonHarness) async throws in
            let hits = try await daemon.search("cancellation ", paths: ["\(daemon.root)/src/../src/"]).hits
            #expect(
                Set(hits.map(\.path)) == ["\(daemon.root)/src/cancellation.swift", "\(daemon.root)/src/mentions.swift"]
            )
        }
    }

    @Test func snippetHighlightsWithCustomMarkers() async throws {
        try await withDaemon(files: Self.files) { (daemon: DaemonHarness) async throws in
            let params = SearchParams(query: "cinnamon", sync: true, highlight: ["[", "]"])
            let result = try await daemon.call(.search, params, as: SearchResult.self)
            #expect(result.hits.first?.snippet?.contains("[cinnamon]") == true)
            let plain = try await daemon.call(
                .search,
                SearchParams(query: "cinnamon", snippet: false),
                as: SearchResult.self
            )
            #expect(plain.hits.first?.snippet == nil)
        }
    }

    /// The daemon reads the first 16 KiB of a hit's text with the search, and up to 128 KiB only when the snippet
    /// needs it: a word 100 KB into a file is still shown, one past 128 KiB is not (the file's start is). A first read
    /// that holds every word, but no window with all of them, is not enough either.
    @Test func snippetFindsAMatchBeyondTheFirstRead() async throws {
        let filler = String(repeating: "padding words here ", count: 100_000 / 19)
        let apart = "quokka " + String(repeating: "padding words here ", count: 40) + "wombat "
        let files = [
            "far.txt": filler + "the quokka sits here", "beyond.txt": filler + filler + "a quokka too",
            "apart.txt": apart + filler + "where quokka meets wombat at last",
        ]
        try await withDaemon(files: files) { (daemon: DaemonHarness) async throws in
            let params = SearchParams(query: "quokka", sync: true, highlight: ["[", "]"])
            let hits = try await daemon.call(.search, params, as: SearchResult.self).hits
            let snippets = Dictionary(uniqueKeysWithValues: hits.map { ($0.path, $0.snippet ?? "") })
            #expect(snippets["\(daemon.root)/far.txt"]?.contains("the [quokka] sits here") == true)
            #expect(snippets["\(daemon.root)/beyond.txt"]?.hasPrefix("padding words here") == true)
            let both = SearchParams(query: "quokka wombat", highlight: ["[", "]"])
            let apartHit = try #require(try await daemon.call(.search, both, as: SearchResult.self).hits.first)
            #expect(apartHit.path == "\(daemon.root)/apart.txt")
            #expect(apartHit.snippet?.contains("where [quokka] meets [wombat] at last") == true)
        }
    }

    /// An identifier of four words or more still being typed is searched narrowed to the three-letter prefix index
    /// first; a file holding another completion of its last word (`deltoid` for `delt`) is still found, and one
    /// holding only such a completion is not found for the whole word.
    @Test func identifierBeingTypedMatchesEveryCompletionOfItsLastWord() async throws {
        let files = [
            "exact.c": "call alpha_beta_gamma_delta(x); alpha_beta_gamma_delta(y);",
            "other.c": "the alpha beta gamma deltoid here",
            "unrelated.c": "alpha beta gamma epsilon",
        ]
        try await withDaemon(files: files) { (daemon: DaemonHarness) async throws in
            func paths(_ query: String) async throws -> Set<String> {
                let result = try await daemon.call(
                    .search,
                    SearchParams(query: query, sync: true),
                    as: SearchResult.self
                )
                return Set(result.hits.map { String($0.path.dropFirst(daemon.root.count + 1)) })
            }
            #expect(try await paths("alpha_beta_gamma_delt") == ["exact.c", "other.c"])
            #expect(try await paths("alpha_beta_gamma_delta") == ["exact.c"])
            #expect(try await paths("alpha_beta_gamma_epsilon") == ["unrelated.c"])
            #expect(try await paths("alpha_beta_gamma_deltoid ") == ["other.c"])
        }
    }

    @Test func hitCarriesSizeAndModificationTime() async throws {
        try await withDaemon(files: Self.files) { (daemon: DaemonHarness) async throws in
            let hit = try #require(try await daemon.search("cinnamon").hits.first)
            let attributes = try FileManager.default.attributesOfItem(atPath: hit.path)
            #expect(hit.size == (attributes[.size] as? Int))
            let mtime = try #require(attributes[.modificationDate] as? Date).timeIntervalSince1970
            #expect(abs(hit.mtime - mtime) < 0.001)
            #expect(hit.score > 0)
        }
    }

    @Test func limitCapsHitsAndEqualScoresSortByPath() async throws {
        var files: [String: String] = [:]
        for index in 0..<30 { files["same/\(String(format: "%02d", index)).txt"] = "identical words" }
        try await withDaemon(files: files) { (daemon: DaemonHarness) async throws in
            let result = try await daemon.search("identical", limit: 5)
            #expect(result.hits.map(\.path) == (0..<5).map { "\(daemon.root)/same/\(String(format: "%02d", $0)).txt" })
        }
    }

    @Test func hostileSimpleQueriesNeverFail() async throws {
        try await withDaemon(files: Self.files) { (daemon: DaemonHarness) async throws in
            for query in [
                "\"", "(", ")", "*", "AND", "OR NOT", "NEAR(a b)", "-", "--", "body:x", "^", "\"unterminated", "a\"b",
                "", " ",
            ] {
                _ = try await daemon.search(query)
            }
        }
    }

    @Test func fts5SyntaxPassesThrough() async throws {
        try await withDaemon(files: Self.files) { (daemon: DaemonHarness) async throws in
            let params = SearchParams(query: "cinnamon OR recipe", syntax: .fts5, sync: true)
            let result = try await daemon.call(.search, params, as: SearchResult.self)
            #expect(result.hits.map(\.path) == ["\(daemon.root)/notes/cooking.txt"])
        }
    }
}
