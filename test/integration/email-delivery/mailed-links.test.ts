import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { DevMail } from "../../../src/features/dev/schemas";
import {
  DUMMY_TURNSTILE,
  GOOD_PASSWORD,
  signIn,
  testWorker,
  tokenFromLink,
  uniqueEmail,
  verifiedOwner,
  waitForMail,
} from "../../support/helpers";
import { memberSession, ownerSession, roleId } from "../../support/teams";

/**
 * Mailed links decide nothing on GET (../shared/API.md): mail security gateways open every link of every mail.
 * This runs every flow that mails a link — verification, reset, invitation, ownership transfer, suspicious-login
 * approval, and the alerts (lockout, security alert, token reuse) — opens every link found in every mail of the
 * dev mailbox as a scanner would (GET and HEAD, as a page, as JSON, as neither, from another client), and then
 * shows that nothing was ended, granted or trusted: every one-time link still does its job afterwards, once.
 * Links to pages not built yet answer 404, which decides nothing either.
 */
type App = ReturnType<typeof testWorker>;
const NEW_YORK = { "cf-ipcountry": "US", "cf-ipcity": "New York", "cf-asn": "7922" };
const BERLIN_CF = { country: "DE", city: "Berlin", asn: 3320, latitude: "52.52", longitude: "13.40" };
const ACCEPTS: Record<string, string>[] = [
  { accept: "text/html,application/xhtml+xml,*/*;q=0.8" },
  { accept: "application/json" },
  {},
];

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function mailsOf(app: App, to: string): Promise<DevMail[]> {
  const res = await app.request("GET", `/api/v1/dev/mailbox?to=${encodeURIComponent(to)}`);
  return (await res.json()) as DevMail[];
}

function linkOf(mails: DevMail[], template: string, index = 0): string {
  const link = mails.find((m) => m.template === template)?.links[index];
  if (!link) throw new Error(`no ${template} link`);
  return link;
}

describe("every mailed link decides nothing on GET or HEAD", () => {
  it("opening every link of every mail ends, grants and trusts nothing; each link still works after", async () => {
    const app = testWorker({ env: { SINGLE_SESSION: "false" } });

    // Team mails: a pending invitation and a pending ownership transfer.
    const owner = await ownerSession(app);
    const manager = await memberSession(app, owner.accessToken, owner.teamId, "Manager");
    const invitee = uniqueEmail("invitee");
    const invited = await owner.call("POST", `/api/v1/teams/${owner.teamId}/invitations`, {
      email: invitee,
      roleId: await roleId(owner.teamId, "Developer"),
    });
    expect(invited.status).toBe(201);
    const proposal = await owner.call("POST", `/api/v1/teams/${owner.teamId}/ownership-transfer`, {
      toUserId: manager.userId,
    });
    expect(proposal.status).toBe(201);

    // A registration waiting for its verification; a password reset requested.
    const registrant = uniqueEmail("registrant");
    const registered = await app.request("POST", "/api/v1/auth/register", {
      body: {
        email: registrant,
        password: GOOD_PASSWORD,
        name: "Reg",
        teamName: "Pending Team",
        turnstileToken: DUMMY_TURNSTILE,
      },
    });
    expect(registered.status).toBe(201);
    const resetter = await verifiedOwner(app);
    expect(
      (await app.request("POST", "/api/v1/auth/forgot-password", { body: { email: resetter.email } })).status,
    ).toBe(202);

    // Alerts: a lockout, a security alert (password changed), a reused refresh token.
    const locked = await verifiedOwner(app);
    const guesser = testWorker({ clock: app.clock }); // its own IP: failures there ask this one for CAPTCHAs
    for (let i = 0; i < 5; i++) {
      await guesser.request("POST", "/api/v1/auth/login", {
        body: { email: locked.email, password: `wrong-password-${i}`, turnstileToken: DUMMY_TURNSTILE },
      });
    }
    const alerted = await verifiedOwner(app);
    const alertedSession = await signIn(app, alerted.email, GOOD_PASSWORD, alerted.teamId);
    const changed = await app.request("POST", "/api/v1/auth/change-password", {
      headers: bearer(alertedSession.accessToken),
      body: { currentPassword: GOOD_PASSWORD, newPassword: "tangerine-harbor-quiet-77" },
    });
    expect(changed.status).toBe(200);
    const rotated = await app.request("POST", "/api/v1/auth/refresh", {
      body: { refreshToken: alertedSession.refreshToken, deviceId: alertedSession.deviceId },
    });
    expect(rotated.status).toBe(200);
    app.clock.advance(30_000);
    await app.request("POST", "/api/v1/auth/refresh", {
      body: { refreshToken: alertedSession.refreshToken, deviceId: alertedSession.deviceId },
    });

    // A suspicious login waiting for its owner's approval.
    const traveller = await verifiedOwner(app);
    const home = (await (
      await app.request("POST", "/api/v1/auth/login", {
        body: { email: traveller.email, password: GOOD_PASSWORD },
        cf: BERLIN_CF,
      })
    ).json()) as { preAuthToken: string; deviceId: string };
    await app.request("POST", "/api/v1/auth/session-exchange", {
      body: { preAuthToken: home.preAuthToken, teamId: traveller.teamId, deviceId: home.deviceId },
    });
    const away = (await (
      await app.request("POST", "/api/v1/auth/login", {
        body: { email: traveller.email, password: GOOD_PASSWORD },
        headers: NEW_YORK,
      })
    ).json()) as { step: string; preAuthToken: string };
    expect(away.step).toBe("login_approval");

    const wanted: [string, string][] = [
      [invitee, "invitation"],
      [manager.email, "ownership_transfer"],
      [registrant, "verify_email"],
      [resetter.email, "password_reset"],
      [locked.email, "lockout"],
      [alerted.email, "security_alert"],
      [alerted.email, "token_reuse"],
      [traveller.email, "login_approval"],
    ];
    for (const [to, template] of wanted) await waitForMail(app, to, { template });
    const addresses = [owner.email, manager.email, invitee, registrant, resetter.email];
    addresses.push(locked.email, alerted.email, traveller.email);
    const mailbox = new Map<string, DevMail[]>();
    for (const to of addresses) mailbox.set(to, await mailsOf(app, to));
    const links = [...new Set([...mailbox.values()].flat().flatMap((m) => m.links))];
    expect(links.length).toBeGreaterThanOrEqual(10);

    // The scanner: another client (its own IP, no cookies) opening every link every way.
    const scanner = testWorker({ clock: app.clock, env: { SINGLE_SESSION: "false" } });
    const seen: string[] = [];
    for (const link of links) {
      const url = new URL(link);
      expect(url.origin).toBe(env.PUBLIC_ORIGIN);
      for (const method of ["GET", "HEAD"]) {
        for (const headers of ACCEPTS) {
          const res = await scanner.request(method, `${url.pathname}${url.search}`, {
            headers: { ...headers, cookie: "" },
          });
          expect(res.status, `${method} ${url.pathname}`).toBeLessThan(500);
          seen.push(`${method} ${url.pathname} ${res.status}`);
        }
      }
    }
    expect(seen.some((s) => s.startsWith("GET /api/v1/auth/login/approve 200"))).toBe(true);

    // Nothing was decided: the waiting login waits; the registration is unverified; sessions live.
    const status = await app.request("GET", "/api/v1/auth/login/status", {
      headers: bearer(away.preAuthToken),
    });
    expect(await status.json()).toMatchObject({ step: "login_approval" });
    const unverified = await env.DB.prepare("SELECT email_verified_at AS v FROM users WHERE email = ?")
      .bind(registrant)
      .first<{ v: number | null }>();
    expect(unverified?.v).toBeNull();
    expect((await owner.call("GET", "/api/v1/auth/me")).status).toBe(200);
    expect((await manager.call("GET", `/api/v1/teams/${owner.teamId}`)).status).toBe(200);

    // …and every one-time link still does its job, through its POST.
    const mail = (to: string) => mailbox.get(to) ?? [];
    const accepted = await manager.call("POST", "/api/v1/ownership-transfers/accept", {
      token: tokenFromLink(linkOf(mail(manager.email), "ownership_transfer")),
    });
    expect(accepted.status).toBe(200);
    const joined = await app.request("POST", "/api/v1/auth/register/invite", {
      body: {
        inviteToken: tokenFromLink(linkOf(mail(invitee), "invitation")),
        password: GOOD_PASSWORD,
        name: "Ivy",
      },
    });
    expect(joined.status).toBe(201);
    const reset = await app.request("POST", "/api/v1/auth/reset-password", {
      body: {
        token: tokenFromLink(linkOf(mail(resetter.email), "password_reset")),
        newPassword: "tangerine-harbor-quiet-78",
      },
    });
    expect(reset.status).toBe(200);
    const approved = await app.request("POST", "/api/v1/auth/login/approve", {
      body: { token: tokenFromLink(linkOf(mail(traveller.email), "login_approval")) },
    });
    expect(approved.status).toBe(200);
  });
});
