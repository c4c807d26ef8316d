#!/usr/bin/env python3
"""The "limit" for Scripts/bench: a bulk load of the same files' text into seekd's FTS5 schema, in ONE transaction.

Usage: limit_load.py DB ROOT LIST

LIST holds one record per file, NUL-terminated: one byte of content_state ('0' = text indexed, anything else =
name only) followed by the file's absolute path. name = last path component, path = path relative to ROOT,
body = the file's bytes decoded as UTF-8 with U+FFFD for invalid sequences (what seekd does), '' for name-only files.

Prints one JSON line: {"rows": N, "text_bytes": N, "load_s": s} (load_s: from BEGIN to COMMIT done). The caller
times the whole process (start to exit) and takes its CPU and peak RSS from wait4.
"""
import json
import os
import sqlite3
import sys
import time

SCHEMA = (
    "CREATE VIRTUAL TABLE fts USING fts5(name, path, body, "
    "tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3')"
)


def main() -> None:
    db, root, listing = sys.argv[1], os.fsencode(sys.argv[2]).rstrip(b"/"), sys.argv[3]
    with open(listing, "rb") as handle:
        records = [r for r in handle.read().split(b"\0") if r]
    for suffix in ("", "-journal", "-wal", "-shm"):
        try:
            os.unlink(db + suffix)
        except FileNotFoundError:
            pass
    con = sqlite3.connect(db, isolation_level=None)
    # Same page size and durability as seekd (16 KiB pages, synchronous=NORMAL); the default rollback journal is the
    # cheapest mode for one transaction into a new database (new pages are not journaled, nothing is written twice).
    con.execute("PRAGMA page_size = 16384")
    con.execute("PRAGMA synchronous = NORMAL")
    con.execute(SCHEMA)
    stats = {"rows": 0, "text_bytes": 0}

    def rows():
        for record in records:
            state, path = record[:1], record[1:]
            relative = path[len(root) + 1 :] if path.startswith(root + b"/") else path
            name = path.rsplit(b"/", 1)[-1]
            body = ""
            if state == b"0":
                try:
                    with open(path, "rb") as handle:
                        data = handle.read()
                    stats["text_bytes"] += len(data)
                    body = data.decode("utf-8", "replace")
                except OSError:
                    body = ""
            stats["rows"] += 1
            yield (name.decode("utf-8", "replace"), relative.decode("utf-8", "replace"), body)

    started = time.perf_counter()
    con.execute("BEGIN")
    con.executemany("INSERT INTO fts(name, path, body) VALUES (?, ?, ?)", rows())
    con.execute("COMMIT")
    stats["load_s"] = time.perf_counter() - started
    con.close()
    print(json.dumps(stats), flush=True)


if __name__ == "__main__":
    main()
