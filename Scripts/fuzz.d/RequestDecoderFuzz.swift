// libFuzzer target: any bytes as one request line. The decoder and the params readers must answer every input with
// a request or an error, never crash, hang or trap (ASan watches memory). Built by Scripts/fuzz with SeekProtocol's
// sources compiled in.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequestLine(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let line = UnsafeBufferPointer(start: data, count: size)
    guard case .request(let request) = RequestDecoder.decode(line) else { return 0 }
    // Every method's params reader sees whatever the decoder let through.
    let params = request.params
    _ = try? SearchParams(params: params)
    _ = try? CancelParams(params: params)
    _ = try? ReindexParams(params: params)
    _ = try? SyncParams(params: params)
    _ = try? ExplainParams(params: params)
    return 0
}
