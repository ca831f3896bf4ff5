import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { getDb } from "../../../src/db/client";
import { auditPageQuery } from "../../../src/features/audit/store";
import { signIn, testWorker, uniqueEmail, verifiedOwner } from "../../support/helpers";
import { type App, bearer, marker, platformSession, seedAuditRows } from "./support";

interface Item {
  id: string;
  at: string;
  actor: { id: string; email: string | null } | null;
  action: string;
  target: { type: string | null; id: string } | null;
  teamId: string | null;
  ip: string | null;
  userAgent: string | null;
  reason: string | null;
  metadata: Record<string, unknown>;
}
interface Page {
  items: Item[];
  nextCursor: string | null;
}

async function list(app: App, token: string, query: Record<string, string>) {
  const res = await app.request("GET", `/api/v1/admin/audit-logs?${new URLSearchParams(query)}`, {
    headers: bearer(token),
  });
  return { status: res.status, body: (await res.json()) as Page };
}

/** Every page of a filtered list, following nextCursor. */
async function all(app: App, token: string, query: Record<string, string>) {
  const items: Item[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = await list(app, token, { ...query, ...(cursor ? { cursor } : {}) });
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    items.push(...page.body.items);
    cursor = page.body.nextCursor;
    pages += 1;
  } while (cursor);
  return { items, pages };
}

describe("GET /api/v1/admin/audit-logs", () => {
  it("shows real entries in the contract's shape, with the actor's address", async () => {
    const app = testWorker();
    const admin = await platformSession(app, "admin");
    const owner = await verifiedOwner(app, uniqueEmail("audited"));
    await signIn(app, owner.email, owner.password, owner.teamId);
    const { status, body } = await list(app, admin.accessToken, { actor: owner.userId });
    expect(status).toBe(200);
    const created = body.items.find((i) => i.action === "session.created");
    expect(created).toMatchObject({
      actor: { id: owner.userId, email: owner.email },
      target: { type: "user", id: owner.userId },
    });
    expect(new Date(created?.at ?? "").toISOString()).toBe(created?.at);
    expect(created?.ip).toMatch(/\d/);
    expect(typeof created?.metadata).toBe("object");
    // newest first
    const times = body.items.map((i) => Date.parse(i.at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it("filters by each of actor, action, target, team, IP and time range, and by combinations", async () => {
    const app = testWorker();
    const admin = await platformSession(app, "admin");
    const m = marker();
    const base = Date.parse("2025-06-01T12:00:00Z");
    const team = `team-${m}`;
    const ip = `198.51.${Number.parseInt(m.slice(0, 2), 16)}.${Number.parseInt(m.slice(2, 4), 16)}`;
    await seedAuditRows({ count: 30, prefix: `a${m}`, baseAt: base, teamId: team, ip, actorId: `act-${m}` });
    await seedAuditRows({
      count: 20,
      prefix: `b${m}`,
      baseAt: base,
      teamId: team,
      ip: "192.0.2.1",
      action: "login.succeeded",
    });
    const count = async (q: Record<string, string>) => (await all(app, admin.accessToken, q)).items.length;
    expect(await count({ teamId: team })).toBe(50);
    expect(await count({ ip })).toBe(30);
    expect(await count({ actor: `act-${m}` })).toBe(30);
    expect(await count({ teamId: team, action: "login.succeeded" })).toBe(20);
    expect(await count({ teamId: team, action: "login.failed", ip })).toBe(30);
    expect(await count({ target: `a${m}t3` })).toBe(4); // i % 7 === 3 for i in 1..30: 3, 10, 17, 24
    expect(await count({ target: `a${m}t3`, actor: `act-${m}` })).toBe(4);
    // rows i = 1..10 are at base-1 .. base-10: an inclusive range
    const from = new Date(base - 10).toISOString();
    const to = new Date(base - 1).toISOString();
    expect(await count({ actor: `act-${m}`, from, to })).toBe(10);
    expect(await count({ teamId: team, from: new Date(base - 5).toISOString() })).toBe(10);
    expect(await count({ teamId: team, to: new Date(base - 25).toISOString() })).toBe(6);
    expect(await count({ teamId: `none-${m}` })).toBe(0);
    // an entry without an actor (system work) shows actor null
    const b = await list(app, admin.accessToken, { teamId: team, action: "login.succeeded", limit: "1" });
    expect(b.body.items[0]).toMatchObject({ actor: null, teamId: team, ip: "192.0.2.1", metadata: { i: 1 } });
  });

  it("pages by a keyset cursor without duplicates or gaps when many entries share a millisecond", async () => {
    const app = testWorker();
    const admin = await platformSession(app, "admin");
    const m = marker();
    // 237 rows, 10 per millisecond: every page boundary falls inside a run of equal timestamps
    await seedAuditRows({
      count: 237,
      prefix: `c${m}`,
      baseAt: Date.parse("2025-05-01T00:00:00Z"),
      perMs: 10,
      teamId: m,
    });
    const { items, pages } = await all(app, admin.accessToken, { teamId: m, limit: "7" });
    expect(pages).toBe(34);
    expect(items).toHaveLength(237);
    expect(new Set(items.map((i) => i.id)).size).toBe(237);
    const keys = items.map((i) => [Date.parse(i.at), i.id] as const);
    for (let k = 1; k < keys.length; k++) {
      const [a, b] = [keys[k - 1], keys[k]] as [readonly [number, string], readonly [number, string]];
      expect(a[0] > b[0] || (a[0] === b[0] && a[1] > b[1])).toBe(true);
    }
    // a new entry arriving between pages does not shift the pages already seen (no OFFSET)
    const first = await list(app, admin.accessToken, { teamId: m, limit: "100" });
    await seedAuditRows({ count: 1, prefix: `z${m}`, baseAt: Date.parse("2025-05-02T00:00:00Z"), teamId: m });
    const second = await list(app, admin.accessToken, {
      teamId: m,
      limit: "100",
      cursor: first.body.nextCursor ?? "",
    });
    expect(second.body.items[0]?.id).toBe(items[100]?.id);
  });

  it("takes limit 1..200 (default 50) and refuses a bad cursor, action or time with 422", async () => {
    const app = testWorker();
    const admin = await platformSession(app, "admin");
    const m = marker();
    await seedAuditRows({ count: 60, prefix: `d${m}`, baseAt: Date.now() - 60_000, teamId: m });
    expect((await list(app, admin.accessToken, { teamId: m })).body.items).toHaveLength(50);
    for (const query of <Record<string, string>[]>[
      { limit: "0" },
      { limit: "201" },
      { cursor: "not-a-cursor" },
      { action: "no.such_action" },
      { from: "yesterday" },
      { from: "2026-02-01T00:00:00Z", to: "2026-01-01T00:00:00Z" },
    ]) {
      const res = await app.request("GET", `/api/v1/admin/audit-logs?${new URLSearchParams(query)}`, {
        headers: admin.headers,
      });
      expect(res.status, JSON.stringify(query)).toBe(422);
      expect(((await res.json()) as { code: string }).code).toBe("validation_failed");
    }
  });

  it("is for admin and support: billing_admin and members 403, anonymous 401", async () => {
    const app = testWorker();
    const support = await platformSession(app, "support");
    const billing = await platformSession(app, "billing_admin");
    const owner = await verifiedOwner(app, uniqueEmail("plain"));
    const plain = await signIn(app, owner.email, owner.password, owner.teamId);
    for (const path of [
      "/api/v1/admin/audit-logs",
      "/api/v1/admin/audit-logs/actions",
      "/api/v1/admin/audit-logs/export?format=jsonl",
      "/api/v1/admin/analytics",
    ]) {
      expect((await app.request("GET", path)).status, path).toBe(401);
      expect((await app.request("GET", path, { headers: billing.headers })).status, path).toBe(403);
      expect((await app.request("GET", path, { headers: bearer(plain.accessToken) })).status, path).toBe(403);
      const ok = await app.request("GET", path, { headers: support.headers });
      expect(ok.status, path).toBe(200);
      await ok.body?.cancel();
    }
  });

  it("lists the action catalogue with descriptions", async () => {
    const app = testWorker();
    const admin = await platformSession(app, "admin");
    const res = await app.request("GET", "/api/v1/admin/audit-logs/actions", { headers: admin.headers });
    const { items } = (await res.json()) as { items: { name: string; description: string }[] };
    expect(items.find((a) => a.name === "login.failed")?.description).toMatch(/login failed/i);
    expect(items.map((a) => a.name)).toContain("audit.exported");
    expect(items.every((a) => a.description.length > 0)).toBe(true);
  });
});

describe("query plans", () => {
  it("answers each filter's first page from an index in (at, id) order", async () => {
    const db = getDb(env.DB);
    const plans: Record<string, string[]> = {};
    for (const [name, filters] of Object.entries({
      none: {},
      actor: { actor: "u" },
      action: { action: "login.failed" },
      target: { target: "t" },
      teamId: { teamId: "t" },
      ip: { ip: "203.0.113.1" },
      range: { from: 0, to: 1 },
      "actor+range": { actor: "u", from: 0, to: 1 },
      "teamId+action": { teamId: "t", action: "login.failed" },
      "actor+action": { actor: "u", action: "login.failed" },
      "target+ip+action": { target: "t", ip: "203.0.113.1", action: "login.failed" },
    })) {
      const q = auditPageQuery(db, { filters, after: { at: 1, id: "x" }, limit: 51 });
      const rows = await env.DB.prepare(`EXPLAIN QUERY PLAN ${q.sql}`)
        .bind(...q.params)
        .all<{ detail: string }>();
      plans[name] = rows.results.map((r) => r.detail);
    }
    console.log(JSON.stringify(plans, null, 1));
    for (const [name, detail] of Object.entries(plans)) {
      const scan = detail.find((d) => d.includes("audit_logs"));
      // a range of one of the audit indexes, never a scan of the table or of a whole index
      expect(scan, name).toMatch(/^SEARCH audit_logs USING (COVERING )?INDEX audit_logs_\w+ \(.*at<\?/);
      expect(detail.join(" "), name).not.toMatch(/SCAN/);
    }
    expect(plans.teamId?.join(" ")).toContain("audit_logs_team_idx");
    expect(plans.ip?.join(" ")).toContain("audit_logs_ip_idx");
    expect(plans.actor?.join(" ")).toContain("audit_logs_actor_idx");
    // a combination is driven by its most selective filter, never by the broad action index
    expect(plans["actor+action"]?.join(" ")).toContain("audit_logs_actor_idx");
    expect(plans["target+ip+action"]?.join(" ")).toContain("audit_logs_target_idx");
  });
});
