import type { NetworkSignal } from "../../../durable-objects/abuse-monitor";
import type { AuditEvent } from "../../platform/audit";
import type { RequestContext } from "../../platform/context";
import { iso } from "../../platform/iso-time";
import { logger } from "../../platform/logger";
import { countMetric } from "../../platform/metrics";
import { commit } from "../../platform/unit-of-work";
import { requestNetworks } from "./networks";
import { registerSignal } from "./store";

/**
 * A signal started (once per signal, not per request): an audit entry `security.<kind>` with category
 * `security` (there is no platform-wide event stream yet — team events are team-scoped — so the audit log is
 * where security events are published; webhooks will subscribe to it when they exist), a metric, a security
 * log line and the admin registry entry.
 */
export async function announceSignals(ctx: RequestContext, signals: readonly NetworkSignal[]): Promise<void> {
  const route = requestNetworks(ctx.client)?.route ?? "";
  const signalMs = ctx.config.ABUSE_SIGNAL_SECONDS * 1000;
  for (const s of signals) {
    countMetric("gatehouse_abuse_signals_total", { kind: s.kind, level: s.network.level });
    // The log names the network's level and, for a prefix or an ASN, the network (an IP stays in the audit).
    logger.security("abuse signal started", {
      kind: s.kind,
      networkLevel: s.network.level,
      network: s.network.level === "ip" ? undefined : s.network.key,
      until: iso(s.until),
    });
  }
  const audit: AuditEvent[] = signals.map((s) => ({
    action: `security.${s.kind}` as const,
    target: { type: "network", id: s.network.key },
    metadata: {
      category: "security",
      level: s.network.level,
      since: iso(s.since),
      until: iso(s.until),
      windowSeconds: ctx.config.ABUSE_WINDOW,
    },
  }));
  await Promise.all([
    commit(ctx, { audit }),
    ...signals.map((s) =>
      registerSignal(ctx.kv, { route, kind: s.kind, network: s.network, since: s.since }, signalMs),
    ),
  ]);
}
