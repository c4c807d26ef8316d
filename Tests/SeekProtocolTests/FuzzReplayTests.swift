import Foundation
import SeekProtocol
import Testing

/// The request lines Scripts/fuzz kept (seeds and inputs that reached new code), replayed on every run: each gets a
/// request or an error, and every params reader copes with whatever the decoder let through.
@Suite struct FuzzReplayTests {
    @Test func everyKeptRequestLineIsAnsweredWithoutCrashing() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "Fuzz/request-line"
        )
        let inputs = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(inputs.count >= 10)
        var requests = 0
        for name in inputs {
            let line = [UInt8](try Data(contentsOf: folder.appendingPathComponent(name)))
            guard case .request(let request) = RequestDecoder.decode(line) else { continue }
            requests += 1
            _ = try? SearchParams(params: request.params)
            _ = try? CancelParams(params: request.params)
            _ = try? ReindexParams(params: request.params)
            _ = try? SyncParams(params: request.params)
            _ = try? ExplainParams(params: request.params)
        }
        #expect(requests > 0, "the kept inputs include valid requests")
    }
}
