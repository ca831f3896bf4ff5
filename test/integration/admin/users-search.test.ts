import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { searchStatements, type UserSearch } from "../../../src/features/admin/store";
import { grantRoles, platformSession } from "../../support/admin";
import {
  DUMMY_TURNSTILE,
  GOOD_PASSWORD,
  testWorker,
  uniqueEmail,
  verifiedOwner,
} from "../../support/helpers";

type App = ReturnType<typeof testWorker>;
type Page = {
  items: { id: string; email: string; name: string | null; status: string; platformRoles: string[] }[];
  total: number;
  page: number;
  pageSize: number;
};

const DAY = 86_400_000;

/** Three users sharing a fresh email prefix: verified (created day 1), unverified (day 2), locked (day 3). */
async function cohort(app: App) {
  const tag = `cohort${crypto.randomUUID().slice(0, 8)}`;
  const a = await verifiedOwner(app, uniqueEmail(`${tag}-a`));
  const bEmail = uniqueEmail(`${tag}-b`);
  const reg = await app.request("POST", "/api/v1/auth/register", {
    body: { email: bEmail, password: GOOD_PASSWORD, teamName: "B", turnstileToken: DUMMY_TURNSTILE },
  });
  const b = { ...((await reg.json()) as { userId: string; teamId: string }), email: bEmail };
  const c = await verifiedOwner(app, uniqueEmail(`${tag}-c`));
  const names = [`Zeta ${tag}`, `alpha ${tag}`, `Mu ${tag}`];
  const ids = [a.userId, b.userId, c.userId];
  for (const [i, id] of ids.entries()) {
    await env.DB.prepare("UPDATE users SET name = ?, created_at = ? WHERE id = ?")
      .bind(names[i], Date.UTC(2026, 0, i + 1, 12), id)
      .run();
  }
  await env.DB.prepare("UPDATE users SET disabled_at = 1 WHERE id = ?").bind(c.userId).run();
  return { tag, a, b, c };
}

describe("GET /admin/users", () => {
  it("searches by email or name prefix (any case), filters, sorts and pages, with the total", async () => {
    const app = testWorker({ env: { SINGLE_SESSION: "false" } });
    const billing = await platformSession(app, ["billing_admin"]);
    const { tag, a, b, c } = await cohort(app);
    const get = async (query: string) => {
      const res = await billing.call("GET", `/api/v1/admin/users?${query}`);
      expect(res.status, query).toBe(200);
      return (await res.json()) as Page;
    };
    const ids = (p: Page) => p.items.map((i) => i.id);

    const all = await get(`q=${tag.toUpperCase()}&sort=email&order=asc`);
    expect(all.total).toBe(3);
    expect(ids(all)).toEqual([a.userId, b.userId, c.userId]);
    expect(all.items.map((i) => i.status)).toEqual(["active", "unverified", "locked"]);
    expect(all).toMatchObject({ page: 1, pageSize: 25 });
    // name prefix, case-insensitive; sort by name (case-insensitive) descending
    const byName = await get(`q=ALPHA%20${tag}`);
    expect(ids(byName)).toEqual([b.userId]);
    expect(ids(await get(`q=${tag}&sort=name&order=desc`))).toEqual([a.userId, c.userId, b.userId]);
    // status filters
    expect(ids(await get(`q=${tag}&status=unverified`))).toEqual([b.userId]);
    expect(ids(await get(`q=${tag}&status=locked`))).toEqual([c.userId]);
    expect(ids(await get(`q=${tag}&status=active`))).toEqual([a.userId]);
    // created range (a bare date is the whole UTC day), default sort createdAt desc
    expect(ids(await get(`q=${tag}&createdFrom=2026-01-02&createdTo=2026-01-03`))).toEqual([
      c.userId,
      b.userId,
    ]);
    expect(ids(await get(`q=${tag}&createdTo=2026-01-01T23:00:00Z`))).toEqual([a.userId]);
    // team and platform role
    expect(ids(await get(`teamId=${a.teamId}`))).toEqual([a.userId]);
    await grantRoles(a.userId, ["support"]);
    const support = await get(`q=${tag}&platformRole=support`);
    expect(ids(support)).toEqual([a.userId]);
    expect(support.items[0]?.platformRoles).toEqual(["support"]);
    // pages: total stays, pageSize is clamped to 100
    const second = await get(`q=${tag}&sort=createdAt&order=asc&page=2&pageSize=1`);
    expect(second).toMatchObject({ total: 3, page: 2, pageSize: 1 });
    expect(ids(second)).toEqual([b.userId]);
    expect(ids(await get(`q=${tag}&page=4&pageSize=1`))).toEqual([]);
    expect((await get(`q=${tag}&pageSize=5000`)).pageSize).toBe(100);
    // empty parameters (a submitted form) mean "not given"
    expect((await get(`q=${tag}&status=&platformRole=&teamId=&sort=&order=&page=`)).total).toBe(3);
    // bad input is 422, not a 500
    for (const bad of [
      "status=gone",
      "sort=password",
      "order=up",
      "page=0",
      "pageSize=-1",
      "createdFrom=yesterday",
    ]) {
      expect((await billing.call("GET", `/api/v1/admin/users?${bad}`)).status, bad).toBe(422);
    }
  });

  it("answers every filter and sort from an index (no full scan of users)", async () => {
    const now = Date.now();
    const base: UserSearch = { sort: "createdAt", order: "desc", page: 1, pageSize: 25 };
    const cases: UserSearch[] = [
      { ...base, q: "ali" },
      { ...base, q: "ali", sort: "name" },
      { ...base, sort: "email", order: "asc" },
      { ...base, sort: "name" },
      { ...base, sort: "lastLoginAt" },
      { ...base, teamId: "t1" },
      { ...base, platformRole: "admin" },
      { ...base, createdFrom: now - 30 * DAY, createdTo: now },
      { ...base, status: "locked" },
    ];
    for (const search of cases) {
      const { page } = searchStatements(search, now);
      const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${page.sql}`)
        .bind(...page.params)
        .all<{ detail: string }>();
      // A SCAN along an index is what a sort without filter is: it stops after the page (LIMIT).
      const details = plan.results.map((r) => r.detail);
      const label = JSON.stringify(search);
      expect(details.join(" | "), label).not.toMatch(/SCAN u(?! USING)/);
      expect(details.join(" | "), label).toMatch(
        /USING (COVERING )?INDEX|USING PRIMARY KEY|USING INTEGER PRIMARY KEY/,
      );
    }
  });
});

describe("GET /admin/users/:id", () => {
  it("shows the user with teams, 2FA, sessions, trusted devices, login activity and audit entries", async () => {
    const app = testWorker({ env: { SINGLE_SESSION: "false" } });
    const support = await platformSession(app, ["support"]);
    const admin = await platformSession(app, ["admin"]);
    expect(
      (
        await admin.call("POST", `/api/v1/admin/users/${support.userId}/revoke-sessions`, {
          reason: "rotate",
        })
      ).status,
    ).toBe(204);
    const res = await admin.call("GET", `/api/v1/admin/users/${support.userId}`);
    expect(res.status).toBe(200);
    const detail = (await res.json()) as Record<string, unknown> & {
      teams: unknown[];
      sessions: unknown[];
      trustedDevices: unknown[];
      loginActivity: { outcome: string }[];
      audit: { action: string; actor: { id: string; email: string } | null; reason: string | null }[];
    };
    expect(detail).toMatchObject({
      id: support.userId,
      email: support.email,
      status: "active",
      emailVerified: true,
      mfaEnabled: true,
      platformRoles: ["support"],
      teams: [{ id: support.teamId, role: "Owner" }],
    });
    expect(typeof detail.createdAt).toBe("string");
    expect(typeof detail.lastLoginAt).toBe("string");
    expect(detail.sessions).toEqual([]); // all revoked just now
    expect(detail.trustedDevices).toHaveLength(1);
    expect(detail.loginActivity.map((e) => e.outcome)).toContain("success");
    const revoked = detail.audit.find((e) => e.action === "admin.sessions_revoked");
    expect(revoked).toMatchObject({ actor: { id: admin.userId, email: admin.email }, reason: "rotate" });
    expect(detail.audit.length).toBeLessThanOrEqual(50);
    expect(detail.audit.map((e) => e.action)).toContain("mfa.enabled");
  });
});
