/**
 * Wraps Worker bindings so that the time spent in them (D1, KV, Durable Objects, Queues) is known:
 * - `ioMs`: wall time during which at least one binding call was pending (waiting; not CPU in production);
 * - `bindingSyncMs`: time spent synchronously inside binding calls before they return their promise. Under
 *   local workerd this includes setting up the simulated Durable Object/D1 behind the call, which is
 *   the runtime's work, not the Worker's code.
 * A request's own CPU ≈ its wall time in the Worker − ioMs − bindingSyncMs.
 */
export class IoMeter {
  ioMs = 0;
  bindingSyncMs = 0;
  /** Promise-returning calls per binding label (e.g. D1 round trips). */
  calls: Record<string, number> = {};
  /** The same calls per `label.method` (e.g. `kv.get`, `kv.put`, `d1.batch`): reads told from writes. */
  methods: Record<string, number> = {};
  /**
   * Where D1 would serve each round trip with read replication on (locally there is no replica, so this counts
   * what the Sessions API would send where): the plain binding, a write, any query after a session's first write,
   * and a `first-primary` session's first query go to the primary; any other query of a session (started
   * `first-unconstrained`, from a bookmark, or after its `first-primary` query) may be served by a replica.
   */
  d1 = { primary: 0, replica: 0 };
  #pending = 0;
  #since = 0;
  #raw = new WeakMap<object, object>();

  track<T>(promise: Promise<T>): Promise<T> {
    if (this.#pending++ === 0) this.#since = performance.now();
    const done = () => {
      if (--this.#pending === 0) this.ioMs += performance.now() - this.#since;
    };
    return promise.then(
      (v) => {
        done();
        return v;
      },
      (e) => {
        done();
        throw e;
      },
    );
  }

  /** A proxy of a binding whose every call is metered (recursively for returned handles). */
  wrap<T extends object>(target: T, label = "binding"): T {
    const meter = this;
    const proxy = new Proxy(target, {
      get(obj, prop) {
        const value = Reflect.get(obj, prop);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          const before = performance.now();
          // Reflect.apply: on RPC stubs, `value.apply` would itself be sent as an RPC method
          const result = Reflect.apply(
            value,
            obj,
            args.map((a) => meter.unwrap(a)),
          );
          if (meter.#pending === 0) meter.bindingSyncMs += performance.now() - before;
          if (result && typeof (result as Promise<unknown>).then === "function") {
            meter.calls[label] = (meter.calls[label] ?? 0) + 1;
            const method = `${label}.${String(prop)}`;
            meter.methods[method] = (meter.methods[method] ?? 0) + 1;
            return meter.track(result as Promise<unknown>);
          }
          if (result && typeof result === "object") return meter.wrap(result as object, label);
          return result;
        };
      },
    });
    this.#raw.set(proxy, target);
    return proxy;
  }

  /** A D1 binding metered like `wrap(d1, "d1")`, its round trips also told primary from replica-eligible. */
  wrapD1(d1: D1Database): D1Database {
    return this.wrap(
      placedD1(d1, (where) => this.d1[where]++),
      "d1",
    );
  }

  unwrap(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.unwrap(v));
    if (value && typeof value === "object") return this.#raw.get(value) ?? value;
    return value;
  }
}

type Where = "primary" | "replica";
interface SessionState {
  start: string;
  queries: number;
  wrote: boolean;
}
interface StatementInfo {
  sql: string;
  session: SessionState | null;
  raw: D1PreparedStatement;
}

const WRITE = /^\s*(insert|update|delete|replace|create|drop|alter)\b/i;

/** Where one round trip of a session (or of the plain binding, `null`) goes; advances the session. */
function place(session: SessionState | null, write: boolean): Where {
  if (!session) return "primary";
  const first = session.queries++ === 0;
  if (write) session.wrote = true;
  if (write || session.wrote) return "primary";
  return first && session.start === "first-primary" ? "primary" : "replica";
}

/** The binding (and its sessions and statements) with each round trip reported to `onQuery`. */
function placedD1(d1: D1Database, onQuery: (where: Where) => void): D1Database {
  const statements = new WeakMap<object, StatementInfo>();
  const statement = (info: StatementInfo): D1PreparedStatement => {
    const proxy = new Proxy(info.raw, {
      get(raw, prop) {
        const value = Reflect.get(raw, prop);
        if (typeof value !== "function") return value;
        if (prop === "bind") {
          return (...args: unknown[]) => statement({ ...info, raw: Reflect.apply(value, raw, args) });
        }
        return (...args: unknown[]) => {
          onQuery(place(info.session, WRITE.test(info.sql)));
          return Reflect.apply(value, raw, args);
        };
      },
    });
    statements.set(proxy, info);
    return proxy;
  };
  const client = (target: D1Database | D1DatabaseSession, session: SessionState | null) => ({
    prepare: (sql: string) => statement({ sql, session, raw: target.prepare(sql) }),
    batch: (list: D1PreparedStatement[]) => {
      const infos = list.map((s) => statements.get(s));
      onQuery(
        place(
          session,
          infos.some((i) => i !== undefined && WRITE.test(i.sql)),
        ),
      );
      return target.batch(list.map((s, i) => infos[i]?.raw ?? s));
    },
  });
  const plain = client(d1, null);
  return new Proxy(d1, {
    get(raw, prop) {
      if (prop === "prepare" || prop === "batch") return plain[prop];
      if (prop === "withSession") {
        return (start?: string) => {
          const session = raw.withSession(start);
          const state: SessionState = { start: start ?? "first-unconstrained", queries: 0, wrote: false };
          return { ...client(session, state), getBookmark: () => session.getBookmark() };
        };
      }
      const value = Reflect.get(raw, prop);
      return typeof value === "function" ? value.bind(raw) : value;
    },
  });
}
