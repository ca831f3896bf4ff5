import type { BatchItem, BatchResponse } from "../db/client";
import { type AuditEvent, auditStatement, rollupStatements, writeAnalyticsPoints } from "./audit";
import { outboxDeps, type RequestContext } from "./context";
import { logger } from "./logger";
import { countAudited } from "./metrics";
import { dispatchEmails, type PreparedEmail } from "./outbox";

/**
 * What must happen once a change is committed, outside D1: an edge revocation record in KV, a Durable Object
 * call, a queue dispatch. `critical` effects guard security (an access token must die at once): when one fails,
 * the request fails after every other effect has run; the others are logged and left to their own recovery
 * (the outbox sweep resends mails, D1 decides single-session liveness anyway).
 */
export interface AfterCommit {
  name: string;
  critical?: boolean;
  run: () => Promise<unknown>;
}

type Statement = BatchItem<"sqlite">;

/**
 * A condition the batch itself re-checks after the writes (e.g. a plan limit): its statement inserts into
 * `commit_guards` when the condition is broken, which fails the CHECK and rolls the whole batch back; `commit`
 * then throws `error()` instead of the database error. Races between the check before and the commit are closed.
 */
export interface CommitGuard {
  statement: Statement;
  error: () => Error;
}

/** True when a batch failed on a `commit_guards` insert (the CHECK `commit_guard_failed`). */
function isGuardFailure(error: unknown): boolean {
  for (let e: unknown = error, i = 0; e instanceof Error && i < 4; e = e.cause, i++) {
    if (e.message.includes("commit_guard_failed")) return true;
  }
  return false;
}

export interface Work<T extends readonly Statement[]> {
  /** The change itself; their results come back in this order. */
  writes?: T;
  /** A condition re-checked inside the batch, after the writes (see CommitGuard). */
  guard?: CommitGuard | undefined;
  /** Audit entries of the change (written in the same batch: no change without its audit, and vice versa). */
  audit?: AuditEvent | readonly AuditEvent[];
  /** Mails the change causes: outbox rows in the same batch, dispatched to the queue after the commit. */
  mails?: readonly (PreparedEmail | null | undefined)[];
  /** After-commit effects, in order; a function gets the writes' results (e.g. the rows a revocation hit). */
  after?: readonly AfterCommit[] | ((results: BatchResponse<T>) => readonly AfterCommit[]);
}

/**
 * The unit of work of every service: collect the writes, their audit entries and outbox mails, commit them in
 * one D1 batch (atomic; D1 has no interactive transactions), then run the after-commit effects — the mails'
 * dispatch last. One failure policy everywhere: a failed batch commits nothing and throws; after-commit effects
 * are all attempted, failures logged, and the first failure of a critical one rethrown.
 */
export async function commit<const T extends readonly Statement[] = []>(
  ctx: RequestContext,
  work: Work<T>,
): Promise<BatchResponse<T>> {
  const writes = (work.writes ?? []) as readonly Statement[];
  const audits = work.audit === undefined ? [] : Array.isArray(work.audit) ? work.audit : [work.audit];
  const mails = (work.mails ?? []).filter((m): m is PreparedEmail => Boolean(m));
  const statements: Statement[] = [
    ...writes,
    ...(work.guard ? [work.guard.statement] : []),
    ...audits.map((event: AuditEvent) => auditStatement(ctx, event)),
    ...audits.flatMap((event: AuditEvent) => rollupStatements(ctx, event)),
    ...mails.map((m) => m.statement),
  ];
  const [first, ...rest] = statements;
  let all: unknown[] = [];
  try {
    all = first ? await ctx.db.batch([first, ...rest]) : [];
  } catch (error) {
    if (work.guard && isGuardFailure(error)) throw work.guard.error();
    throw error;
  }
  const results = all.slice(0, writes.length) as BatchResponse<T>;
  writeAnalyticsPoints(ctx.env.ANALYTICS, audits);
  countAudited(audits.map((event: AuditEvent) => event.action));
  const effects = typeof work.after === "function" ? work.after(results) : (work.after ?? []);
  await runAfterCommit(ctx, [
    ...effects,
    ...(mails.length > 0
      ? [
          {
            name: "email.dispatch",
            run: () =>
              dispatchEmails(
                outboxDeps(ctx),
                mails.map((m) => m.message),
              ),
          },
        ]
      : []),
  ]);
  return results;
}

/** Runs after-commit effects with the unit of work's failure policy (see `commit`). */
export async function runAfterCommit(_ctx: RequestContext, effects: readonly AfterCommit[]): Promise<void> {
  let failure: unknown;
  for (const effect of effects) {
    try {
      await effect.run();
    } catch (error) {
      logger.error("after-commit effect failed", {
        effect: effect.name,
        critical: Boolean(effect.critical),
        error,
      });
      if (effect.critical && failure === undefined) failure = error;
    }
  }
  if (failure !== undefined) throw failure;
}
