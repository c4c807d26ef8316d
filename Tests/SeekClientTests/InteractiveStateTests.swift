import Foundation
import SeekClient
import SeekProtocol
import Testing

@Suite struct InteractiveStateTests {
    private func hit(_ path: String) -> SearchHit {
        SearchHit(path: path, pathBytes: nil, score: 1, size: 1, mtime: 0, snippet: "text")
    }

    private func answer(_ id: RequestID, _ paths: [String]) throws -> Response {
        let result = SearchResult(hits: paths.map(hit), elapsedMilliseconds: 1, generation: 1)
        let line = ResponseCoding.success(id: id, result: result)
        return try Response(line: line)
    }

    @Test func everyQueryChangeSearchesAndAnEmptyQueryCancels() {
        var state = InteractiveState(limit: 20)
        #expect(state.initialAction() == .redraw)
        #expect(state.handle(.text("ca")) == .search("ca"))
        #expect(state.handle(.text("n")) == .search("can"))
        #expect(state.handle(.backspace) == .search("ca"))
        #expect(state.handle(.clearQuery) == .cancelSearch)
        #expect(state.handle(.backspace) == .none)
        #expect(state.handle(.text(" ")) == .cancelSearch)
    }

    @Test func deleteWordRemovesTheLastWord() {
        var state = InteractiveState(query: "async cancel", limit: 20)
        #expect(state.initialAction() == .search("async cancel"))
        #expect(state.handle(.deleteWord) == .search("async "))
        #expect(state.query == "async ")
    }

    @Test func onlyTheAwaitedAnswerIsShown() throws {
        var state = InteractiveState(limit: 20)
        _ = state.handle(.text("a"))
        state.sent(.int(1))
        _ = state.handle(.text("b"))
        state.sent(.int(2))
        #expect(state.handle(try answer(.int(1), ["/old"])) == .none)
        #expect(state.hits.isEmpty)
        #expect(state.isSearching)
        #expect(state.handle(try answer(.int(2), ["/new1", "/new2"])) == .redraw)
        #expect(state.hits.map(\.path) == ["/new1", "/new2"])
        #expect(!state.isSearching)
        #expect(state.lastLatency != nil)
    }

    @Test func selectionMovesWithinTheHitsAndEnterChoosesIt() throws {
        var state = InteractiveState(limit: 20)
        _ = state.handle(.text("x"))
        state.sent(.int(1))
        _ = state.handle(try answer(.int(1), ["/a", "/b", "/c"]))
        #expect(state.handle(.up) == .none)
        #expect(state.handle(.down) == .redraw)
        #expect(state.handle(.down) == .redraw)
        #expect(state.handle(.down) == .none)
        #expect(state.handle(.enter) == .accept(hit("/c")))
        #expect(state.handle(.pageUp) == .redraw)
        #expect(state.selected == 0)
    }

    @Test func enterWithNoHitsChoosesNothing() {
        var state = InteractiveState(limit: 20)
        #expect(state.handle(.enter) == .accept(nil))
        #expect(state.handle(.abort) == .abort)
    }

    @Test func daemonErrorsShowInsteadOfHits() throws {
        var state = InteractiveState(limit: 20)
        _ = state.handle(.text("x"))
        state.sent(.int(1))
        let line = ResponseCoding.failure(id: .int(1), error: RPCError(code: -32001, message: "timed out"))
        #expect(state.handle(try Response(line: line)) == .redraw)
        #expect(state.lastError == "timed out")
    }
}
