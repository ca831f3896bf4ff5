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

  unwrap(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.unwrap(v));
    if (value && typeof value === "object") return this.#raw.get(value) ?? value;
    return value;
  }
}
