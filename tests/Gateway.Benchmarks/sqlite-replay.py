#!/usr/bin/env python3
"""SQLite's own cost of the ingest's writes, without the gateway (docs/performance-log.md, eleventh pass).

Replays the first N shipments of a seeded gateway database (their goods and jurisdiction rows too) into a fresh
database with the same schema and the ingest's pragmas, in batches of 1,000, and prints the CPU per shipment.
Python's own overhead is included, so compare variants with each other, not with the gateway.

    python3 tests/Gateway.Benchmarks/sqlite-replay.py SEEDED.db insert [plain|gateway|countries-without-rowid|both-without-rowid]
    python3 tests/Gateway.Benchmarks/sqlite-replay.py SEEDED.db update [full|narrow|narrow-keep-countries|goods-in-place]

A seeded database: `export --shipments 300000 --work DIR` keeps DIR/gateway.db, or `gateway seed` (docs/performance.md).
"""
import os
import sqlite3
import sys
import tempfile
import time

BATCH = 1000
INDEXED = ["tracking_number", "mrn", "seller_id", "declared_at", "origin_country", "destination_country",
           "consignee_postcode", "consignee_name"]
GOODS = ["shipment_id", "line_no", "description", "hs_code", "quantity", "gross_mass_grams", "value_minor",
         "currency", "country_of_origin", "brand", "listing_id"]


def load(source, count):
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    columns = [r[1] for r in src.execute("PRAGMA table_info(shipments)")]
    ships = src.execute("SELECT * FROM shipments ORDER BY ingest_seq LIMIT ?", (count,)).fetchall()
    ids = {r[0] for r in ships}
    goods, countries = {}, {}
    for r in src.execute(f"SELECT {', '.join(GOODS)} FROM shipment_goods ORDER BY shipment_id, line_no"):
        if r[0] in ids:
            goods.setdefault(r[0], []).append(list(r))
    for r in src.execute("SELECT shipment_id, country FROM shipment_countries"):
        if r[0] in ids:
            countries.setdefault(r[0], []).append(r)
    schema = [r[0] for r in src.execute(
        "SELECT sql FROM sqlite_master WHERE tbl_name IN ('shipments', 'shipment_goods', 'shipment_countries') AND sql IS NOT NULL")]
    src.close()
    return columns, ships, goods, countries, schema


def create(path, schema, variant):
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    for sql in schema:
        if "ix_shipment_countries_country_seq" in sql:
            continue  # dropped by M1010
        head = sql.split("(")[0]
        if sql.startswith("CREATE TABLE") and "shipment_countries" in head:
            sql = ("CREATE TABLE shipment_countries (shipment_id TEXT NOT NULL, country TEXT NOT NULL, "
                   "CONSTRAINT PK_shipment_countries PRIMARY KEY (shipment_id, country))")
            if variant in ("countries-without-rowid", "both-without-rowid"):
                sql += " WITHOUT ROWID"
        elif sql.startswith("CREATE TABLE") and "shipment_goods" in head and variant == "both-without-rowid":
            sql += " WITHOUT ROWID"
        db.execute(sql)
    # The ingest's session (SqlDialect.WriteBatchSessionSql).
    db.execute("PRAGMA cache_size=-16384")
    db.execute("PRAGMA wal_autocheckpoint=10000")
    return db


def main():
    source, mode = sys.argv[1], sys.argv[2]
    variant = sys.argv[3] if len(sys.argv) > 3 else ("plain" if mode == "insert" else "full")
    count = int(os.environ.get("REPLAY_SHIPMENTS", "100000"))
    columns, ships, goods, countries, schema = load(source, count)
    written = [c for c in columns if c not in ("risk_score", "risk_reasons", "scored_at", "personal_data_removed_at")]
    at = {c: i for i, c in enumerate(columns)}
    upsert = (f"INSERT INTO shipments ({', '.join(written)}) VALUES ({', '.join('?' * len(written))}) "
              f"ON CONFLICT (shipment_id) DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in written if c != "shipment_id"))
    unindexed = [c for c in written if c != "shipment_id" and c not in INDEXED]
    narrow = f"UPDATE shipments SET {', '.join(c + ' = ?' for c in unindexed)} WHERE shipment_id = ?"
    insert_goods = f"INSERT INTO shipment_goods ({', '.join(GOODS)}) VALUES ({', '.join('?' * len(GOODS))})"
    update_goods = f"UPDATE shipment_goods SET {', '.join(c + ' = ?' for c in GOODS[2:])} WHERE shipment_id = ? AND line_no = ?"
    with tempfile.TemporaryDirectory() as work:
        db = create(os.path.join(work, "replay.db"), schema, variant if mode == "insert" else "plain")
        sequence = 0

        def row(r, changed):
            nonlocal sequence
            sequence += 1
            values = {c: r[at[c]] for c in written}
            values["ingest_seq"] = sequence
            values["content_hash"] = os.urandom(32)
            if changed:
                values["carrier"] = f"{values['carrier']} (rerouted)"
            return values

        def write_goods(shipment_id, changed):
            for g in goods.get(shipment_id, ()):
                g = list(g)
                if changed and g[1] == 1:
                    g[2] += " (corrected)"
                db.execute(insert_goods, g)

        def run(changed):
            started = time.process_time()
            for b in range(0, len(ships), BATCH):
                db.execute("BEGIN IMMEDIATE")
                for r in ships[b:b + BATCH]:
                    sid = r[0]
                    values = row(r, changed)
                    if variant == "plain":
                        db.execute(f"INSERT INTO shipments ({', '.join(written)}) VALUES ({', '.join('?' * len(written))})",
                                   [values[c] for c in written])
                    else:
                        db.execute("SELECT 1 FROM shipments WHERE shipment_id = ?", (sid,)).fetchone()
                        if variant.startswith("narrow") or variant == "goods-in-place":
                            db.execute(narrow, [values[c] for c in unindexed] + [sid])
                        else:
                            db.execute(upsert, [values[c] for c in written])
                    if not changed:
                        write_goods(sid, False)
                    elif variant == "goods-in-place":
                        lines = goods.get(sid, [])
                        for g in lines:
                            g = list(g)
                            if g[1] == 1:
                                g[2] += " (corrected)"
                            if db.execute(update_goods, g[2:] + [g[0], g[1]]).rowcount == 0:
                                db.execute(insert_goods, g)
                        db.execute("DELETE FROM shipment_goods WHERE shipment_id = ? AND line_no > ?", (sid, len(lines)))
                    else:
                        db.execute("DELETE FROM shipment_goods WHERE shipment_id = ?", (sid,))
                        write_goods(sid, True)
                    if not changed or variant in ("full", "narrow"):
                        if changed:
                            db.execute("DELETE FROM shipment_countries WHERE shipment_id = ?", (sid,))
                        for c in countries.get(sid, ()):
                            db.execute("INSERT INTO shipment_countries (shipment_id, country) VALUES (?, ?)", c)
                db.execute("COMMIT")
            return time.process_time() - started

        if mode == "insert":
            cpu = run(changed=False)
        else:
            saved, variant = variant, "plain"
            run(changed=False)  # the shipments to change, written as new ones (not timed)
            variant = saved
            cpu = run(changed=True)
        print(f"{mode} {variant}: {len(ships)} shipments, {cpu / len(ships) * 1e6:.1f} µs of CPU per shipment, "
              f"{len(ships) / cpu:,.0f} shipments per CPU-second")


if __name__ == "__main__":
    main()
