import type { NetworkSignal } from "../../../durable-objects/abuse-monitor";

/**
 * The feature's KV keys: a registry of the AbuseMonitor objects that raised a signal lately, so platform admins
 * can list current signals (Durable Objects cannot be enumerated). One write per signal start, never per request;
 * the objects themselves stay the record (a signal's current `until` is read from them).
 */
const PREFIX = "abuse:signal:";

export interface SignalRegistryEntry {
  /** The AbuseMonitor instance (its widest network) that holds the signal. */
  route: string;
  kind: NetworkSignal["kind"];
  network: NetworkSignal["network"];
  since: number;
}

/** Registers a started signal for twice its lifetime (KV refuses TTLs under 60 s). */
export function registerSignal(
  kv: KVNamespace,
  entry: SignalRegistryEntry,
  lifetimeMs: number,
): Promise<void> {
  const ttl = Math.max(60, Math.ceil((2 * lifetimeMs) / 1000));
  return kv.put(`${PREFIX}${entry.kind}:${entry.network.key}`, JSON.stringify(entry), {
    expirationTtl: ttl,
  });
}

/** The registered signals (at most `limit` entries, newest registrations are not ordered: KV lists by key). */
export async function registeredSignals(kv: KVNamespace, limit: number): Promise<SignalRegistryEntry[]> {
  const listed = await kv.list({ prefix: PREFIX, limit });
  const values = await Promise.all(listed.keys.map((k) => kv.get<SignalRegistryEntry>(k.name, "json")));
  return values.filter((v): v is SignalRegistryEntry => v !== null);
}
