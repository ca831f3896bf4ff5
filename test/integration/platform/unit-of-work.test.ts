import { env } from "cloudflare:test";
import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { insertAuditLog } from "../../../src/db/audit-logs";
import { auditLogs, commitGuards } from "../../../src/db/tables";
import { findOutbox } from "../../../src/email/store";
import { parseConfig } from "../../../src/platform/config";
import { createContext, outboxDeps, type RequestContext } from "../../../src/platform/context";
import { defaultDeps } from "../../../src/platform/deps";
import { prepareEmail } from "../../../src/platform/outbox";
import { commit } from "../../../src/platform/unit-of-work";
import { uniqueEmail } from "../../support/helpers";

/**
 * The unit of work every service writes through (src/platform/unit-of-work.ts), against the real D1 and queue:
 * one batch for the change, its audit and its mails; after-commit effects only after a commit, with one
 * failure policy.
 */
function context(overrides: Partial<typeof env> = {}): RequestContext {
  const parsed = parseConfig(env);
  if (!parsed.ok) throw new Error("test config invalid");
  return createContext(defaultDeps, { env: { ...env, ...overrides }, config: parsed.config });
}

const marker = () => crypto.randomUUID();

function auditRow(ctx: RequestContext, id: string) {
  return insertAuditLog(ctx.db, {
    id,
    at: ctx.now(),
    actorId: null,
    action: "auth.rate_limited",
    targetType: null,
    targetId: null,
    teamId: null,
    ip: null,
    userAgent: null,
    reason: null,
    metadata: "{}",
  });
}

async function auditWithReason(ctx: RequestContext, reason: string) {
  return ctx.db.select().from(auditLogs).where(eq(auditLogs.reason, reason));
}

describe("unit of work", () => {
  it("commits the writes and their audit entries in one batch and answers the writes' results in order", async () => {
    const ctx = context();
    const [a, b] = [marker(), marker()];
    const reason = marker();
    const results = await commit(ctx, {
      writes: [
        auditRow(ctx, a).returning({ id: auditLogs.id }),
        auditRow(ctx, b).returning({ id: auditLogs.id }),
      ],
      audit: { action: "auth.captcha_failed", reason },
    });
    expect(results).toEqual([[{ id: a }], [{ id: b }]]);
    const [audited] = await auditWithReason(ctx, reason);
    expect(audited?.action).toBe("auth.captcha_failed");
    expect(audited?.ip).toBe(null); // a background context: SYSTEM_CLIENT
  });

  it("a failed batch commits nothing — not the audit entries, not the mails — and runs no effect", async () => {
    const ctx = context();
    const id = marker();
    const reason = marker();
    const mail = await prepareEmail(outboxDeps(ctx), {
      template: "verify_email",
      to: uniqueEmail("uow"),
      data: { verifyUrl: "http://localhost/x", expiresHours: 24 },
    });
    let ran = false;
    await expect(
      commit(ctx, {
        writes: [auditRow(ctx, id), auditRow(ctx, id)], // the second insert violates the primary key
        audit: { action: "auth.captcha_failed", reason },
        mails: [mail],
        after: [
          {
            name: "test.effect",
            run: async () => {
              ran = true;
            },
          },
        ],
      }),
    ).rejects.toThrow();
    expect(await auditWithReason(ctx, reason)).toEqual([]);
    expect(await findOutbox(ctx.db, mail.message.id)).toBeUndefined();
    expect(ran).toBe(false);
  });

  it("runs every after-commit effect in order; only a critical failure fails the request, after the rest ran", async () => {
    const ctx = context();
    const order: string[] = [];
    const effect = (name: string, options: { fail?: boolean; critical?: boolean } = {}) => ({
      name,
      critical: options.critical,
      run: async () => {
        order.push(name);
        if (options.fail) throw new Error(`${name} failed`);
      },
    });
    await commit(ctx, {
      audit: { action: "auth.captcha_failed", reason: marker() },
      after: [effect("first", { fail: true }), effect("second")],
    });
    expect(order).toEqual(["first", "second"]);

    order.length = 0;
    const reason = marker();
    await expect(
      commit(ctx, {
        audit: { action: "auth.captcha_failed", reason },
        after: [effect("edge", { fail: true, critical: true }), effect("slots"), effect("later")],
      }),
    ).rejects.toThrow("edge failed");
    expect(order).toEqual(["edge", "slots", "later"]);
    expect(await auditWithReason(ctx, reason)).toHaveLength(1); // the commit itself stands
  });

  it("writes the outbox row with the change and dispatches the mail only after the commit", async () => {
    const seen: { id: string; committed: boolean }[] = [];
    const queue = {
      async send() {
        throw new Error("not used");
      },
      async sendBatch(messages: Iterable<MessageSendRequest<{ id: string }>>) {
        for (const m of messages) {
          seen.push({ id: m.body.id, committed: Boolean(await findOutbox(ctx.db, m.body.id)) });
        }
        return env.EMAIL_QUEUE.sendBatch(messages as never);
      },
    };
    const ctx = context({ EMAIL_QUEUE: queue as unknown as typeof env.EMAIL_QUEUE });
    const mail = await prepareEmail(outboxDeps(ctx), {
      template: "verify_email",
      to: uniqueEmail("uow"),
      data: { verifyUrl: "http://localhost/x", expiresHours: 24 },
    });
    await commit(ctx, { audit: { action: "auth.captcha_failed", reason: marker() }, mails: [mail, null] });
    expect(seen).toEqual([{ id: mail.message.id, committed: true }]);
  });

  it("a guard re-checked in the batch refuses it whole, with the guard's error; a passing guard changes nothing", async () => {
    const ctx = context();
    const [kept, dropped] = [marker(), marker()];
    const guard = (broken: boolean) => ({
      statement: ctx.db.insert(commitGuards).select(
        ctx.db
          .select({ guard: sql<string>`'test'`.as("guard") })
          .from(auditLogs)
          .where(sql`${broken ? 1 : 0} = 1`)
          .limit(1),
      ),
      error: () => new Error("the guarded condition broke"),
    });
    await expect(
      commit(ctx, {
        writes: [auditRow(ctx, dropped)],
        guard: guard(true),
        audit: { action: "auth.captcha_failed", reason: dropped },
      }),
    ).rejects.toThrow("the guarded condition broke");
    expect(await ctx.db.select().from(auditLogs).where(eq(auditLogs.id, dropped))).toEqual([]);
    expect(await auditWithReason(ctx, dropped)).toEqual([]);

    await commit(ctx, { writes: [auditRow(ctx, kept)], guard: guard(false) });
    expect(await ctx.db.select().from(auditLogs).where(eq(auditLogs.id, kept))).toHaveLength(1);
    // The guard table never holds a row.
    expect(await env.DB.prepare("SELECT count(*) AS n FROM commit_guards").first("n")).toBe(0);
  });
});
