import { DurableObject } from "cloudflare:workers";
import { getDb } from "../src/db/client";
import { writeLedgerRow } from "../src/features/plans/store";
import {
  type BudgetCounter,
  type BudgetLine,
  counterKey,
  decideSpend,
  type SpendDecision,
} from "../src/features/team-budgets/windows";

/** A spend warning of the month: `warn` at warnAtPercent of the cap, `cap` at 100 % (or a hard-stop refusal). */
export type WarningKind = "warn" | "cap";

/** One recorded usage, as the D1 ledger row will hold it (plus the cap it was checked against). */
export interface LedgerEntry {
  recordId: string;
  teamId: string;
  idempotencyKey: string;
  month: string;
  amountMicros: number;
  description: string;
  monthToDateMicros: number;
  capMicros: number | null;
  actorId: string | null;
  apiKeyId: string | null;
  createdAt: number;
  /** Not yet confirmed in D1 (the request's own write or the alarm's retry will do it). */
  pending: boolean;
}

export interface ChargeInput {
  teamId: string;
  idempotencyKey: string;
  /** SHA-256 of the amount and description: the same key with another body is a conflict. */
  fingerprint: string;
  amountMicros: number;
  description: string;
  /** The team's current limits, read from D1 by the caller for this very request. */
  capMicros: number | null;
  hardStop: boolean;
  warnAtPercent: number;
  recordId: string;
  actorId: string | null;
  apiKeyId: string | null;
  /** The caller's injected clock: the UTC month rolls over with it. */
  now: number;
}

export type ChargeResult =
  | { outcome: "recorded"; entry: LedgerEntry; replayed: boolean; warnings: WarningKind[] }
  | {
      outcome: "refused";
      month: string;
      monthToDateMicros: number;
      capMicros: number;
      /** The first refusal at this cap this month (audited once, not per refused call). */
      firstRefusal: boolean;
      warnings: WarningKind[];
    }
  | { outcome: "conflict" }
  | { outcome: "overflow" };

export interface LedgerSnapshot {
  month: string;
  monthToDateMicros: number;
}

interface EntryRow extends Record<string, SqlStorageValue> {
  record_id: string;
  team_id: string;
  idempotency_key: string;
  month: string;
  fingerprint: string;
  amount: number;
  description: string;
  mtd: number;
  cap: number | null;
  actor_id: string | null;
  api_key_id: string | null;
  created_at: number;
  pending: number;
}

/** How long after a write the alarm looks for rows D1 has not confirmed, and how long between its retries. */
const FLUSH_DELAY_MS = 30_000;

function utcMonth(now: number): string {
  return new Date(now).toISOString().slice(0, 7);
}

/** An error's message with its causes' (drizzle wraps the D1 error). */
function errorText(error: unknown): string {
  const parts: string[] = [];
  for (let e = error, i = 0; e && i < 4; i++) {
    parts.push(e instanceof Error ? e.message : String(e));
    e = e instanceof Error ? e.cause : undefined;
  }
  return parts.join(" | ");
}

function toEntry(r: EntryRow): LedgerEntry {
  return {
    recordId: r.record_id,
    teamId: r.team_id,
    idempotencyKey: r.idempotency_key,
    month: r.month,
    amountMicros: r.amount,
    description: r.description,
    monthToDateMicros: r.mtd,
    capMicros: r.cap,
    actorId: r.actor_id,
    apiKeyId: r.api_key_id,
    createdAt: r.created_at,
    pending: r.pending === 1,
  };
}

/**
 * A team's month-to-date spend (one instance per team, `idFromName(teamId)`): the one place a hard cap is
 * checked, so parallel usage can never overshoot it. D1 has no interactive transactions and KV is eventually
 * consistent; a Durable Object runs one call at a time, and every method here decides from its SQLite storage
 * with synchronous `sql.exec` and no `await` between the check and the add — two racing charges cannot both
 * see the old total. The output gate holds each answer until its write is durable.
 *
 * The object also remembers the month's idempotency keys (a repeated key answers its first result and counts
 * once) and keeps each record `pending` until D1 confirms its ledger row: the request writes the row and
 * confirms; if that fails, the alarm writes it (the row's id is fixed here, the insert is idempotent), so a
 * charge the total holds is never missing from the ledger for long, and never in it twice.
 *
 * Times come from the caller's injected clock; only the alarm, which has no caller, uses the real one.
 */
export class TeamLedger extends DurableObject {
  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    ctx.storage.sql.exec(`
      CREATE TABLE IF NOT EXISTS ledger (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        month TEXT NOT NULL,
        total INTEGER NOT NULL,
        warned TEXT NOT NULL DEFAULT '',
        refused_cap INTEGER
      );
      CREATE TABLE IF NOT EXISTS entries (
        idempotency_key TEXT PRIMARY KEY,
        record_id TEXT NOT NULL,
        team_id TEXT NOT NULL,
        month TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        amount INTEGER NOT NULL,
        description TEXT NOT NULL,
        mtd INTEGER NOT NULL,
        cap INTEGER,
        actor_id TEXT,
        api_key_id TEXT,
        created_at INTEGER NOT NULL,
        pending INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS entries_pending ON entries (pending) WHERE pending = 1;
      CREATE TABLE IF NOT EXISTS budgets (
        budget TEXT NOT NULL,
        span TEXT NOT NULL,
        start INTEGER NOT NULL,
        used INTEGER NOT NULL,
        notified INTEGER NOT NULL,
        PRIMARY KEY (budget, span)
      );
    `);
  }

  /**
   * Checks and adds one charge atomically. A known key answers its first result (`replayed`), or `conflict`
   * when the body differs. With a hard stop, a charge that would take the total beyond the cap is refused and
   * not remembered (the client may retry the same key after raising the limit). `warnings`: the kinds whose
   * threshold the total has reached and that this object has not yet seen settled for the month.
   */
  charge(input: ChargeInput): ChargeResult {
    const state = this.#roll(input.now);
    const known = this.#entry(input.idempotencyKey);
    if (known) {
      if (known.fingerprint !== input.fingerprint) return { outcome: "conflict" };
      return { outcome: "recorded", entry: toEntry(known), replayed: true, warnings: [] };
    }
    const total = state.total + input.amountMicros;
    if (!Number.isSafeInteger(total)) return { outcome: "overflow" };
    if (input.hardStop && input.capMicros !== null && total > input.capMicros) {
      const firstRefusal = state.refusedCap !== input.capMicros;
      if (firstRefusal) {
        this.ctx.storage.sql.exec("UPDATE ledger SET refused_cap = ? WHERE id = 1", input.capMicros);
      }
      return {
        outcome: "refused",
        month: state.month,
        monthToDateMicros: state.total,
        capMicros: input.capMicros,
        firstRefusal,
        warnings: state.warned.includes("cap") ? [] : ["cap"],
      };
    }
    const row: EntryRow = {
      record_id: input.recordId,
      team_id: input.teamId,
      idempotency_key: input.idempotencyKey,
      month: state.month,
      fingerprint: input.fingerprint,
      amount: input.amountMicros,
      description: input.description,
      mtd: total,
      cap: input.capMicros,
      actor_id: input.actorId,
      api_key_id: input.apiKeyId,
      created_at: input.now,
      pending: 1,
    };
    this.ctx.storage.sql.exec("UPDATE ledger SET total = ? WHERE id = 1", total);
    this.ctx.storage.sql.exec(
      `INSERT INTO entries (${Object.keys(row).join(", ")}) VALUES (${Object.keys(row)
        .map(() => "?")
        .join(", ")})`,
      ...Object.values(row),
    );
    void this.#scheduleFlush();
    return {
      outcome: "recorded",
      entry: toEntry(row),
      replayed: false,
      warnings: this.#dueWarnings(state.warned, total, input),
    };
  }

  /**
   * After the request's own D1 writes: `confirmed` ledger rows are in D1 (no longer pending); `warned` kinds
   * are recorded in D1's spend_warnings for `month` (sent now or earlier), so later charges stop asking.
   */
  settle(input: { confirmed?: string[]; warned?: WarningKind[]; month: string }): void {
    for (const key of input.confirmed ?? []) {
      this.ctx.storage.sql.exec("UPDATE entries SET pending = 0 WHERE idempotency_key = ?", key);
    }
    const state = this.#state();
    if (input.warned?.length && state?.month === input.month) {
      const warned = [...new Set([...state.warned, ...input.warned])].join(",");
      this.ctx.storage.sql.exec("UPDATE ledger SET warned = ? WHERE id = 1", warned);
    }
  }

  /**
   * Undoes a charge whose key D1 already holds for another record (a key first used in an earlier month whose
   * entry this object had already forgotten): the amount leaves the total, the entry is dropped.
   */
  revert(input: { idempotencyKey: string; recordId: string }): void {
    const entry = this.#entry(input.idempotencyKey);
    if (!entry || entry.record_id !== input.recordId) return;
    this.ctx.storage.sql.exec("DELETE FROM entries WHERE idempotency_key = ?", input.idempotencyKey);
    this.ctx.storage.sql.exec(
      "UPDATE ledger SET total = max(0, total - ?) WHERE id = 1 AND month = ?",
      entry.amount,
      entry.month,
    );
  }

  /** The month-to-date total at `now` (a new month reads 0). */
  snapshot(now: number): LedgerSnapshot {
    const state = this.#roll(now);
    return { month: state.month, monthToDateMicros: state.total };
  }

  /**
   * The team's abuse budgets (features/team-budgets): checks and counts one charge, all or nothing, in the same
   * synchronous step (no `await` between the read and the write: racing charges cannot both pass the limit,
   * and exactly one refusal per window is told to notify). `lines` carry the plan's limits of this request.
   */
  spendBudgets(input: { lines: BudgetLine[]; now: number }): SpendDecision {
    const { decision, counters } = decideSpend(this.#budgetCounters(), input.lines, input.now);
    for (const c of counters) {
      this.ctx.storage.sql.exec(
        "INSERT OR REPLACE INTO budgets (budget, span, start, used, notified) VALUES (?, ?, ?, ?, ?)",
        c.budget,
        c.span,
        c.start,
        c.used,
        c.notified ? 1 : 0,
      );
    }
    return decision;
  }

  /** The budget counters as stored (a counter of a past window is the caller's to read as unused). */
  budgetCounters(): BudgetCounter[] {
    return [...this.#budgetCounters().values()];
  }

  #budgetCounters(): Map<string, BudgetCounter> {
    const rows = this.ctx.storage.sql
      .exec<{ budget: string; span: string; start: number; used: number; notified: number }>(
        "SELECT budget, span, start, used, notified FROM budgets",
      )
      .toArray();
    const counters = rows.map((r) => ({ ...r, notified: r.notified === 1 }) as BudgetCounter);
    return new Map(counters.map((c) => [counterKey(c), c]));
  }

  /** Entries D1 has not confirmed yet (tests and operators). */
  pendingEntries(): LedgerEntry[] {
    return this.ctx.storage.sql
      .exec<EntryRow>("SELECT * FROM entries WHERE pending = 1 ORDER BY created_at")
      .toArray()
      .map(toEntry);
  }

  /** Writes every pending entry to D1 (idempotent insert); retried by the next alarm until all are confirmed. */
  override async alarm(): Promise<void> {
    const db = getDb(this.env.DB);
    let failed = false;
    for (const entry of this.pendingEntries()) {
      try {
        const written = await writeLedgerRow(db, entry);
        if (written === "other_record") this.revert(entry);
        else this.settle({ confirmed: [entry.idempotencyKey], month: entry.month });
      } catch (error) {
        // The team was deleted (its ledger rows cascade away): nothing is left to bill, forget the entry.
        if (/FOREIGN KEY constraint failed/i.test(errorText(error))) {
          this.ctx.storage.sql.exec("DELETE FROM entries WHERE idempotency_key = ?", entry.idempotencyKey);
        } else failed = true;
      }
    }
    if (failed) await this.ctx.storage.setAlarm(Date.now() + FLUSH_DELAY_MS * 2);
  }

  #state(): { month: string; total: number; warned: string[]; refusedCap: number | null } | undefined {
    const row = this.ctx.storage.sql
      .exec<{ month: string; total: number; warned: string; refused_cap: number | null }>(
        "SELECT month, total, warned, refused_cap FROM ledger WHERE id = 1",
      )
      .toArray()[0];
    if (!row) return undefined;
    return {
      month: row.month,
      total: row.total,
      warned: row.warned ? row.warned.split(",") : [],
      refusedCap: row.refused_cap,
    };
  }

  /**
   * The state for the month of `now`. A later month starts from 0 with no warnings and forgets the settled
   * keys of earlier months (pending ones stay until D1 has them). The month never moves backwards: a caller
   * whose clock lags counts into the newest month seen.
   */
  #roll(now: number) {
    const month = utcMonth(now);
    const state = this.#state();
    if (!state) {
      this.ctx.storage.sql.exec("INSERT INTO ledger (id, month, total) VALUES (1, ?, 0)", month);
      return { month, total: 0, warned: [] as string[], refusedCap: null };
    }
    if (month <= state.month) return state;
    this.ctx.storage.sql.exec(
      "UPDATE ledger SET month = ?, total = 0, warned = '', refused_cap = NULL WHERE id = 1",
      month,
    );
    this.ctx.storage.sql.exec("DELETE FROM entries WHERE month < ? AND pending = 0", month);
    return { month, total: 0, warned: [] as string[], refusedCap: null };
  }

  #entry(key: string): EntryRow | undefined {
    return this.ctx.storage.sql
      .exec<EntryRow>("SELECT * FROM entries WHERE idempotency_key = ?", key)
      .toArray()[0];
  }

  #dueWarnings(warned: readonly string[], total: number, input: ChargeInput): WarningKind[] {
    if (input.capMicros === null) return [];
    const due: WarningKind[] = [];
    const warnAt = Math.ceil((input.capMicros * input.warnAtPercent) / 100);
    if (total >= warnAt && !warned.includes("warn")) due.push("warn");
    if (total >= input.capMicros && !warned.includes("cap")) due.push("cap");
    return due;
  }

  async #scheduleFlush(): Promise<void> {
    if ((await this.ctx.storage.getAlarm()) === null) {
      await this.ctx.storage.setAlarm(Date.now() + FLUSH_DELAY_MS);
    }
  }
}
