import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { PURGE_RULES, runHousekeeping } from "../../../src/features/maintenance/housekeeping";
import { testWorker, verifiedOwner } from "../../support/helpers";
import { cronContext } from "../signing-keys/support";

const DAY = 86_400_000;

async function ids(table: string, column = "id"): Promise<string[]> {
  const { results } = await env.DB.prepare(`SELECT ${column} AS id FROM ${table} ORDER BY ${column}`).all<{
    id: string;
  }>();
  return results.map((r) => r.id);
}

/** Dead and live rows of every kind the purge knows, relative to `now`. */
async function seed(userId: string, now: number) {
  const run = (query: string, ...values: unknown[]) => env.DB.prepare(query).bind(...values);
  const token = (hash: string, expiresAt: number, consumedAt: number | null) =>
    run(
      "INSERT INTO action_tokens (token_hash, purpose, user_id, expires_at, consumed_at, created_at) VALUES (?, 'password_reset', ?, ?, ?, ?)",
      hash,
      userId,
      expiresAt,
      consumedAt,
      now - 10 * DAY,
    );
  const challenge = (id: string, expiresAt: number) =>
    run(
      "INSERT INTO device_challenges (id, user_id, device_hash, code_hash, expires_at, created_at) VALUES (?, ?, 'd', ?, ?, ?)",
      id,
      userId,
      `code-${id}`,
      expiresAt,
      now - 3 * DAY,
    );
  const approval = (id: string, expiresAt: number) =>
    run(
      "INSERT INTO login_approvals (id, user_id, device_hash, approve_hash, deny_hash, reasons, expires_at, created_at) VALUES (?, ?, 'd', ?, ?, '[]', ?, ?)",
      id,
      userId,
      `a-${id}`,
      `d-${id}`,
      expiresAt,
      now - 3 * DAY,
    );
  const session = (id: string, expiresAt: number, revokedAt: number | null) =>
    run(
      "INSERT INTO sessions (id, user_id, device_hash, remember_me, created_at, last_seen_at, expires_at, revoked_at) VALUES (?, ?, 'd', 0, ?, ?, ?, ?)",
      id,
      userId,
      now - 40 * DAY,
      now - 40 * DAY,
      expiresAt,
      revokedAt,
    );
  const mail = (id: string, status: string, sentAt: number | null) =>
    run(
      "INSERT INTO email_outbox (id, template, to_address, payload, status, created_at, updated_at, sent_at) VALUES (?, 'verify_email', 'x@example.com', '{}', ?, ?, ?, ?)",
      id,
      status,
      now - 9 * DAY,
      now - 9 * DAY,
      sentAt,
    );
  const key = (kid: string, state: string, at: number) =>
    run(
      "INSERT INTO signing_keys (kid, alg, public_jwk, state, origin, created_at, retired_at, revoked_at) VALUES (?, 'ES256', '{}', ?, 'generated', ?, ?, ?)",
      kid,
      state,
      now - 200 * DAY,
      state === "retired" ? at : null,
      state === "revoked" ? at : null,
    );
  await env.DB.batch([
    token("tok-dead-expired", now - 8 * DAY, null),
    token("tok-dead-consumed", now - 20 * DAY, now - 8 * DAY),
    token("tok-keep-grace", now - 2 * DAY, null),
    token("tok-keep-live", now + DAY, null),
    challenge("ch-dead", now - 2 * DAY),
    challenge("ch-keep", now + 60_000),
    approval("ap-dead", now - 2 * DAY),
    approval("ap-keep", now + 60_000),
    session("s-dead-revoked", now + DAY, now - 31 * DAY),
    session("s-dead-expired", now - 31 * DAY, null),
    session("s-keep-revoked", now + DAY, now - DAY),
    session("s-keep-live", now + DAY, null),
    run(
      "INSERT INTO refresh_tokens (token_hash, session_id, created_at) VALUES ('rt-dead', 's-dead-revoked', ?)",
      now,
    ),
    run(
      "INSERT INTO refresh_tokens (token_hash, session_id, created_at) VALUES ('rt-keep', 's-keep-live', ?)",
      now,
    ),
    mail("mail-dead", "sent", now - 8 * DAY),
    mail("mail-keep-queued", "queued", null),
    mail("mail-keep-recent", "sent", now - DAY),
    mail("mail-suppressed", "suppressed", null),
    key("gh-dead-retired", "retired", now - 91 * DAY),
    key("gh-dead-revoked", "revoked", now - 100 * DAY),
    key("gh-keep-retired", "retired", now - DAY),
  ]);
}

describe("housekeeping", () => {
  it("purges only dead rows, in bounded batches; a second run is a no-op", async () => {
    const app = testWorker();
    const owner = await verifiedOwner(app);
    const ctx = cronContext(app);
    await seed(owner.userId, ctx.now());
    const tokensBefore = await ids("action_tokens", "token_hash");

    // One batch of one row per rule: the bound holds.
    const first = await runHousekeeping(ctx, { batchSize: 1, maxBatches: 1 });
    expect(Object.keys(first).sort()).toEqual(PURGE_RULES.map((r) => r.name).sort());
    for (const n of Object.values(first)) expect(n).toBeLessThanOrEqual(1);
    expect(first).toMatchObject({ action_tokens: 1, sessions: 1, signing_keys: 1, email_outbox: 1 });

    const second = await runHousekeeping(ctx, { batchSize: 1 });
    expect(second).toMatchObject({
      action_tokens: 1,
      sessions: 1,
      signing_keys: 1,
      email_outbox: 1,
      device_challenges: 0,
      login_approvals: 0,
    });

    const third = await runHousekeeping(ctx);
    expect(Object.values(third).every((n) => n === 0)).toBe(true);

    expect(await ids("action_tokens", "token_hash")).toEqual(
      tokensBefore.filter((h) => !h.startsWith("tok-dead")),
    );
    expect(await ids("device_challenges")).toEqual(["ch-keep"]);
    expect(await ids("login_approvals")).toEqual(["ap-keep"]);
    expect(await ids("sessions")).toEqual(["s-keep-live", "s-keep-revoked"]);
    expect(await ids("refresh_tokens", "token_hash")).toEqual(["rt-keep"]);
    const mails = await ids("email_outbox");
    expect(mails).not.toContain("mail-dead");
    expect(mails).not.toContain("mail-suppressed");
    expect(mails).toEqual(expect.arrayContaining(["mail-keep-queued", "mail-keep-recent"]));
    expect(await ids("signing_keys", "kid")).toEqual(["gh-keep-retired"]);
  });

  it("runs from the daily cron (scheduled handler) and leaves live rows alone", async () => {
    const { createExecutionContext, createScheduledController, waitOnExecutionContext } = await import(
      "cloudflare:test"
    );
    const app = testWorker();
    const owner = await verifiedOwner(app);
    const now = app.clock.now();
    await env.DB.prepare(
      "INSERT INTO device_challenges (id, user_id, device_hash, code_hash, expires_at, created_at) VALUES ('cron-dead', ?, 'd', 'cron-code-dead', ?, ?), ('cron-keep', ?, 'd', 'cron-code-keep', ?, ?)",
    )
      .bind(owner.userId, now - 2 * DAY, now - 3 * DAY, owner.userId, now + 60_000, now)
      .run();
    const execution = createExecutionContext();
    await app.worker.scheduled(createScheduledController({ cron: "17 3 * * *" }), app.bindings, execution);
    await waitOnExecutionContext(execution);
    const left = await ids("device_challenges");
    expect(left).toContain("cron-keep");
    expect(left).not.toContain("cron-dead");
  });
});
