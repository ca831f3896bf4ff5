import type { ChargeResult, LedgerEntry } from "../../../durable-objects/team-ledger";
import type { Principal } from "../../auth/principal";
import { hashToken } from "../../crypto/tokens";
import type { RequestContext } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { newId } from "../../platform/ids";
import { iso } from "../../platform/iso-time";
import { logger } from "../../platform/logger";
import { commit } from "../../platform/unit-of-work";
import { defaultBilling, moneyMessage } from "./billing";
import { MAX_AMOUNT_MICROS, microsToUsd, usdToMicros, utcMonth } from "./money";
import { sendSpendWarnings } from "./spend-warnings";
import {
  type BillingRow,
  billingOf,
  ledgerPage,
  ledgerSum,
  usageByKey,
  warningsOf,
  writeLedgerRow,
} from "./store";

/** The team's ledger object (one per team). */
export function teamLedger(ctx: RequestContext, teamId: string) {
  return ctx.env.TEAM_LEDGER.get(ctx.env.TEAM_LEDGER.idFromName(teamId));
}

export interface UsageAnswer {
  id: string;
  monthToDateUsd: number;
  capUsd: number | null;
  remainingUsd: number | null;
}

function answer(id: string, monthToDate: number, cap: number | null): UsageAnswer {
  return {
    id,
    monthToDateUsd: microsToUsd(monthToDate),
    capUsd: cap === null ? null : microsToUsd(cap),
    remainingUsd: cap === null ? null : microsToUsd(Math.max(0, cap - monthToDate)),
  };
}

function fingerprint(amountMicros: number, description: string): Promise<string> {
  return hashToken(`usage:${amountMicros}:${description}`);
}

const conflict = () => new AuthError("idempotency_conflict");

/**
 * POST /teams/:teamId/usage (`usage:write`): records spend under the request's Idempotency-Key.
 *
 * 1. One D1 batch reads the team's limits and any ledger row the key already has. A row of an earlier month
 *    answers from D1 (the ledger object only remembers the current month's keys).
 * 2. The team's TeamLedger checks and adds atomically with the current limits: a known key answers its first
 *    result; beyond a hard cap → 402 `spend_cap_reached`.
 * 3. The ledger row is written to D1 (idempotent) and confirmed to the object. If D1 fails, the object keeps
 *    the record pending and its alarm writes it: the answer stays 201, the total already holds the charge.
 * 4. Warnings due (warnAtPercent, 100 %) are mailed once per month (spend-warnings.ts).
 */
export async function recordUsage(
  ctx: RequestContext,
  input: { auth: Principal; teamId: string; idempotencyKey: string; amountUsd: number; description: string },
): Promise<{ answer: UsageAnswer; replayed: boolean }> {
  const { teamId, idempotencyKey, description } = input;
  const parsed = usdToMicros(input.amountUsd, { max: MAX_AMOUNT_MICROS });
  if (!parsed.ok) throw AuthError.validation([{ path: "amountUsd", ...moneyMessage(parsed.reason) }]);
  const amountMicros = parsed.micros;
  const print = await fingerprint(amountMicros, description);
  const now = ctx.now();
  const [[billingRow], [known]] = await ctx.db.batch([
    billingOf(ctx.db, teamId),
    usageByKey(ctx.db, teamId, idempotencyKey),
  ]);
  const billing = billingRow ?? defaultBilling(teamId);
  if (known && known.month < utcMonth(now)) {
    if ((await fingerprint(known.amountMicros, known.description)) !== print) throw conflict();
    return { answer: answer(known.id, known.monthToDateMicros, billing.monthlyCapMicros), replayed: true };
  }

  const ledger = teamLedger(ctx, teamId);
  const result: ChargeResult = await ledger.charge({
    teamId,
    idempotencyKey,
    fingerprint: print,
    amountMicros,
    description,
    capMicros: billing.monthlyCapMicros,
    hardStop: billing.hardStop,
    warnAtPercent: billing.warnAtPercent,
    recordId: newId(ctx.random),
    actorId: input.auth.userId,
    apiKeyId: input.auth.apiKeyId,
    now,
  });
  switch (result.outcome) {
    case "conflict":
      throw conflict();
    case "overflow":
      throw AuthError.validation([{ path: "amountUsd", ...moneyMessage("too_large") }]);
    case "refused":
      await refused(ctx, { teamId, billing, result, amountMicros, auth: input.auth });
      throw new AuthError("spend_cap_reached", {
        internal: { monthToDateMicros: result.monthToDateMicros, capMicros: result.capMicros },
      });
    case "recorded":
      break;
  }

  const { entry } = result;
  const confirmed: string[] = [];
  if (entry.pending) {
    const stored = await persist(ctx, entry);
    if (stored === "written") confirmed.push(idempotencyKey);
    else if (stored !== "failed") {
      // D1 holds this key for another record (first used in an earlier month): that record is the answer.
      await ledger.revert({ idempotencyKey, recordId: entry.recordId });
      if ((await fingerprint(stored.amountMicros, stored.description)) !== print) throw conflict();
      return {
        answer: answer(stored.id, stored.monthToDateMicros, billing.monthlyCapMicros),
        replayed: true,
      };
    }
  }
  const warned = await sendSpendWarnings(ctx, {
    teamId,
    month: entry.month,
    kinds: result.warnings,
    monthToDateMicros: entry.monthToDateMicros,
    billing,
  });
  if (confirmed.length > 0 || warned.length > 0) {
    await ledger.settle({ confirmed, warned, month: entry.month }).catch((error: unknown) => {
      // Harmless: the entry stays pending (the alarm confirms it), a warning kind is asked for again.
      logger.warn("ledger settle failed", { teamId, error });
    });
  }
  return {
    answer: answer(entry.recordId, entry.monthToDateMicros, entry.capMicros),
    replayed: result.replayed,
  };
}

/** Writes the ledger row; the D1 row of another record holding the key, or `failed` (left to the alarm). */
async function persist(ctx: RequestContext, entry: LedgerEntry) {
  try {
    if ((await writeLedgerRow(ctx.db, entry)) === "written") return "written" as const;
    const [other] = await usageByKey(ctx.db, entry.teamId, entry.idempotencyKey);
    return other ?? ("failed" as const);
  } catch (error) {
    logger.error("usage ledger row not written; the team ledger's alarm retries", {
      teamId: entry.teamId,
      recordId: entry.recordId,
      error,
    });
    return "failed" as const;
  }
}

/** A hard-stop refusal: audited once per month and cap, the `cap` warning sent if not yet. */
async function refused(
  ctx: RequestContext,
  input: {
    teamId: string;
    billing: BillingRow;
    result: Extract<ChargeResult, { outcome: "refused" }>;
    amountMicros: number;
    auth: Principal;
  },
) {
  const { teamId, result } = input;
  if (result.firstRefusal) {
    await commit(ctx, {
      audit: {
        action: "usage.cap_reached",
        actorId: input.auth.userId,
        teamId,
        target: { type: "team", id: teamId },
        metadata: {
          month: result.month,
          monthToDateMicros: result.monthToDateMicros,
          capMicros: result.capMicros,
          refusedMicros: input.amountMicros,
          ...(input.auth.apiKeyId ? { apiKeyId: input.auth.apiKeyId } : {}),
        },
      },
    });
  }
  const warned = await sendSpendWarnings(ctx, {
    teamId,
    month: result.month,
    kinds: result.warnings,
    monthToDateMicros: result.monthToDateMicros,
    billing: input.billing,
  });
  if (warned.length > 0) {
    await teamLedger(ctx, teamId)
      .settle({ warned, month: result.month })
      .catch((error: unknown) => logger.warn("ledger settle failed", { teamId, error }));
  }
}

/** `?cursor=` of the ledger: `<createdAt>.<id>` of the last item of the previous page. */
function parseCursor(cursor: string | undefined): { createdAt: number; id: string } | null {
  const m = cursor ? /^(\d{1,15})\.([0-9a-f-]{36})$/.exec(cursor) : null;
  if (cursor && !m) throw AuthError.validation([{ path: "cursor", message: "Not a cursor of this list." }]);
  return m ? { createdAt: Number(m[1]), id: m[2] as string } : null;
}

/**
 * GET /teams/:teamId/usage (`billing:read`): a month's spend (default the current UTC month): its total — the
 * ledger object's for the current month, the D1 ledger's sum for a past one — the cap and what remains, the
 * warnings sent, and the ledger items newest first (`{ items, nextCursor }`, keyset-paged).
 */
export async function usageReport(
  ctx: RequestContext,
  input: { teamId: string; month?: string; cursor?: string; limit: number },
) {
  const { teamId } = input;
  const after = parseCursor(input.cursor);
  const snapshot = await teamLedger(ctx, teamId).snapshot(ctx.now());
  const month = input.month ?? snapshot.month;
  const current = month === snapshot.month;
  const [[billingRow], warnings, rows, sum] = await Promise.all([
    billingOf(ctx.db, teamId),
    warningsOf(ctx.db, teamId, month),
    ledgerPage(ctx.db, { teamId, month, after, limit: input.limit }),
    current ? undefined : ledgerSum(ctx.db, teamId, month),
  ]);
  const billing = billingRow ?? defaultBilling(teamId);
  const page = rows.slice(0, input.limit);
  const last = page.at(-1);
  const monthToDate = current ? snapshot.monthToDateMicros : Number(sum?.total ?? 0);
  const totals = answer("", monthToDate, billing.monthlyCapMicros);
  return {
    month,
    monthToDateUsd: totals.monthToDateUsd,
    capUsd: totals.capUsd,
    remainingUsd: current ? totals.remainingUsd : null,
    hardStop: billing.hardStop,
    warnAtPercent: billing.warnAtPercent,
    warnings: warnings.map((w) => ({ kind: w.kind, sentAt: iso(w.sentAt) as string })),
    items: page.map((r) => ({
      id: r.id,
      amountUsd: microsToUsd(r.amountMicros),
      description: r.description,
      monthToDateUsd: microsToUsd(r.monthToDateMicros),
      actorId: r.actorId,
      apiKeyId: r.apiKeyId,
      createdAt: iso(r.createdAt) as string,
    })),
    nextCursor: rows.length > input.limit && last ? `${last.createdAt}.${last.id}` : null,
  };
}
