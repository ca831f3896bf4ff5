import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { GOOD_PASSWORD, testWorker, waitForMail } from "../../support/helpers";
import { pageBrowser } from "../../support/pages";
import { memberSession, ownerSession, roleId } from "../../support/teams";

type App = ReturnType<typeof testWorker>;
type Caller = { email: string; call: (method: string, path: string) => Promise<Response> };

/** A browser signed in through /login as `user` (their API session ends first: one session per user). */
async function signedInBrowser(app: App, user: Caller) {
  expect((await user.call("POST", "/api/v1/auth/logout")).status).toBe(204);
  const browser = pageBrowser(app);
  const res = await browser.post("/login", { email: user.email, password: GOOD_PASSWORD });
  expect(res.status).toBe(303);
  return browser;
}

const csrfOf = (browser: ReturnType<typeof pageBrowser>) => browser.jar.get("__Host-csrf") ?? "";

async function transferStatus(teamId: string) {
  const row = await env.DB.prepare(
    "SELECT status FROM ownership_transfers WHERE team_id = ? ORDER BY created_at DESC LIMIT 1",
  )
    .bind(teamId)
    .first<{ status: string }>();
  return row?.status;
}

describe("pages: ownership transfer", () => {
  it("the owner proposes a member; the mailed link decides nothing until the addressee presses Accept", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const dev = await memberSession(app, owner.accessToken, owner.teamId, "Developer");
    const browser = await signedInBrowser(app, owner);
    const base = `/teams/${owner.teamId}/ownership`;

    const page = await (await browser.get(base)).text();
    expect(page).toContain(`href="${base}"`);
    expect(page).toContain(`<option value="${dev.userId}"`);
    expect(page).not.toContain(`<option value="${owner.userId}"`);

    const proposed = await browser.post(base, { csrf: csrfOf(browser), toUserId: dev.userId });
    expect(proposed.status).toBe(303);
    expect(proposed.headers.get("location")).toBe(`${base}?done=proposed`);
    const pending = await (await browser.get(`${base}?done=proposed`)).text();
    expect(pending).toContain("Proposal sent.");
    expect(pending).toContain(dev.email);
    expect(pending).toContain(`action="${base}/cancel"`);

    const [mail] = await waitForMail(app, dev.email, { template: "ownership_transfer" });
    const acceptLink = new URL(mail?.links[0] ?? "");
    expect(acceptLink.pathname).toBe("/ownership-transfer/accept");
    const linkPath = `${acceptLink.pathname}${acceptLink.search}`;

    // A mail scanner (no session) opens the link: it sees the team and a sign-in offer, and nothing changes.
    const scanner = await pageBrowser(app).get(linkPath);
    expect(scanner.status).toBe(200);
    const scanned = await scanner.text();
    expect(scanned).toContain("Login Team");
    expect(scanned).toContain(`/login?return_to=${encodeURIComponent(linkPath)}`);
    expect(scanned).not.toContain('action="/ownership-transfer/accept"');
    expect(await transferStatus(owner.teamId)).toBe("pending");

    // The owner opening the addressee's link is told it is for another account.
    expect(await (await browser.get(linkPath)).text()).toContain("sent to another account");

    const devBrowser = await signedInBrowser(app, dev);
    const offer = await (await devBrowser.get(linkPath)).text();
    expect(offer).toContain('action="/ownership-transfer/accept"');
    expect(offer).toContain('action="/ownership-transfer/decline"');
    expect(await transferStatus(owner.teamId)).toBe("pending");

    const token = acceptLink.searchParams.get("token") ?? "";
    const accepted = await devBrowser.post("/ownership-transfer/accept", { csrf: csrfOf(devBrowser), token });
    expect(accepted.status).toBe(303);
    expect(accepted.headers.get("location")).toBe("/ownership-transfer/accept?done=1");
    expect(await (await devBrowser.get("/ownership-transfer/accept?done=1")).text()).toContain(
      "You are now the owner of the team.",
    );
    const role = await env.DB.prepare("SELECT role_id FROM memberships WHERE team_id = ? AND user_id = ?")
      .bind(owner.teamId, dev.userId)
      .first<{ role_id: string }>();
    expect(role?.role_id).toBe(await roleId(owner.teamId, "Owner"));

    // The link is spent: opening it again says so.
    const spent = await devBrowser.get(linkPath);
    expect(spent.status).toBe(400);
    expect(await spent.text()).toContain("This link is invalid or has expired.");
  });

  it("the addressee declines from the decline link; the owner cancels; a Developer cannot open the section", async () => {
    const app = testWorker();
    const owner = await ownerSession(app);
    const dev = await memberSession(app, owner.accessToken, owner.teamId, "Developer");
    const browser = await signedInBrowser(app, owner);
    const base = `/teams/${owner.teamId}/ownership`;
    expect((await browser.post(base, { csrf: csrfOf(browser), toUserId: dev.userId })).status).toBe(303);
    const [mail] = await waitForMail(app, dev.email, { template: "ownership_transfer" });
    const decline = new URL(mail?.links[1] ?? "");
    expect(decline.pathname).toBe("/ownership-transfer/decline");

    const devBrowser = await signedInBrowser(app, dev);
    const devSection = await devBrowser.get(base);
    expect(devSection.status).toBe(403);
    const token = decline.searchParams.get("token") ?? "";
    const noCsrf = await devBrowser.post("/ownership-transfer/decline", { token });
    expect(noCsrf.status).toBe(403);
    expect(await transferStatus(owner.teamId)).toBe("pending");
    const declined = await devBrowser.post("/ownership-transfer/decline", {
      csrf: csrfOf(devBrowser),
      token,
    });
    expect(declined.status).toBe(303);
    expect(await transferStatus(owner.teamId)).toBe("declined");
    expect(await (await devBrowser.get("/ownership-transfer/decline?done=1")).text()).toContain(
      "You declined. Nothing changed.",
    );

    // A second proposal, cancelled by the owner: its link stops working.
    expect((await browser.post(base, { csrf: csrfOf(browser), toUserId: dev.userId })).status).toBe(303);
    const cancelled = await browser.post(`${base}/cancel`, { csrf: csrfOf(browser) });
    expect(cancelled.status).toBe(303);
    expect(cancelled.headers.get("location")).toBe(`${base}?done=cancelled`);
    expect(await transferStatus(owner.teamId)).toBe("cancelled");
    const nothing = await browser.post(`${base}/cancel`, { csrf: csrfOf(browser) });
    expect(nothing.status).toBe(404);
    expect(await nothing.text()).toContain("There is no pending ownership transfer.");
  });
});
