import { DurableObject } from "cloudflare:workers";
import type { Principal } from "../src/auth/principal";
import { eventFrame, sseFrame } from "../src/features/events/sse";
import { CLOSE_CODES, type Subscriber, subscriberTags } from "../src/features/events/subscriber";

export interface PublishInput {
  type: string;
  data: Record<string, unknown>;
  source: "gatehouse" | "team";
}

/** A buffered event (for resumption). `data` is JSON text. */
export interface StoredEvent {
  id: number;
  type: string;
  data: string;
  /** Epoch milliseconds (the publisher's injected clock). */
  time: number;
  source: "gatehouse" | "team";
}

/** What cuts subscribers off (sessions/end.ts hooks, API key revocation). */
export interface Cuts {
  /** Sessions that ended: their subscribers minted in an access epoch up to `accessEpoch`. */
  sessions?: readonly { sid: string; accessEpoch: number }[];
  /** Membership cut-offs: the member's token subscribers with a membership stamp below `before`. */
  members?: readonly { userId: string; before: number }[];
  apiKeys?: readonly string[];
}

/** The buffer keeps every event among the latest BUFFER_MIN_EVENTS or younger than BUFFER_MIN_AGE_MS… */
export const BUFFER_MIN_EVENTS = 1_000;
export const BUFFER_MIN_AGE_MS = 24 * 60 * 60 * 1000;
/** …up to this hard ceiling (a team publishing more in 24 h gets a shorter window; `reset` says so). */
export const BUFFER_MAX_EVENTS = 50_000;
/** Pruning runs at most this often (it is a range delete: cheap, but not per event). */
const PRUNE_EVERY_MS = 60_000;

/** The first frame of every subscription: its `id:` is the position the subscriber starts from. */
export const READY_EVENT = "ready";
/** Sent instead of a replay when the Last-Event-ID is older than the buffer (or unknown): refetch state. */
export const RESET_EVENT = "reset";

/**
 * One team's event stream: one object per team (`idFromName(teamId)`). It numbers each event with a monotonically
 * increasing id (a stored counter: pruning never lets an id come back), keeps a bounded buffer in its SQLite
 * storage for resumption, fans events out to its subscribers and holds the stream's single-use tickets.
 *
 * Subscribers are Workers holding a client's SSE response, connected here by a WebSocket accepted with the
 * Hibernation API (`ctx.acceptWebSocket`): while no event is published the object is evicted from memory and
 * bills no duration, yet the sockets stay open. Each socket's attachment and tags remember who subscribed, so a
 * revocation can cut exactly the affected subscribers. Messages to subscribers are finished SSE frames (encoded
 * once per event here, written as is by every Worker); the object never reads from a subscriber.
 */
export class TeamEvents extends DurableObject {
  readonly #sql: SqlStorage;
  #lastId: number | null = null;
  #lastPrune = 0;

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    // Runs on every wake-up from hibernation: idempotent and cheap (no rows read).
    this.#sql.exec(
      `CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, type TEXT NOT NULL, data TEXT NOT NULL,
         time INTEGER NOT NULL, source TEXT NOT NULL);
       CREATE INDEX IF NOT EXISTS events_time ON events (time);
       CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
       CREATE TABLE IF NOT EXISTS tickets (hash TEXT PRIMARY KEY, principal TEXT NOT NULL,
         expires_at INTEGER NOT NULL);`,
    );
  }

  /** Stores the event under the next id and sends it to every subscriber; returns that id. */
  async publish(input: PublishInput, now: number): Promise<{ id: number }> {
    const id = this.#currentId() + 1;
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
    this.#lastId = id;
    const frame = eventFrame({ id, type: input.type, dataJson: data, time: now, source: input.source });
    for (const ws of this.ctx.getWebSockets()) {
      try {
        ws.send(frame);
      } catch {
        // A socket closing right now: its Worker ends the stream itself.
      }
    }
    if (input.source === "gatehouse" && input.type === "api_key.revoked") {
      const keyId = input.data.keyId;
      if (typeof keyId === "string") this.cut({ apiKeys: [keyId] });
    }
    if (now - this.#lastPrune >= PRUNE_EVERY_MS) this.#prune(now);
    return { id };
  }

  /** The buffered events after `afterId`, oldest first (tests and diagnostics; subscribers get frames). */
  async since(afterId: number): Promise<StoredEvent[]> {
    return this.#sql
      .exec<{ id: number; type: string; data: string; time: number; source: string }>(
        "SELECT id, type, data, time, source FROM events WHERE id > ? ORDER BY id",
        afterId,
      )
      .toArray()
      .map((row) => ({ ...row, source: row.source === "team" ? "team" : "gatehouse" }));
  }

  /**
   * A subscription: `GET /subscribe` with `Upgrade: websocket`, the subscriber in `X-Subscriber` (JSON) and the
   * position to resume from in `X-Last-Event-Id` (absent: live only). Sends the `ready` frame, the replay (or a
   * `reset`), then every new event. Only the Worker reaches this (a Durable Object has no public URL).
   */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("expected a WebSocket upgrade", { status: 426 });
    }
    const subscriber = parseSubscriber(request.headers.get("x-subscriber"));
    if (!subscriber) return new Response("bad subscriber", { status: 400 });
    const resumeHeader = request.headers.get("x-last-event-id");
    const resumeFrom = resumeHeader === null ? null : Number(resumeHeader);
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, subscriberTags(subscriber));
    server.serializeAttachment(subscriber);
    // Synchronous from here on (SQLite reads are synchronous): no event can be published in between, so the
    // replay and the live events that follow it are in order, without a gap or a duplicate.
    for (const frame of this.#opening(resumeFrom)) server.send(frame);
    return new Response(null, { status: 101, webSocket: client });
  }

  /** Closes the subscribers a revocation concerns; returns how many. */
  cut(cuts: Cuts): number {
    let closed = 0;
    const close = (ws: WebSocket) => {
      try {
        ws.close(CLOSE_CODES.revoked, "revoked");
        closed += 1;
      } catch {
        // already closing
      }
    };
    for (const { sid, accessEpoch } of cuts.sessions ?? []) {
      for (const ws of this.ctx.getWebSockets(`s:${sid}`)) {
        const s = ws.deserializeAttachment() as Subscriber | null;
        if (s && s.sep <= accessEpoch) close(ws);
      }
    }
    for (const { userId, before } of cuts.members ?? []) {
      for (const ws of this.ctx.getWebSockets(`u:${userId}`)) {
        const s = ws.deserializeAttachment() as Subscriber | null;
        if (s && s.apiKeyId === null && (s.mst ?? 0) < before) close(ws);
      }
    }
    for (const keyId of cuts.apiKeys ?? []) for (const ws of this.ctx.getWebSockets(`k:${keyId}`)) close(ws);
    return closed;
  }

  /** How many subscribers are connected (diagnostics and the bench). */
  async subscribers(): Promise<number> {
    return this.ctx.getWebSockets().length;
  }

  /**
   * Records a single-use ticket: stored under the SHA-256 of its secret only (`hash`), with the principal that
   * asked for it, until `expiresAt`. Expired tickets are swept here.
   */
  async issueTicket(hash: string, principal: Principal, expiresAt: number, now: number): Promise<void> {
    this.#sql.exec("DELETE FROM tickets WHERE expires_at <= ?", now);
    this.#sql.exec(
      "INSERT INTO tickets (hash, principal, expires_at) VALUES (?, ?, ?)",
      hash,
      JSON.stringify(principal),
      expiresAt,
    );
  }

  /**
   * Takes a ticket exactly once: the principal, or null when unknown, used or expired. Read and delete happen
   * with no `await` between them, so two redemptions racing each other cannot both succeed.
   */
  async redeemTicket(hash: string, now: number): Promise<Principal | null> {
    const row = this.#sql
      .exec<{ principal: string; expires_at: number }>(
        "SELECT principal, expires_at FROM tickets WHERE hash = ?",
        hash,
      )
      .toArray()[0];
    if (!row) return null;
    this.#sql.exec("DELETE FROM tickets WHERE hash = ?", hash);
    return row.expires_at > now ? (JSON.parse(row.principal) as Principal) : null;
  }

  /** Subscribers never send anything; a message is ignored (and would not keep the object awake for long). */
  override async webSocketMessage(): Promise<void> {}

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      // already closed
    }
  }

  /** The frames a new subscriber starts with: `ready`, then the replay after `resumeFrom`, or a `reset`. */
  #opening(resumeFrom: number | null): string[] {
    const lastId = this.#currentId();
    const ready = sseFrame({
      id: String(lastId),
      event: READY_EVENT,
      data: JSON.stringify({ lastEventId: String(lastId) }),
    });
    if (resumeFrom === null || resumeFrom === lastId) return [ready];
    const oldest =
      this.#sql.exec<{ oldest: number | null }>("SELECT min(id) AS oldest FROM events").one().oldest ??
      lastId + 1;
    if (
      !Number.isSafeInteger(resumeFrom) ||
      resumeFrom < 0 ||
      resumeFrom > lastId ||
      resumeFrom < oldest - 1
    ) {
      const reason = resumeFrom > lastId ? "unknown_event_id" : "buffer_exceeded";
      return [
        sseFrame({
          id: String(lastId),
          event: RESET_EVENT,
          data: JSON.stringify({ reason, lastEventId: String(lastId) }),
        }),
      ];
    }
    const replay = this.#sql
      .exec<{ id: number; type: string; data: string; time: number; source: string }>(
        "SELECT id, type, data, time, source FROM events WHERE id > ? ORDER BY id",
        resumeFrom,
      )
      .toArray()
      .map((e) =>
        eventFrame({
          id: e.id,
          type: e.type,
          dataJson: e.data,
          time: e.time,
          source: e.source === "team" ? "team" : "gatehouse",
        }),
      );
    // `ready` first carries the position it resumed from (the replay moves it on).
    return [
      sseFrame({ event: READY_EVENT, data: JSON.stringify({ lastEventId: String(lastId) }) }),
      ...replay,
    ];
  }

  /** Drops what is neither among the latest BUFFER_MIN_EVENTS nor younger than a day, and beyond the ceiling. */
  #prune(now: number): void {
    this.#lastPrune = now;
    const lastId = this.#currentId();
    this.#sql.exec(
      "DELETE FROM events WHERE time < ? AND id <= ?",
      now - BUFFER_MIN_AGE_MS,
      lastId - BUFFER_MIN_EVENTS,
    );
    this.#sql.exec("DELETE FROM events WHERE id <= ?", lastId - BUFFER_MAX_EVENTS);
    this.#sql.exec("DELETE FROM tickets WHERE expires_at <= ?", now);
  }

  #currentId(): number {
    if (this.#lastId === null) {
      const row = this.#sql
        .exec<{ value: number }>("SELECT value FROM meta WHERE key = 'last_id'")
        .toArray()[0];
      this.#lastId = row?.value ?? 0;
    }
    return this.#lastId;
  }
}

function parseSubscriber(raw: string | null): Subscriber | null {
  if (raw === null) return null;
  try {
    const s = JSON.parse(raw) as Partial<Subscriber>;
    if (typeof s.userId !== "string" || typeof s.sid !== "string" || typeof s.sep !== "number") return null;
    return {
      userId: s.userId,
      sid: s.sid,
      sep: s.sep,
      mst: typeof s.mst === "number" ? s.mst : null,
      apiKeyId: typeof s.apiKeyId === "string" ? s.apiKeyId : null,
    };
  } catch {
    return null;
  }
}
