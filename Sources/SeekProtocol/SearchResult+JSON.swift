extension SearchResult {
    /// The success line of a search, as `ResponseCoding.success` would encode it through `Codable` (keys sorted,
    /// optional fields left out when nil), written directly. Throws for a number JSON cannot hold.
    func successLine(id: RequestID) throws(JSONWriter.NonFiniteNumber) -> [UInt8] {
        let textBytes = hits.reduce(0) { $0 + $1.path.utf8.count + ($1.snippet?.utf8.count ?? 0) }
        var writer = JSONWriter(capacity: 128 + 128 * hits.count + textBytes + textBytes / 8)
        writer.raw("{\"id\":")
        switch id {
        case .int(let value): writer.number(value)
        case .string(let value): writer.string(value)
        }
        writer.raw(",\"jsonrpc\":\"2.0\",\"result\":{\"elapsed_ms\":")
        try writer.number(elapsedMilliseconds)
        writer.raw(",\"generation\":")
        writer.number(Int64(generation))
        writer.raw(",\"hits\":[")
        for (index, hit) in hits.enumerated() {
            if index > 0 { writer.raw(",") }
            writer.raw("{\"mtime\":")
            try writer.number(hit.mtime)
            writer.raw(",\"path\":")
            writer.string(hit.path)
            if let pathBytes = hit.pathBytes {
                writer.raw(",\"path_bytes\":")
                writer.string(pathBytes)
            }
            writer.raw(",\"score\":")
            try writer.number(hit.score)
            writer.raw(",\"size\":")
            writer.number(Int64(hit.size))
            if let snippet = hit.snippet {
                writer.raw(",\"snippet\":")
                writer.string(snippet)
            }
            writer.raw("}")
        }
        writer.raw("]")
        if let ranked {
            writer.raw(",\"ranked\":")
            writer.bool(ranked)
        }
        writer.raw("}}\n")
        return writer.bytes
    }
}
