import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { signIn, testWorker, verifiedOwner, waitForMail } from "../../support/helpers";

/*
 * Issue 14, item 3: five wrong codes void a challenge, but a new login gives a fresh five. Wrong device codes
 * count per user across challenges: 10 within 15 minutes lock device approval for 15 minutes (429 with
 * Retry-After, one mail, in the login activity), and the count is atomic.
 */

type App = ReturnType<typeof testWorker>;

async function deviceLogin(app: App, email: string, password: string) {
  const res = await app.request("POST", "/api/v1/auth/login", { body: { email, password } });
  const step = (await res.json()) as { step: string; preAuthToken: string };
  expect(step.step).toBe("device_approval");
  return step.preAuthToken;
}

function deviceStep(app: App, preAuthToken: string, code: string) {
  return app.request("POST", "/api/v1/auth/login/device", { body: { preAuthToken, code } });
}

async function ownerWithTrustedDevice() {
  const a = testWorker();
  const owner = await verifiedOwner(a);
  await signIn(a, owner.email, owner.password, owner.teamId);
  const b = testWorker({ clock: a.clock });
  return { a, b, owner };
}

async function guard(userId: string) {
  return env.DB.prepare(
    "SELECT failures, locked_until AS lockedUntil FROM device_code_guards WHERE user_id = ?",
  )
    .bind(userId)
    .first<{ failures: number; lockedUntil: number | null }>();
}

describe("device codes: guessing across challenges", () => {
  it("10 wrong codes over several challenges lock device approval for 15 minutes, with one mail", async () => {
    const { b, owner } = await ownerWithTrustedDevice();
    let wrongSoFar = 0;
    // two challenges of five wrong codes each; a fresh login after the first one is voided
    for (const round of [1, 2]) {
      const token = await deviceLogin(b, owner.email, owner.password);
      const [mail] = await waitForMail(b, owner.email, { template: "device_code", count: round });
      const code = mail?.codes[0] ?? "";
      const wrong = code === "000000" ? "000001" : "000000";
      for (let i = 0; i < 5; i++) {
        const res = await deviceStep(b, token, wrong);
        wrongSoFar += 1;
        expect(res.status).toBe(wrongSoFar < 10 ? 401 : 429);
      }
    }
    const lockedAnswer = await deviceStep(b, await deviceLogin(b, owner.email, owner.password), "123456");
    expect(lockedAnswer.status).toBe(429);
    expect(await lockedAnswer.json()).toMatchObject({ code: "rate_limited" });
    const retryAfter = Number(lockedAnswer.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(14 * 60);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);

    // even the right code of a fresh challenge is refused while the lock lasts
    const token = await deviceLogin(b, owner.email, owner.password);
    const mails = await waitForMail(b, owner.email, { template: "device_code", count: 4 });
    const rightCode = mails[0]?.codes[0] ?? "";
    expect((await deviceStep(b, token, rightCode)).status).toBe(429);

    const alerts = await waitForMail(b, owner.email, { template: "security_alert" });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.text).toContain("wrong device-approval codes");
    const activity = await env.DB.prepare(
      "SELECT count(*) AS n FROM login_events WHERE user_id = ? AND outcome = 'locked' AND reason = 'device_codes_locked'",
    )
      .bind(owner.userId)
      .first<{ n: number }>();
    expect(activity?.n).toBe(1);

    // after 15 minutes a new login's right code passes
    b.clock.advance(15 * 60_000 + 1000);
    const later = await deviceLogin(b, owner.email, owner.password);
    const fresh = await waitForMail(b, owner.email, { template: "device_code", count: 5 });
    const ok = await deviceStep(b, later, fresh[0]?.codes[0] ?? "");
    expect(ok.status).toBe(200);
  });

  it("RACE: 20 parallel wrong codes count 20, start the lock once and mail once", async () => {
    const { b, owner } = await ownerWithTrustedDevice();
    const tokens = await Promise.all([1, 2, 3, 4].map(() => deviceLogin(b, owner.email, owner.password)));
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => deviceStep(b, tokens[i % 4] as string, "000000")),
    );
    // the codes are random: the (1 in a million) right one would pass; everything else is refused
    const statuses = answers.map((r) => r.status).filter((s) => s !== 200);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(statuses.length - 9);
    const row = await guard(owner.userId);
    expect(row?.failures).toBe(statuses.length);
    expect(row?.lockedUntil).toBe(b.clock.now() + 15 * 60_000);
    const alerts = await waitForMail(b, owner.email, { template: "security_alert" });
    await new Promise((r) => setTimeout(r, 300));
    expect(await waitForMail(b, owner.email, { template: "security_alert" })).toHaveLength(alerts.length);
    expect(alerts).toHaveLength(1);
  });
});
