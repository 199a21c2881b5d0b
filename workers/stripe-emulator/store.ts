// Persistence for one emulated Stripe account: every Stripe object is a JSON document keyed by its
// id, in the Durable Object's SQLite. `internal` holds state Stripe does not show (card behaviour,
// pending proration items ...).
import { newId } from "./ids";

export type Obj = Record<string, any>;

export class Store {
  constructor(private sql: SqlStorage) {
    sql.exec(`
      CREATE TABLE IF NOT EXISTS objects (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        type TEXT NOT NULL,
        data TEXT NOT NULL,
        internal TEXT NOT NULL DEFAULT '{}'
      );
      CREATE INDEX IF NOT EXISTS objects_type ON objects(type, seq);
      CREATE TABLE IF NOT EXISTS idempotency (
        key TEXT PRIMARY KEY,
        fingerprint TEXT NOT NULL,
        status INTEGER NOT NULL,
        body TEXT NOT NULL,
        created INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS deliveries (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        event_id TEXT NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        last_status INTEGER,
        last_error TEXT,
        delivered_at INTEGER
      );
      CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    `);
  }

  get(id: string): Obj | null {
    const row = this.sql.exec<{ data: string }>("SELECT data FROM objects WHERE id = ?", id).toArray()[0];
    return row ? JSON.parse(row.data) : null;
  }

  internal(id: string): Obj {
    const row = this.sql.exec<{ internal: string }>("SELECT internal FROM objects WHERE id = ?", id).toArray()[0];
    return row ? JSON.parse(row.internal) : {};
  }

  put(obj: Obj, internal?: Obj) {
    const data = JSON.stringify(obj);
    if (internal === undefined) {
      this.sql.exec(
        "INSERT INTO objects (id, type, data) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET data = excluded.data",
        obj.id,
        obj.object,
        data,
      );
    } else {
      this.sql.exec(
        "INSERT INTO objects (id, type, data, internal) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET data = excluded.data, internal = excluded.internal",
        obj.id,
        obj.object,
        data,
        JSON.stringify(internal),
      );
    }
    return obj;
  }

  setInternal(id: string, internal: Obj) {
    this.sql.exec("UPDATE objects SET internal = ? WHERE id = ?", JSON.stringify(internal), id);
  }

  /** All objects of a type, newest first (Stripe's list order). */
  all(type: string): Obj[] {
    return this.sql
      .exec<{ data: string }>("SELECT data FROM objects WHERE type = ? ORDER BY seq DESC", type)
      .toArray()
      .map((r) => JSON.parse(r.data));
  }

  /** Objects of a type whose JSON field (a path like "$.customer") equals `value`, newest first. */
  where(type: string, path: string, value: string | number): Obj[] {
    return this.sql
      .exec<{ data: string }>("SELECT data FROM objects WHERE type = ? AND json_extract(data, ?) = ? ORDER BY seq DESC", type, path, value)
      .toArray()
      .map((r) => JSON.parse(r.data));
  }

  kvGet<T>(key: string): T | undefined {
    const row = this.sql.exec<{ value: string }>("SELECT value FROM kv WHERE key = ?", key).toArray()[0];
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  kvSet(key: string, value: unknown) {
    this.sql.exec("INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", key, JSON.stringify(value));
  }

  kvDelete(key: string) {
    this.sql.exec("DELETE FROM kv WHERE key = ?", key);
  }

  idempotencyGet(key: string) {
    return this.sql
      .exec<{ fingerprint: string; status: number; body: string }>("SELECT fingerprint, status, body FROM idempotency WHERE key = ?", key)
      .toArray()[0];
  }

  idempotencyPut(key: string, fingerprint: string, status: number, body: string) {
    this.sql.exec(
      "INSERT OR REPLACE INTO idempotency (key, fingerprint, status, body, created) VALUES (?, ?, ?, ?, ?)",
      key,
      fingerprint,
      status,
      body,
      Date.now(),
    );
  }

  addDelivery(eventId: string, at: number) {
    const id = newId("whd");
    this.sql.exec("INSERT INTO deliveries (id, event_id, status, next_attempt_at) VALUES (?, ?, 'pending', ?)", id, eventId, at);
    return id;
  }

  deliveries(where = "1 = 1", ...args: (string | number)[]) {
    return this.sql.exec<Delivery>(`SELECT * FROM deliveries WHERE ${where} ORDER BY seq`, ...args).toArray();
  }

  updateDelivery(id: string, fields: Partial<Delivery>) {
    const keys = Object.keys(fields) as (keyof Delivery)[];
    if (!keys.length) return;
    this.sql.exec(
      `UPDATE deliveries SET ${keys.map((k) => `${k} = ?`).join(", ")} WHERE id = ?`,
      ...keys.map((k) => fields[k] ?? null),
      id,
    );
  }

  reset() {
    this.sql.exec("DELETE FROM objects; DELETE FROM idempotency; DELETE FROM deliveries; DELETE FROM kv;");
  }
}

export type Delivery = {
  seq: number;
  id: string;
  event_id: string;
  status: "pending" | "delivered" | "failed";
  attempts: number;
  next_attempt_at: number;
  last_status: number | null;
  last_error: string | null;
  delivered_at: number | null;
};
