import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  DUMMY_TURNSTILE,
  GOOD_PASSWORD,
  testWorker,
  tokenFromLink,
  uniqueEmail,
  waitForMail,
} from "../../support/helpers";

type App = ReturnType<typeof testWorker>;

const BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

/** A pending registration and the link of its verification mail. */
async function pending(app: App) {
  const email = uniqueEmail("link");
  const res = await app.request("POST", "/api/v1/auth/register", {
    body: { email, password: GOOD_PASSWORD, teamName: "Links", turnstileToken: DUMMY_TURNSTILE },
  });
  const { userId } = (await res.json()) as { userId: string };
  const [mail] = await waitForMail(app, email, { template: "verify_email" });
  const link = mail?.links[0] ?? "";
  return { userId, link, token: tokenFromLink(link) };
}

async function isVerified(userId: string): Promise<boolean> {
  const row = await env.DB.prepare("SELECT email_verified_at FROM users WHERE id = ?")
    .bind(userId)
    .first<{ email_verified_at: number | null }>();
  return row?.email_verified_at != null;
}

describe("verification links decide nothing on GET (mail scanners)", () => {
  it("the mail links to the confirmation page, which only offers a button that POSTs the token", async () => {
    const app = testWorker();
    const { userId, link, token } = await pending(app);
    expect(link).toBe(`http://localhost:8787/verify-email?token=${token}`);

    for (const accept of [BROWSER, "*/*", undefined]) {
      const page = await app.request("GET", `/verify-email?token=${token}`, {
        headers: accept ? { accept } : {},
      });
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toContain("text/html");
      expect(page.headers.get("cache-control")).toContain("no-store");
      const html = await page.text();
      expect(html).toContain("Confirm your email address");
      expect(html).toContain('<form method="post" action="/api/v1/auth/verify-email">');
      expect(html).toContain(`name="token" value="${token}"`);
      expect(html).not.toMatch(/<script|\son[a-z]+=/i);
    }
    const head = await app.request("HEAD", `/verify-email?token=${token}`);
    expect(head.status).toBe(200);
    expect(await isVerified(userId)).toBe(false);
  });

  it("a browser GET or any HEAD of the API link shows the page and verifies nothing; API clients verify", async () => {
    const app = testWorker();
    const { userId, token } = await pending(app);
    const page = await app.request("GET", `/api/v1/auth/verify-email?token=${token}`, {
      headers: { accept: BROWSER },
    });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Confirm your email address");
    for (const accept of [BROWSER, "application/json", "*/*"]) {
      const head = await app.request("HEAD", `/api/v1/auth/verify-email?token=${token}`, {
        headers: { accept },
      });
      expect(head.status).toBeLessThan(400);
    }
    expect(await isVerified(userId)).toBe(false);

    // the API link (which no mail carries: mails link to the page) keeps the contract for programmatic
    // clients: a GET that does not prefer HTML verifies
    const json = await app.request("GET", `/api/v1/auth/verify-email?token=${token}`, {
      headers: { accept: "application/json" },
    });
    expect(json.status).toBe(200);
    expect(await json.json()).toEqual({ verified: true });
    expect(await isVerified(userId)).toBe(true);
  });

  it("POST { token } as JSON verifies: 200 { verified: true }, once", async () => {
    const app = testWorker();
    const { userId, token } = await pending(app);
    const res = await app.request("POST", "/api/v1/auth/verify-email", { body: { token } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ verified: true });
    expect(await isVerified(userId)).toBe(true);
    const again = await app.request("POST", "/api/v1/auth/verify-email", { body: { token } });
    expect(again.status).toBe(400);
    expect(await again.json()).toMatchObject({ code: "invalid_token" });
  });

  it("the page's form post verifies and answers the browser with 303 to /login?verified=1", async () => {
    const app = testWorker();
    const { userId, token } = await pending(app);
    const form = { "content-type": "application/x-www-form-urlencoded", accept: BROWSER };
    const res = await app.request("POST", "/api/v1/auth/verify-email", {
      body: `token=${encodeURIComponent(token)}`,
      headers: form,
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/login?verified=1");
    expect(await isVerified(userId)).toBe(true);

    const used = await app.request("POST", "/api/v1/auth/verify-email", {
      body: `token=${encodeURIComponent(token)}`,
      headers: form,
    });
    expect(used.status).toBe(400);
    expect(used.headers.get("content-type")).toContain("text/html");
    expect(await used.text()).toContain("This link is invalid or has expired.");
  });

  it("other form posts to the API stay 415", async () => {
    const res = await testWorker().request("POST", "/api/v1/auth/resend-verification", {
      body: "email=a%40example.com",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(res.status).toBe(415);
  });
});
