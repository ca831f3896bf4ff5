import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { TeamLedger } from "../../../durable-objects/team-ledger";
import { testClock, testWorker, waitForMail } from "../../support/helpers";
import { memberSession, ownerSession } from "../../support/teams";

type App = ReturnType<typeof testWorker>;
const CAP_COPY = "Your monthly spending limit has been reached. Adjust your limit to continue.";

function usage(app: App, token: string, teamId: string) {
  return (key: string | null, body: unknown) =>
    app.request("POST", `/api/v1/teams/${teamId}/usage`, {
      headers: { authorization: `Bearer ${token}`, ...(key === null ? {} : { "idempotency-key": key }) },
      body,
    });
}

async function ledgerSumMicros(teamId: string): Promise<number> {
  const row = await env.DB.prepare(
    "SELECT coalesce(sum(amount_micros), 0) AS total, count(*) AS n FROM usage_records WHERE team_id = ?",
  )
    .bind(teamId)
    .first<{ total: number }>();
  return row?.total ?? 0;
}

async function report(owner: Awaited<ReturnType<typeof ownerSession>>, query = "") {
  const res = await owner.call("GET", `/api/v1/teams/${owner.teamId}/usage${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as {
    month: string;
    monthToDateUsd: number;
    capUsd: number | null;
    remainingUsd: number | null;
    warnings: { kind: string; sentAt: string }[];
    items: { id: string; amountUsd: number; description: string }[];
    nextCursor: string | null;
  };
}

describe("usage against a hard cap", () => {
  it("50 parallel posts never take the total beyond the cap; the rest get 402 with the exact copy", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const limits = await owner.call("POST", `/api/v1/teams/${owner.teamId}/limits`, {
      monthlyCapUsd: 10,
      hardStop: true,
      warnAtPercent: 50,
    });
    expect(limits.status).toBe(200);
    expect(await limits.json()).toEqual({ monthlyCapUsd: 10, hardStop: true, warnAtPercent: 50 });

    const post = usage(app, owner.accessToken, owner.teamId);
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => post(`run-${i}`, { amountUsd: 0.37, description: `job ${i}` })),
    );
    const created = responses.filter((r) => r.status === 201);
    const refused = responses.filter((r) => r.status === 402);
    expect(created.length + refused.length).toBe(50);
    expect(created.length).toBe(27); // 27 × 0.37 = 9.99; a 28th would make 10.36
    for (const r of refused) {
      expect(await r.json()).toMatchObject({ code: "spend_cap_reached", status: 402, detail: CAP_COPY });
    }
    const answers = (await Promise.all(created.map((r) => r.json()))) as { monthToDateUsd: number }[];
    expect(Math.max(...answers.map((a) => a.monthToDateUsd))).toBe(9.99);
    expect(new Set(answers.map((a) => a.monthToDateUsd)).size).toBe(27);

    expect(await ledgerSumMicros(owner.teamId)).toBe(9_990_000);
    const r = await report(owner);
    expect(r.monthToDateUsd).toBe(9.99);
    expect(r.capUsd).toBe(10);
    expect(r.remainingUsd).toBe(0.01);
    expect(r.items).toHaveLength(27);
    // Keyset pages of 10: every item once, newest first.
    const seen: string[] = [];
    let cursor: string | null = "";
    while (cursor !== null) {
      const page = await report(owner, `?limit=10${cursor ? `&cursor=${cursor}` : ""}`);
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
    }
    expect(seen).toEqual(r.items.map((i) => i.id));
    expect((await owner.call("GET", `/api/v1/teams/${owner.teamId}/usage?cursor=nope`)).status).toBe(422);

    // One warning at 50 % and one at the cap (the first hard-stop refusal), each mailed once to the Owner.
    const mails = await waitForMail(app, owner.email, { template: "spend_warning", count: 2 });
    await new Promise((done) => setTimeout(done, 300));
    const again = await waitForMail(app, owner.email, { template: "spend_warning", count: 2 });
    expect(again).toHaveLength(2);
    expect(mails.map((m) => m.subject).sort()).toEqual([
      "“Login Team” has used 50% of its monthly spending limit",
      "“Login Team” reached its monthly spending limit",
    ]);
    expect((await report(owner)).warnings.map((w) => w.kind).sort()).toEqual(["cap", "warn"]);
    const events = await env.TEAM_EVENTS.get(env.TEAM_EVENTS.idFromName(owner.teamId)).since(0);
    expect(
      events
        .filter((e) => e.type === "spend.warning")
        .map((e) => (JSON.parse(e.data) as { kind: string }).kind)
        .sort(),
    ).toEqual(["cap", "warn"]);
    const audits = await env.DB.prepare(
      "SELECT action, count(*) AS n FROM audit_logs WHERE team_id = ? AND action LIKE 'usage.%' GROUP BY action",
    )
      .bind(owner.teamId)
      .all<{ action: string; n: number }>();
    expect(Object.fromEntries(audits.results.map((a) => [a.action, a.n]))).toEqual({
      "usage.cap_reached": 1,
      "usage.warning_sent": 2,
    });

    // Raising the cap lets the next charge through; the month's warnings are not sent again.
    await owner.call("POST", `/api/v1/teams/${owner.teamId}/limits`, { monthlyCapUsd: 20 });
    const more = await post("after-raise", { amountUsd: 5, description: "after" });
    expect(more.status).toBe(201);
    expect(await more.json()).toMatchObject({ monthToDateUsd: 14.99, capUsd: 20, remainingUsd: 5.01 });
  });

  it("without a hard stop, spend beyond the cap is recorded; billing admins are told, developers not", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const role = await owner.call("POST", `/api/v1/teams/${owner.teamId}/roles`, {
      name: "Billing",
      permissions: ["billing:manage", "billing:read"],
    });
    expect(role.status).toBe(201);
    const billingAdmin = await memberSession(app, owner.accessToken, owner.teamId, "Billing");
    const developer = await memberSession(app, owner.accessToken, owner.teamId, "Developer");
    await owner.call("POST", `/api/v1/teams/${owner.teamId}/limits`, { monthlyCapUsd: 1, hardStop: false });
    const post = usage(app, owner.accessToken, owner.teamId);
    expect((await post("a", { amountUsd: 0.9, description: "a" })).status).toBe(201);
    const over = await post("b", { amountUsd: 0.5, description: "b" });
    expect(over.status).toBe(201);
    expect(await over.json()).toMatchObject({ monthToDateUsd: 1.4, capUsd: 1, remainingUsd: 0 });
    const mails = await waitForMail(app, owner.email, { template: "spend_warning", count: 2 });
    expect(mails).toHaveLength(2);
    expect(await waitForMail(app, billingAdmin.email, { template: "spend_warning", count: 2 })).toHaveLength(
      2,
    );
    const devMails = await app.request(
      "GET",
      `/api/v1/dev/mailbox?to=${encodeURIComponent(developer.email)}`,
    );
    expect(((await devMails.json()) as { template: string }[]).map((m) => m.template)).not.toContain(
      "spend_warning",
    );
  });
});

describe("idempotency", () => {
  it("a repeated key answers the first result and counts once; another body is refused", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const post = usage(app, owner.accessToken, owner.teamId);
    const first = await post("order-1", { amountUsd: 1.25, description: "build" });
    expect(first.status).toBe(201);
    const body = await first.json();
    expect(body).toMatchObject({ monthToDateUsd: 1.25, capUsd: null, remainingUsd: null });
    expect((await post("order-2", { amountUsd: 2, description: "deploy" })).status).toBe(201);

    const repeat = await post("order-1", { amountUsd: 1.25, description: "build" });
    expect(repeat.status).toBe(201);
    expect(repeat.headers.get("idempotent-replayed")).toBe("true");
    expect(await repeat.json()).toEqual(body);
    const changed = await post("order-1", { amountUsd: 9, description: "build" });
    expect(changed.status).toBe(422);
    expect(await changed.json()).toMatchObject({ code: "idempotency_conflict" });
    expect((await report(owner)).monthToDateUsd).toBe(3.25);
    expect(await ledgerSumMicros(owner.teamId)).toBe(3_250_000);
  });

  it("10 parallel requests with one key count once and all answer the same record", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const post = usage(app, owner.accessToken, owner.teamId);
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => post("same-key", { amountUsd: 0.5, description: "once" })),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(201));
    const ids = new Set(
      ((await Promise.all(responses.map((r) => r.json()))) as { id: string }[]).map((a) => a.id),
    );
    expect(ids.size).toBe(1);
    expect((await report(owner)).monthToDateUsd).toBe(0.5);
    expect(await ledgerSumMicros(owner.teamId)).toBe(500_000);
  });

  it("the key is required and bounded; amounts are exact micro-USD", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const post = usage(app, owner.accessToken, owner.teamId);
    for (const key of [null, "", "x".repeat(201), "tab\tkey"]) {
      const res = await post(key, { amountUsd: 1, description: "x" });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: "idempotency_key_required" });
    }
    for (const amountUsd of [0.0000001, -1, 0, 1e7, "1", null, 1.1234567]) {
      const res = await post(`k-${String(amountUsd)}`, { amountUsd, description: "x" });
      expect(res.status).toBe(422);
      expect(await res.json()).toMatchObject({ code: "validation_failed" });
    }
    const exact = await post("exact", { amountUsd: 0.000001, description: "one micro" });
    expect(await exact.json()).toMatchObject({ monthToDateUsd: 0.000001 });
    const precise = await post("precise", { amountUsd: 0.1, description: "a tenth" });
    expect(await precise.json()).toMatchObject({ monthToDateUsd: 0.100001 });
  });
});

describe("months", () => {
  it("the total rolls over at the UTC month boundary of the injected clock", async () => {
    const clock = testClock(Date.parse("2026-12-31T23:58:00Z"));
    const app = testWorker({ clock });
    const owner = await ownerSession(app);
    await owner.call("POST", `/api/v1/teams/${owner.teamId}/limits`, { monthlyCapUsd: 5, hardStop: true });
    const post = usage(app, owner.accessToken, owner.teamId);
    expect((await post("dec", { amountUsd: 4, description: "december" })).status).toBe(201);
    expect((await post("dec-2", { amountUsd: 2, description: "too much" })).status).toBe(402);

    clock.advance(3 * 60_000); // 2027-01-01T00:01Z
    const jan = await post("jan", { amountUsd: 2, description: "january" });
    expect(jan.status).toBe(201);
    expect(await jan.json()).toMatchObject({ monthToDateUsd: 2, remainingUsd: 3 });
    // A key of December repeated in January answers December's record and counts nothing.
    const late = await post("dec", { amountUsd: 4, description: "december" });
    expect(late.status).toBe(201);
    expect(await late.json()).toMatchObject({ monthToDateUsd: 4 });

    const now = await report(owner);
    expect(now).toMatchObject({ month: "2027-01", monthToDateUsd: 2, remainingUsd: 3 });
    expect(now.items.map((i) => i.description)).toEqual(["january"]);
    const december = await report(owner, "?month=2026-12");
    expect(december).toMatchObject({ month: "2026-12", monthToDateUsd: 4, remainingUsd: null });
  });
});

describe("the ledger keeps a charge until D1 has it", () => {
  it("a pending record is written to D1 by the alarm, once", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const stub = env.TEAM_LEDGER.get(env.TEAM_LEDGER.idFromName(owner.teamId));
    const recordId = crypto.randomUUID();
    // What a request leaves behind when its D1 write failed: counted in the object, not yet in D1.
    await runInDurableObject(stub, (ledger: TeamLedger) =>
      ledger.charge({
        teamId: owner.teamId,
        idempotencyKey: "lost-write",
        fingerprint: "f",
        amountMicros: 700_000,
        description: "d1 was down",
        capMicros: null,
        hardStop: false,
        warnAtPercent: 80,
        recordId,
        actorId: owner.userId,
        apiKeyId: null,
        now: app.clock.now(),
      }),
    );
    expect(await ledgerSumMicros(owner.teamId)).toBe(0);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await ledgerSumMicros(owner.teamId)).toBe(700_000);
    const pending = await runInDurableObject(stub, (ledger: TeamLedger) => ledger.pendingEntries());
    expect(pending).toEqual([]);
    expect((await report(owner)).monthToDateUsd).toBe(0.7);
    expect((await report(owner)).items.map((i) => i.id)).toEqual([recordId]);
  });

  it("a pending record of a deleted team is dropped by the alarm, not retried forever", async () => {
    const teamId = `gone-${crypto.randomUUID()}`;
    const stub = env.TEAM_LEDGER.get(env.TEAM_LEDGER.idFromName(teamId));
    await runInDurableObject(stub, (ledger: TeamLedger) =>
      ledger.charge({
        teamId,
        idempotencyKey: "k",
        fingerprint: "f",
        amountMicros: 1,
        description: "d",
        capMicros: null,
        hardStop: false,
        warnAtPercent: 80,
        recordId: crypto.randomUUID(),
        actorId: null,
        apiKeyId: null,
        now: Date.now(),
      }),
    );
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await runInDurableObject(stub, (ledger: TeamLedger) => ledger.pendingEntries())).toEqual([]);
    expect(await runDurableObjectAlarm(stub)).toBe(false);
    expect(await ledgerSumMicros(teamId)).toBe(0);
  });
});
