import { DurableObject } from "cloudflare:workers";
import { hashToken } from "../src/crypto/tokens";

/** A session holding (or sharing) the user's live slot. */
export interface LiveSession {
  sessionId: string;
  expiresAt: number;
  claimedAt: number;
}

/**
 * `replaced`: the session that held the slot before this claim and must now be revoked by the caller — the
 * unexpired holder when `replace` was given, otherwise an expired holder (dead already, returned so the caller
 * can clean up its refresh family), otherwise `null`; always `null` when `allowMultiple`.
 * `evicted`: every session id this claim dropped from the gate (`replaced` included, and any other expired or
 * replaced record, e.g. several left from a time when `allowMultiple` was on) — revoke them all.
 */
export type ClaimResult =
  | { granted: true; replaced: string | null; evicted: string[] }
  | { granted: false; live: LiveSession };

export interface ClaimOptions {
  /** Take the slot from an unexpired holder (the user approved ending the other session). */
  replace: boolean;
  /** The team/deployment allows several sessions: record this one, never refuse, never replace. */
  allowMultiple: boolean;
  /**
   * With `replace`: take the slot only if this session still holds it (compare-and-swap). The caller decided
   * to replace a particular session (it was found dead, or the user chose to end it); if another login took
   * the slot in between, the claim is refused with the new holder instead of silently replacing that one.
   */
  expectedHolder?: string;
}

interface SessionRecord {
  expiresAt: number;
  claimedAt: number;
}

interface DecisionRecord {
  payload: Record<string, unknown>;
  expiresAt: number;
}

const SESSION_PREFIX = "s:";
const DECISION_PREFIX = "d:";

/**
 * The single authority on which session of one user is live: one instance per user (`idFromName(userId)`).
 * Single-session enforcement needs a check-and-set that two logins racing each other cannot
 * both pass; KV is eventually consistent and D1 has no interactive transactions, so only a Durable Object can
 * give it. The DO's input gate delivers the calls one at a time while storage is read or written, and every
 * method here reads and changes its in-memory state with no `await` in between (storage writes come after
 * the decision; the output gate holds the answer back until they are durable). Together that is what makes
 * two racing claims unable to both win, and a decision token unable to be taken twice.
 *
 * All times are epoch milliseconds from the caller's injected clock (never `Date.now()` here), so tests can
 * move time. The only exception is `alarm()`, which has no caller: it uses its own scheduled time.
 */
export class UserSessionGate extends DurableObject {
  #sessions = new Map<string, SessionRecord>();
  /** Keyed by the SHA-256 of the decision id: a decision id is a bearer secret, never stored in clear. */
  #decisions = new Map<string, DecisionRecord>();
  #alarmAt: number | null = null;

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    // Load everything once, before the first call: the methods then decide synchronously from memory.
    void ctx.blockConcurrencyWhile(async () => {
      const sessions = await ctx.storage.list<SessionRecord>({ prefix: SESSION_PREFIX });
      for (const [key, record] of sessions) this.#sessions.set(key.slice(SESSION_PREFIX.length), record);
      const decisions = await ctx.storage.list<DecisionRecord>({ prefix: DECISION_PREFIX });
      for (const [key, record] of decisions) this.#decisions.set(key.slice(DECISION_PREFIX.length), record);
      this.#alarmAt = await ctx.storage.getAlarm();
    });
  }

  /**
   * Claims the user's single live slot for a new session (re-claiming one's own id just updates its expiry).
   * Another unexpired holder: `replace: false` → refused with that holder (nothing changes); `replace: true` →
   * granted, the holder is `replaced`. An expired holder is replaced without asking and still reported in
   * `replaced`. With `allowMultiple` the slot is not exclusive: always granted, `replaced` is `null`, but the
   * session is recorded, so switching back to one session later still sees it.
   */
  async claim(
    sessionId: string,
    expiresAt: number,
    now: number,
    options: ClaimOptions,
  ): Promise<ClaimResult> {
    if (expiresAt <= now) throw new TypeError("a session must expire after it is claimed");
    const expired: string[] = [];
    const holders: string[] = [];
    for (const [id, record] of this.#newestFirst()) {
      if (id === sessionId) continue;
      (record.expiresAt <= now ? expired : holders).push(id);
    }
    const [holder] = holders;
    const refuse =
      holder !== undefined &&
      (!options.replace || (options.expectedHolder !== undefined && options.expectedHolder !== holder));
    if (!options.allowMultiple && refuse) {
      const record = this.#sessions.get(holder) as SessionRecord;
      return {
        granted: false,
        live: { sessionId: holder, expiresAt: record.expiresAt, claimedAt: record.claimedAt },
      };
    }
    const evicted = options.allowMultiple ? expired : [...holders, ...expired];
    for (const id of evicted) this.#sessions.delete(id);
    const record: SessionRecord = { expiresAt, claimedAt: now };
    this.#sessions.delete(sessionId);
    this.#sessions.set(sessionId, record);
    // Decided above; the writes below only persist it (the output gate holds the answer until they land).
    if (evicted.length > 0) await this.ctx.storage.delete(evicted.map((id) => SESSION_PREFIX + id));
    await this.ctx.storage.put(SESSION_PREFIX + sessionId, record);
    const replaced = options.allowMultiple ? null : (holder ?? expired[0] ?? null);
    return { granted: true, replaced, evicted };
  }

  /**
   * The live session, or `null`; expired records are dropped. With several recorded (`allowMultiple`), the
   * most recently claimed one.
   */
  async live(now: number): Promise<LiveSession | null> {
    let live: LiveSession | null = null;
    const expired: string[] = [];
    for (const [id, record] of this.#newestFirst()) {
      if (record.expiresAt <= now) expired.push(id);
      else live ??= { sessionId: id, expiresAt: record.expiresAt, claimedAt: record.claimedAt };
    }
    for (const id of expired) this.#sessions.delete(id);
    if (expired.length > 0) await this.ctx.storage.delete(expired.map((id) => SESSION_PREFIX + id));
    return live;
  }

  /** A session ended (logout, revocation, replaced elsewhere): frees the slot if it holds it. Idempotent. */
  async release(sessionId: string): Promise<void> {
    if (!this.#sessions.delete(sessionId)) return;
    await this.ctx.storage.delete(SESSION_PREFIX + sessionId);
  }

  /**
   * Records a pending concurrent-login decision (the 409 `concurrent_session` flow) under a random id chosen
   * by the caller, valid until `expiresAt`. Stored under the id's SHA-256 only (a leaked row cannot be replayed,
   * ASVS V3.5). Reusing an open id is a programming error.
   */
  async openDecision(decisionId: string, payload: Record<string, unknown>, expiresAt: number): Promise<void> {
    const key = await hashToken(decisionId);
    if (this.#decisions.has(key)) throw new TypeError("this decision id is already open");
    const record: DecisionRecord = { payload, expiresAt };
    this.#decisions.set(key, record);
    await this.ctx.storage.put(DECISION_PREFIX + key, record);
    await this.#scheduleSweep(expiresAt);
  }

  /**
   * Takes (consumes) a decision exactly once: its payload, or `null` when unknown, expired or already taken.
   * The lookup and removal happen together, with no `await` between them, so two parallel takes (a double
   * click, a replayed link) cannot both get the payload.
   */
  async takeDecision(decisionId: string, now: number): Promise<Record<string, unknown> | null> {
    const key = await hashToken(decisionId);
    const record = this.#decisions.get(key);
    if (!record) return null;
    this.#decisions.delete(key);
    await this.ctx.storage.delete(DECISION_PREFIX + key);
    return record.expiresAt > now ? record.payload : null;
  }

  /**
   * Sweeps what expired by the time this alarm was scheduled for (the platform's clock decides when it fires;
   * the scheduled time is the "now" no caller can give here), then re-arms for the next open decision.
   * Alarms follow decisions only: a session record is one small row and is dropped lazily by `claim`/`live`.
   */
  override async alarm(info?: AlarmInvocationInfo): Promise<void> {
    const now = info?.scheduledTime ?? this.#alarmAt ?? (await this.ctx.storage.getAlarm());
    this.#alarmAt = null;
    if (now === null) return;
    const keys: string[] = [];
    for (const [key, record] of this.#decisions) {
      if (record.expiresAt <= now) {
        this.#decisions.delete(key);
        keys.push(DECISION_PREFIX + key);
      }
    }
    for (const [id, record] of this.#sessions) {
      if (record.expiresAt <= now) {
        this.#sessions.delete(id);
        keys.push(SESSION_PREFIX + id);
      }
    }
    if (keys.length > 0) await this.ctx.storage.delete(keys);
    let next = Number.POSITIVE_INFINITY;
    for (const record of this.#decisions.values()) next = Math.min(next, record.expiresAt);
    if (next !== Number.POSITIVE_INFINITY) await this.#scheduleSweep(next);
  }

  /** Recorded sessions, most recently claimed first. */
  #newestFirst(): [string, SessionRecord][] {
    return [...this.#sessions].reverse().sort(([, a], [, b]) => b.claimedAt - a.claimedAt);
  }

  async #scheduleSweep(at: number): Promise<void> {
    if (this.#alarmAt !== null && this.#alarmAt <= at) return;
    this.#alarmAt = at;
    await this.ctx.storage.setAlarm(at);
  }
}
