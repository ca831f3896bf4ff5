import { AsyncLocalStorage } from "node:async_hooks";
import { type DrizzleD1Database, drizzle } from "drizzle-orm/d1";
import * as schema from "./tables";

/** A statement D1 can run in a batch, and the results of a batch (for the unit of work). */
export type { BatchItem, BatchResponse } from "drizzle-orm/batch";

export type Db = DrizzleD1Database<typeof schema> & { $client: D1Database };

/** Where a request's D1 session starts: a constraint, or a client's bookmark ("at least this fresh"). */
export type D1Start = D1SessionConstraint | D1SessionBookmark;

/**
 * One request's D1 session (the Sessions API, docs/read-replicas.md), created lazily: a request that never
 * touches D1 (an authenticated request answered from its token and KV) never opens one. Its queries may be
 * served by a read replica at least as fresh as its starting point; writes always go to the primary and move
 * the session's bookmark on; the session is sequentially consistent (a later query sees what an earlier one
 * saw or wrote).
 */
export class RequestD1 {
  #session: D1DatabaseSession | undefined;
  #start: D1Start | undefined;
  /** The bookmark of a session this one replaced (usePrimary): the answer's bookmark is never older. */
  #earlier: string | null = null;

  /** `start` is asked once, at the first query: the route (and so whether it is a read path) is known by then. */
  constructor(
    readonly binding: D1Database,
    private readonly start: () => D1Start,
  ) {}

  /** The session, opened at the first query. */
  get session(): D1DatabaseSession {
    if (!this.#session) {
      this.#start = this.start();
      this.#session = this.binding.withSession(this.#start);
    }
    return this.#session;
  }

  /** How the session started (undefined while D1 is unused). */
  get startedAs(): D1Start | undefined {
    return this.#start;
  }

  /** True once a query could have been served by a replica that lags the primary (the session did not start there). */
  get mayBeStale(): boolean {
    return this.#start !== undefined && this.#start !== "first-primary";
  }

  /**
   * From here on, this request reads the primary: a decision made on a row a replica served (the login's
   * password check) is confirmed against the primary before it grants anything. The new session starts
   * `first-primary`, so it is at least as fresh as everything the replaced one saw.
   */
  usePrimary(): void {
    if (this.#start === "first-primary" && this.#session) return;
    this.#earlier = newest(this.#earlier, this.#session?.getBookmark() ?? null);
    this.#start = "first-primary";
    this.#session = this.binding.withSession("first-primary");
  }

  /** The bookmark to hand the client (newest of this request's sessions); null when D1 was not used. */
  bookmark(): string | null {
    return newest(this.#earlier, this.#session?.getBookmark() ?? null);
  }
}

/** Bookmarks sort lexicographically, oldest first (D1's documented format). */
function newest(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return a > b ? a : b;
}

/**
 * The request whose D1 session the shared drizzle instance dispatches to. A drizzle instance built with the
 * schema costs about 50–100 µs (its relational config is extracted from every table), so each binding keeps
 * ONE (getDb) and its client forwards each statement to the running request's session — or to the plain
 * binding (the primary) for background work: cron, queues and Durable Objects run outside any request.
 */
const currentRequest = new AsyncLocalStorage<RequestD1 | null>();

/** Runs a request's handling with `d1` as its D1 session (http/middleware/context.ts). */
export function runWithRequestD1<T>(d1: RequestD1, work: () => T): T {
  return currentRequest.run(d1, work);
}

/**
 * Runs work outside the running request's D1 session, on the plain binding (the primary): what the request
 * merely starts for the whole isolate (the admin bootstrap) must not move the request's session.
 */
export function runOutsideRequestD1<T>(work: () => T): T {
  return currentRequest.run(null, work);
}

/**
 * A D1-like client for drizzle: `prepare` and `batch` (all drizzle's d1 driver calls at runtime, and all the
 * stores' raw `$client` queries use) go to the running request's session over this same binding, else to the
 * binding itself. The cast is the one place a facade stands in for D1Database.
 */
function dispatcher(binding: D1Database): D1Database {
  const target = (): D1Database | D1DatabaseSession => {
    const request = currentRequest.getStore();
    return request && request.binding === binding ? request.session : binding;
  };
  const client = {
    prepare: (query: string) => target().prepare(query),
    batch: <T>(statements: D1PreparedStatement[]) => target().batch<T>(statements),
    withSession: (start?: D1Start) => binding.withSession(start),
    exec: (query: string) => binding.exec(query),
  };
  return client as unknown as D1Database;
}

const cache = new WeakMap<D1Database, Db>();

/** One drizzle instance per D1 binding; inside a request its statements run in the request's session. */
export function getDb(d1: D1Database): Db {
  let db = cache.get(d1);
  if (!db) {
    db = drizzle(dispatcher(d1), { schema });
    cache.set(d1, db);
  }
  return db;
}

/** True when a D1 error is a UNIQUE constraint violation (optionally on a given index/column). */
export function isUniqueViolation(error: unknown, needle?: string): boolean {
  const messages: string[] = [];
  let e: unknown = error;
  for (let i = 0; e && i < 4; i++) {
    if (e instanceof Error) {
      messages.push(e.message);
      e = e.cause;
    } else break;
  }
  const text = messages.join(" | ");
  return /UNIQUE constraint failed/i.test(text) && (!needle || text.includes(needle));
}
