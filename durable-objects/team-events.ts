import { DurableObject } from "cloudflare:workers";

/** An event as stored in a team's buffer and delivered to its subscribers. */
export interface StoredEvent {
  id: number;
  type: string;
  /** The event's data, as JSON text (stored and delivered as is: no re-serialisation per subscriber). */
  data: string;
  /** Epoch milliseconds (the publisher's injected clock). */
  time: number;
  source: "gatehouse" | "team";
}

export interface PublishInput {
  type: string;
  data: Record<string, unknown>;
  source: "gatehouse" | "team";
}

/** The buffer keeps at least this many of the latest events… */
export const BUFFER_MIN_EVENTS = 1_000;
/** …and every event younger than this. */
export const BUFFER_MIN_AGE_MS = 24 * 60 * 60 * 1000;

/**
 * One team's event stream (one object per team: `idFromName(teamId)`). It numbers each event with a
 * monotonically increasing id and keeps a bounded buffer in its SQLite storage so a subscriber can resume.
 */
export class TeamEvents extends DurableObject {
  readonly #sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    ctx.blockConcurrencyWhile(async () => {
      this.#sql.exec(
        `CREATE TABLE IF NOT EXISTS events (
           id INTEGER PRIMARY KEY, type TEXT NOT NULL, data TEXT NOT NULL, time INTEGER NOT NULL, source TEXT NOT NULL
         );
         CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);`,
      );
    });
  }

  /** Stores the event with the next id; returns that id. */
  async publish(input: PublishInput, now: number): Promise<{ id: number }> {
    const id = this.#nextId();
    const data = JSON.stringify(input.data);
    this.#sql.exec(
      "INSERT INTO events (id, type, data, time, source) VALUES (?, ?, ?, ?, ?)",
      id,
      input.type,
      data,
      now,
      input.source,
    );
    this.#sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('last_id', ?)", id);
    return { id };
  }

  /** The buffered events after `afterId`, oldest first. */
  async since(afterId: number): Promise<StoredEvent[]> {
    return this.#sql
      .exec<{ id: number; type: string; data: string; time: number; source: string }>(
        "SELECT id, type, data, time, source FROM events WHERE id > ? ORDER BY id",
        afterId,
      )
      .toArray()
      .map((row) => ({ ...row, source: row.source === "team" ? "team" : "gatehouse" }));
  }

  /** Ids come from a counter, never from the buffer: pruning never lets an id be reused. */
  #nextId(): number {
    const row = this.#sql
      .exec<{ value: number }>("SELECT value FROM meta WHERE key = 'last_id'")
      .toArray()[0];
    return (row?.value ?? 0) + 1;
  }
}
