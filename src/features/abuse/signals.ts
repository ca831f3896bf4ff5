import type { NetworkSignal } from "../../../durable-objects/abuse-monitor";
import type { RequestContext } from "../../platform/context";
import { iso } from "../../platform/iso-time";
import { registeredSignals } from "./store";

/** Registry entries read per call, and monitor objects asked (each one call, in parallel). */
const MAX_ENTRIES = 500;
const MAX_OBJECTS = 50;

export interface CurrentSignal {
  kind: NetworkSignal["kind"];
  network: NetworkSignal["network"];
  since: string;
  until: string;
}

/**
 * The abuse signals on now, for platform admins: the registry (KV, written once per signal start) names the
 * AbuseMonitor objects that raised one lately; each is asked for its current signals (their `until` moves while
 * an attack goes on). Newest first.
 */
export async function currentSignals(ctx: RequestContext): Promise<{ signals: CurrentSignal[] }> {
  const entries = await registeredSignals(ctx.kv, MAX_ENTRIES);
  const routes = [...new Set(entries.map((e) => e.route).filter(Boolean))].slice(0, MAX_OBJECTS);
  const namespace = ctx.env.ABUSE_MONITOR;
  const now = ctx.now();
  const found = await Promise.all(
    routes.map((route) => namespace.get(namespace.idFromName(route)).activeSignals(now)),
  );
  const seen = new Set<string>();
  const signals: CurrentSignal[] = [];
  for (const s of found.flat().sort((a, b) => b.since - a.since)) {
    const id = `${s.kind}|${s.network.key}`;
    if (seen.has(id)) continue;
    seen.add(id);
    signals.push({ kind: s.kind, network: s.network, since: iso(s.since) ?? "", until: iso(s.until) ?? "" });
  }
  return { signals };
}
