import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { verifyPassword } from "../../../src/crypto/password";
import {
  DUMMY_TURNSTILE,
  GOOD_PASSWORD,
  testWorker,
  tokenFromLink,
  uniqueEmail,
  waitForMail,
} from "../../support/helpers";

const MESSAGE = "Registration almost done — check your email. The link is valid for 24 hours.";

function registration(email: string, extra: Record<string, unknown> = {}) {
  return {
    email,
    password: GOOD_PASSWORD,
    name: "Ada",
    teamName: "Analytical Engines",
    turnstileToken: DUMMY_TURNSTILE,
    ...extra,
  };
}

async function row<T>(sql: string, ...params: unknown[]): Promise<T | null> {
  return env.DB.prepare(sql)
    .bind(...params)
    .first<T>();
}

describe("POST /api/v1/auth/register (Door A)", () => {
  it("creates an unverified user, a team with the default roles and an Owner membership", async () => {
    const app = testWorker();
    const email = uniqueEmail("owner");
    const res = await app.request("POST", "/api/v1/auth/register", { body: registration(email) });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { userId: string; teamId: string; message: string };
    expect(body.message).toBe(MESSAGE);

    const user = await row<{ email: string; email_verified_at: number | null; password_hash: string }>(
      "SELECT * FROM users WHERE id = ?",
      body.userId,
    );
    expect(user?.email).toBe(email);
    expect(user?.email_verified_at).toBeNull();
    expect(user?.password_hash).toMatch(/^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$/);

    const team = await row<{ slug: string; name: string }>("SELECT * FROM teams WHERE id = ?", body.teamId);
    expect(team?.name).toBe("Analytical Engines");
    expect(team?.slug).toMatch(/^analytical-engines(-[a-z0-9]+)?$/);

    const roles = await env.DB.prepare(
      "SELECT name, built_in, permissions FROM roles WHERE team_id = ? ORDER BY name",
    )
      .bind(body.teamId)
      .all<{ name: string; built_in: string; permissions: string }>();
    expect(roles.results.map((r) => r.name)).toEqual(["Developer", "Manager", "Owner"]);
    expect(JSON.parse(roles.results.find((r) => r.name === "Owner")?.permissions ?? "[]")).toEqual(["*"]);

    const membership = await row<{ name: string }>(
      "SELECT r.name FROM memberships m JOIN roles r ON r.id = m.role_id WHERE m.user_id = ? AND m.team_id = ?",
      body.userId,
      body.teamId,
    );
    expect(membership?.name).toBe("Owner");

    const audit = await row<{ action: string; ip: string; actor_id: string; metadata: string }>(
      "SELECT * FROM audit_logs WHERE target_id = ? AND action = 'user.registered'",
      body.userId,
    );
    expect(audit?.ip).toBe(app.ip);
    expect(audit?.actor_id).toBe(body.userId);
    expect(audit?.metadata).not.toContain(GOOD_PASSWORD);
  });

  it("mails a single-use verification link that verifies the address once", async () => {
    const app = testWorker();
    const email = uniqueEmail("verify");
    const res = await app.request("POST", "/api/v1/auth/register", { body: registration(email) });
    const { userId } = (await res.json()) as { userId: string };
    const [mail] = await waitForMail(app, email, { template: "verify_email" });
    expect(mail?.subject).toBeTruthy();
    const link = mail?.links[0] ?? "";
    expect(link.startsWith("http://localhost:8787/verify-email?token=")).toBe(true);
    const token = tokenFromLink(link);

    // the token exists only as a hash at rest
    const stored = await row<{ n: number }>(
      "SELECT count(*) AS n FROM action_tokens WHERE token_hash = ?",
      token,
    );
    expect(stored?.n).toBe(0);

    const ok = await app.request("POST", "/api/v1/auth/verify-email", { body: { token } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ verified: true });
    const user = await row<{ email_verified_at: number | null }>("SELECT * FROM users WHERE id = ?", userId);
    expect(user?.email_verified_at).toBeTypeOf("number");

    const again = await app.request("POST", "/api/v1/auth/verify-email", { body: { token } });
    expect(again.status).toBe(400);
    expect(await again.json()).toMatchObject({ code: "invalid_token" });
    const audits = await env.DB.prepare("SELECT action FROM audit_logs WHERE target_id = ? ORDER BY at")
      .bind(userId)
      .all<{ action: string }>();
    expect(audits.results.map((a) => a.action)).toContain("user.email_verified");
  });

  it("shows browsers the confirmation page instead of verifying on GET", async () => {
    const app = testWorker();
    const email = uniqueEmail("browser");
    const { userId } = (await (
      await app.request("POST", "/api/v1/auth/register", { body: registration(email) })
    ).json()) as { userId: string };
    const [mail] = await waitForMail(app, email);
    const res = await app.request(
      "GET",
      `/api/v1/auth/verify-email?token=${tokenFromLink(mail?.links[0] ?? "")}`,
      {
        headers: { accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" },
      },
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("Confirm your email address");
    const user = await row<{ email_verified_at: number | null }>("SELECT * FROM users WHERE id = ?", userId);
    expect(user?.email_verified_at).toBeNull();
  });

  it("refuses an expired verification link", async () => {
    const app = testWorker();
    const email = uniqueEmail("expired");
    await app.request("POST", "/api/v1/auth/register", { body: registration(email) });
    const [mail] = await waitForMail(app, email);
    app.clock.advance(24 * 3600_000 + 1000);
    const res = await app.request("POST", "/api/v1/auth/verify-email", {
      body: { token: tokenFromLink(mail?.links[0] ?? "") },
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      code: "invalid_token",
      detail: "This link is invalid or has expired.",
    });
  });

  it("refuses unknown and malformed tokens alike", async () => {
    const app = testWorker();
    for (const token of ["A".repeat(43), "short", "\u0000'--"]) {
      const res = await app.request("POST", "/api/v1/auth/verify-email", { body: { token } });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { code: string }).code).toBe("invalid_token");
    }
  });

  it("answers 409 email_taken for a verified address, ignoring case and Unicode form", async () => {
    const app = testWorker();
    const local = `zoë-${crypto.randomUUID().slice(0, 8)}`;
    const nfc = `${local}@example.com`.normalize("NFC");
    const first = await app.request("POST", "/api/v1/auth/register", { body: registration(nfc) });
    expect(first.status).toBe(201);
    const [mail] = await waitForMail(app, nfc);
    await app.request("POST", "/api/v1/auth/verify-email", {
      body: { token: tokenFromLink(mail?.links[0] ?? "") },
    });
    const nfdUpper = `${local.toUpperCase()}@EXAMPLE.COM`.normalize("NFD");
    expect(nfdUpper).not.toBe(nfc);
    const second = await app.request("POST", "/api/v1/auth/register", { body: registration(nfdUpper) });
    expect(second.status).toBe(409);
    expect(await second.json()).toMatchObject({ code: "email_taken", status: 409 });
  });

  it("replaces a pending registration when the unverified address registers again (201, fresh link)", async () => {
    const app = testWorker();
    const email = uniqueEmail("again");
    const first = (await (
      await app.request("POST", "/api/v1/auth/register", { body: registration(email) })
    ).json()) as {
      userId: string;
      teamId: string;
    };
    const res = await app.request("POST", "/api/v1/auth/register", {
      body: registration(email, { teamName: "Other" }),
    });
    expect(res.status).toBe(201);
    const second = (await res.json()) as { userId: string; teamId: string; message: string };
    expect(second.message).toBe(MESSAGE);
    expect(second.userId).not.toBe(first.userId);
    expect(await row("SELECT id FROM users WHERE id = ?", first.userId)).toBeNull();
    expect(await row("SELECT id FROM teams WHERE id = ?", first.teamId)).toBeNull();
    expect(await row<{ name: string }>("SELECT name FROM teams WHERE id = ?", second.teamId)).toEqual({
      name: "Other",
    });
    const mails = await waitForMail(app, email, { count: 2 });
    expect(new Set(mails.map((m) => m.links[0])).size).toBe(2);
  });

  it("keeps the derived slug when the same team name registers again", async () => {
    const app = testWorker();
    const email = uniqueEmail("sameslug");
    const teamName = `Same ${crypto.randomUUID().slice(0, 8)}`;
    const first = (await (
      await app.request("POST", "/api/v1/auth/register", { body: registration(email, { teamName }) })
    ).json()) as { teamId: string };
    const before = await row<{ slug: string }>("SELECT slug FROM teams WHERE id = ?", first.teamId);
    const second = (await (
      await app.request("POST", "/api/v1/auth/register", { body: registration(email, { teamName }) })
    ).json()) as { teamId: string };
    expect(await row<{ slug: string }>("SELECT slug FROM teams WHERE id = ?", second.teamId)).toEqual(before);
  });

  it("mails a replaced registration's link within the daily cap of verification mails", async () => {
    const app = testWorker();
    const email = uniqueEmail("capped");
    for (let i = 0; i < 4; i++) {
      const res = await app.request("POST", "/api/v1/auth/register", { body: registration(email) });
      expect(res.status).toBe(201);
    }
    // the first registration plus 3 replacements a day: the 4th replacement is not mailed, and audited
    const last = await app.request("POST", "/api/v1/auth/register", { body: registration(email) });
    const { userId } = (await last.json()) as { userId: string };
    await waitForMail(app, email, { count: 4 });
    expect(
      await row(
        "SELECT id FROM audit_logs WHERE action = 'user.verification_suppressed' AND target_id = ?",
        userId,
      ),
    ).not.toBeNull();
    await new Promise((r) => setTimeout(r, 300));
    const all = await waitForMail(app, email, { count: 4 });
    expect(all).toHaveLength(4);
  });

  it("frees the address (and its team slug) once the unverified registration expired", async () => {
    const app = testWorker();
    const email = uniqueEmail("lapsed");
    const slug = `lapsed-${crypto.randomUUID().slice(0, 8)}`;
    const first = (await (
      await app.request("POST", "/api/v1/auth/register", { body: registration(email, { teamSlug: slug }) })
    ).json()) as { userId: string; teamId: string };
    app.clock.advance(24 * 3600_000 + 60_000);
    const res = await app.request("POST", "/api/v1/auth/register", {
      body: registration(email, { teamSlug: slug }),
    });
    expect(res.status).toBe(201);
    const second = (await res.json()) as { userId: string; teamId: string };
    expect(second.userId).not.toBe(first.userId);
    expect(await row("SELECT id FROM users WHERE id = ?", first.userId)).toBeNull();
    expect(await row("SELECT id FROM teams WHERE id = ?", first.teamId)).toBeNull();
    expect(await row<{ id: string }>("SELECT id FROM teams WHERE slug = ?", slug)).toEqual({
      id: second.teamId,
    });
    expect(
      await row(
        "SELECT id FROM audit_logs WHERE action = 'user.registration_expired' AND target_id = ?",
        first.userId,
      ),
    ).not.toBeNull();
  });

  it("handles duplicate slugs: explicit → 409 slug_taken, derived → next free variant", async () => {
    const app = testWorker();
    const slug = `dup-${crypto.randomUUID().slice(0, 8)}`;
    const a = await app.request("POST", "/api/v1/auth/register", {
      body: registration(uniqueEmail("slug"), { teamSlug: slug }),
    });
    expect(a.status).toBe(201);
    const b = await app.request("POST", "/api/v1/auth/register", {
      body: registration(uniqueEmail("slug"), { teamSlug: slug }),
    });
    expect(b.status).toBe(409);
    expect(await b.json()).toMatchObject({ code: "slug_taken" });

    const c = (await (
      await app.request("POST", "/api/v1/auth/register", {
        body: registration(uniqueEmail("slug"), { teamName: slug }),
      })
    ).json()) as { teamId: string };
    const team = await row<{ slug: string }>("SELECT slug FROM teams WHERE id = ?", c.teamId);
    expect(team?.slug).toBe(`${slug}-2`);
  });

  it("rejects invalid and reserved explicit slugs with 422", async () => {
    const app = testWorker();
    for (const teamSlug of ["Has Spaces", "-edge-", "ab", "admin", "x".repeat(49)]) {
      const res = await app.request("POST", "/api/v1/auth/register", {
        body: registration(uniqueEmail("badslug"), { teamSlug }),
      });
      expect(res.status).toBe(422);
      const body = (await res.json()) as { code: string; errors: { path: string }[] };
      expect(body.code).toBe("validation_failed");
      expect(body.errors[0]?.path).toBe("teamSlug");
    }
  });
});

describe("registration input handling", () => {
  it("answers malformed JSON with 400 malformed_json", async () => {
    const res = await testWorker().request("POST", "/api/v1/auth/register", { body: '{"email": "a@b.c",' });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(await res.json()).toMatchObject({ code: "malformed_json" });
  });

  it("lists every missing field and refuses extra fields with 422", async () => {
    const app = testWorker();
    const missing = await app.request("POST", "/api/v1/auth/register", { body: {} });
    expect(missing.status).toBe(422);
    const body = (await missing.json()) as { code: string; errors: { path: string; message: string }[] };
    expect(body.code).toBe("validation_failed");
    expect(body.errors.map((e) => e.path).sort()).toEqual(["email", "password", "teamName"]);

    const extra = await app.request("POST", "/api/v1/auth/register", {
      body: { ...registration(uniqueEmail()), isAdmin: true },
    });
    expect(extra.status).toBe(422);
    expect(((await extra.json()) as { errors: { path: string }[] }).errors).toEqual([
      { path: "isAdmin", message: "This field is not allowed." },
    ]);
  });

  it("refuses wrong types, a non-JSON content type and non-object bodies", async () => {
    const app = testWorker();
    const typed = await app.request("POST", "/api/v1/auth/register", {
      body: { ...registration(uniqueEmail()), password: 12345678 },
    });
    expect(typed.status).toBe(422);
    const form = await app.request("POST", "/api/v1/auth/register", {
      body: "email=a%40b.c",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(form.status).toBe(415);
    expect(await form.json()).toMatchObject({ code: "unsupported_media_type" });
    const array = await app.request("POST", "/api/v1/auth/register", { body: "[1,2]" });
    expect(array.status).toBe(422);
  });

  it("refuses a 2 MB body with 413 and a 1 MB password fast", async () => {
    const app = testWorker();
    const big = await app.request("POST", "/api/v1/auth/register", {
      body: { ...registration(uniqueEmail()), name: "x".repeat(2 * 1024 * 1024) },
    });
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ code: "payload_too_large" });

    const started = Date.now();
    const huge = await app.request("POST", "/api/v1/auth/register", {
      body: { ...registration(uniqueEmail()), password: "p".repeat(1024 * 1024) },
    });
    expect(huge.status).toBeGreaterThanOrEqual(400);
    expect(huge.status).toBeLessThan(500);
    expect(Date.now() - started).toBeLessThan(2000);
    // just over the raw input limit but under the body limit: 422 without hashing
    const long = await app.request("POST", "/api/v1/auth/register", {
      body: { ...registration(uniqueEmail()), password: "p".repeat(5000) },
    });
    expect(long.status).toBe(422);
    expect(((await long.json()) as { errors: { path: string }[] }).errors[0]?.path).toBe("password");
  });

  it("refuses invalid email addresses and accepts Unicode ones", async () => {
    const app = testWorker();
    for (const email of ["not-an-email", "a@b", "two@@example.com", "spa ce@example.com"]) {
      const res = await app.request("POST", "/api/v1/auth/register", { body: registration(email) });
      expect(res.status, email).toBe(422);
    }
    const unicode = `用户${crypto.randomUUID().slice(0, 6)}@例子.广告`;
    const ok = await app.request("POST", "/api/v1/auth/register", { body: registration(unicode) });
    expect(ok.status).toBe(201);
  });

  it("applies the password policy with a reason per rule", async () => {
    const app = testWorker();
    const email = uniqueEmail("policy");
    const cases: [string, string][] = [
      ["short1", "too_short"],
      ["password123", "common"],
      [`${email.split("@")[0]}!x`, "contains_email"],
      ["correct horse battery staple", "breached"],
      ["p".repeat(129), "too_long"],
    ];
    for (const [password, reason] of cases) {
      const res = await app.request("POST", "/api/v1/auth/register", {
        body: registration(email, { password }),
      });
      expect(res.status, reason).toBe(422);
      const body = (await res.json()) as { code: string; errors: { path: string; reason: string }[] };
      expect(body.code).toBe("validation_failed");
      expect(body.errors[0]).toMatchObject({ path: "password", reason });
    }
  });

  it("stores NFKC-normalised passwords, so NFC and NFD spellings are the same password", async () => {
    const app = testWorker();
    const nfd = "crème-brûlée-sunrise".normalize("NFD");
    const res = await app.request("POST", "/api/v1/auth/register", {
      body: registration(uniqueEmail("unicode"), { password: nfd }),
    });
    expect(res.status).toBe(201);
    const { userId } = (await res.json()) as { userId: string };
    const user = await row<{ password_hash: string }>("SELECT password_hash FROM users WHERE id = ?", userId);
    expect(verifyPassword("crème-brûlée-sunrise".normalize("NFC"), user?.password_hash ?? "")).toBe(true);
    expect(verifyPassword("creme-brulee-sunrise", user?.password_hash ?? "")).toBe(false);
  });

  it("fails open when the breach check is unreachable", async () => {
    const app = testWorker({
      fetch: async () => {
        throw new TypeError("network down");
      },
    });
    const res = await app.request("POST", "/api/v1/auth/register", {
      body: registration(uniqueEmail("hibp")),
    });
    expect(res.status).toBe(201);
  });
});

describe("Turnstile on registration", () => {
  it("requires a token: 400 captcha_required with the exact copy", async () => {
    const app = testWorker();
    const { turnstileToken: _omit, ...body } = registration(uniqueEmail("captcha"));
    const res = await app.request("POST", "/api/v1/auth/register", { body });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "captcha_required", detail: "Captcha required." });
  });

  it("honours the always-fail test secret", async () => {
    const app = testWorker({ env: { TURNSTILE_SECRET_KEY: "2x0000000000000000000000000000000AA" } });
    const res = await app.request("POST", "/api/v1/auth/register", {
      body: registration(uniqueEmail("captcha")),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "captcha_required" });
  });

  it("calls siteverify through the injected fetch with a real secret", async () => {
    const seen: { secret: string | null; response: string | null; remoteip: string | null }[] = [];
    const app = testWorker({
      env: { TURNSTILE_SECRET_KEY: "0x4AAAAAAAreal-secret" },
      fetch: async (input, init) => {
        const request = new Request(input, init);
        if (new URL(request.url).hostname !== "challenges.cloudflare.com")
          return new Response("", { status: 502 });
        const form = await request.formData();
        const entry = {
          secret: form.get("secret") as string | null,
          response: form.get("response") as string | null,
          remoteip: form.get("remoteip") as string | null,
        };
        seen.push(entry);
        return Response.json({
          success: entry.response === "good-token",
          hostname: "localhost",
          action: "register",
          "error-codes": [],
        });
      },
    });
    const bad = await app.request("POST", "/api/v1/auth/register", {
      body: registration(uniqueEmail("sv"), { turnstileToken: "bad-token" }),
    });
    expect(bad.status).toBe(400);
    const good = await app.request("POST", "/api/v1/auth/register", {
      body: registration(uniqueEmail("sv"), { turnstileToken: "good-token" }),
    });
    expect(good.status).toBe(201);
    expect(seen).toEqual([
      { secret: "0x4AAAAAAAreal-secret", response: "bad-token", remoteip: app.ip },
      { secret: "0x4AAAAAAAreal-secret", response: "good-token", remoteip: app.ip },
    ]);
  });
});
