import CSQLite

// libFuzzer target: any text as a simple query. The translation must never crash, and whatever it returns must be
// an FTS5 expression SQLite accepts (PROTOCOL.md: any string is a valid simple query, never a syntax error). Built
// by Scripts/fuzz with SimpleQuery and TextTokens compiled in, against the system SQLite.

private let database: OpaquePointer = {
    var db: OpaquePointer?
    precondition(sqlite3_open(":memory:", &db) == SQLITE_OK)
    let schema = """
        CREATE VIRTUAL TABLE fts USING fts5(name, path, body, tokenize = 'unicode61 remove_diacritics 2', \
        prefix = '1 2 3');
        INSERT INTO fts VALUES ('plan.md', 'notes/plan.md', 'The plan: ship cancellation first. Café crème.');
        """
    precondition(sqlite3_exec(db, schema, nil, nil, nil) == SQLITE_OK)
    return db!
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSimpleQuery(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let expression = SimpleQuery.translate(text) else { return 0 }
    var statement: OpaquePointer?
    guard sqlite3_prepare_v2(database, "SELECT rowid FROM fts WHERE fts MATCH ?", -1, &statement, nil) == SQLITE_OK
    else { fatalError("prepare failed") }
    defer { sqlite3_finalize(statement) }
    let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
    sqlite3_bind_text(statement, 1, expression, -1, transient)
    var result = sqlite3_step(statement)
    while result == SQLITE_ROW { result = sqlite3_step(statement) }
    if result != SQLITE_DONE {
        let message = String(cString: sqlite3_errmsg(database))
        fatalError("FTS5 rejected the translation of \(text.debugDescription): \(expression) (\(message))")
    }
    return 0
}
