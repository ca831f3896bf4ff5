import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { platformSession } from "../../support/admin";
import { testWorker, uniqueEmail } from "../../support/helpers";
import { scrapeMetrics, seriesValue } from "../../support/metrics";
import { ownerSession } from "../../support/teams";
import { outboxMail, outboxRow, runQueue, signedResend } from "./support";

/**
 * Bounces and complaints (docs/email-delivery.md): the providers' webhooks authenticate their deliveries, a hard
 * bounce or a complaint suppresses the address (no later mail is sent to it), a platform admin lifts it, and a
 * redelivered event changes nothing.
 */
const RESEND_SECRET = `whsec_${btoa("gatehouse-test-webhook-secret-32b")}`;
const POSTMARK_AUTH = "postmark:webhook-password-0123456789";

/** Resend answering `re_<n>` to every send. */
function fakeResend() {
  const sent: string[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const request = new Request(input, init);
    const body = (await request.json()) as { to: string[] };
    sent.push(body.to[0] ?? "");
    return Response.json({ id: `re_${crypto.randomUUID()}` });
  };
  return { sent, fetch };
}

function emailApp(provider = fakeResend()) {
  const app = testWorker({
    fetch: provider.fetch,
    env: {
      EMAIL_PROVIDER: "resend",
      EMAIL_API_KEY: "re_test_key",
      EMAIL_API_URL: "https://api.resend.test/emails",
      EMAIL_RESEND_WEBHOOK_SECRET: RESEND_SECRET,
      EMAIL_POSTMARK_WEBHOOK_AUTH: POSTMARK_AUTH,
    },
  });
  return { app, provider };
}

async function resendEvent(app: ReturnType<typeof testWorker>, id: string, body: unknown) {
  const signed = await signedResend(RESEND_SECRET, id, body, app.clock.now());
  return app.request("POST", "/api/v1/email/events/resend", signed);
}

function postmarkEvent(app: ReturnType<typeof testWorker>, body: unknown, auth = POSTMARK_AUTH) {
  return app.request("POST", "/api/v1/email/events/postmark", {
    body,
    headers: { authorization: `Basic ${btoa(auth)}` },
  });
}

async function auditCount(action: string, targetId: string): Promise<number> {
  const row = await env.DB.prepare("SELECT count(*) AS n FROM audit_logs WHERE action = ? AND target_id = ?")
    .bind(action, targetId)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/** Sends one mail to `to` through the consumer and returns its outbox row. */
async function deliverTo(app: ReturnType<typeof testWorker>, to: string) {
  const mail = await outboxMail(to);
  await runQueue(app, "gatehouse-email", [mail.message]);
  return { id: mail.message.id, row: await outboxRow(mail.message.id) };
}

describe("email webhooks: authentication", () => {
  it("refuses unsigned, wrongly signed and stale Resend deliveries with 401 problem+json", async () => {
    const { app } = emailApp();
    const event = { type: "email.bounced", data: { email_id: "re_x", to: ["x@example.com"] } };
    const unsigned = await app.request("POST", "/api/v1/email/events/resend", { body: event });
    expect(unsigned.status).toBe(401);
    expect(unsigned.headers.get("content-type")).toContain("application/problem+json");
    expect(((await unsigned.json()) as { code: string }).code).toBe("unauthorized");

    const signed = await signedResend(RESEND_SECRET, "msg_forged", event, app.clock.now());
    const forged = await app.request("POST", "/api/v1/email/events/resend", {
      ...signed,
      body: signed.body.replace("x@example.com", "y@example.com"),
    });
    expect(forged.status).toBe(401);

    const old = await signedResend(RESEND_SECRET, "msg_old", event, app.clock.now() - 6 * 60_000);
    expect((await app.request("POST", "/api/v1/email/events/resend", old)).status).toBe(401);

    const other = await signedResend(
      `whsec_${btoa("another-secret-another-secret!!")}`,
      "m",
      event,
      app.clock.now(),
    );
    expect((await app.request("POST", "/api/v1/email/events/resend", other)).status).toBe(401);
  });

  it("refuses Postmark deliveries without the configured credentials", async () => {
    const { app } = emailApp();
    const event = { RecordType: "Delivery", MessageID: "pm-x", Recipient: "x@example.com" };
    expect((await app.request("POST", "/api/v1/email/events/postmark", { body: event })).status).toBe(401);
    expect((await postmarkEvent(app, event, "postmark:wrong-password-0123456789")).status).toBe(401);
    expect((await postmarkEvent(app, event)).status).toBe(200);
  });

  it("answers 404 while a provider's webhook secret is not configured", async () => {
    const app = testWorker();
    const event = { RecordType: "Delivery", MessageID: "pm-x" };
    expect((await postmarkEvent(app, event)).status).toBe(404);
    const signed = await signedResend(RESEND_SECRET, "m", { type: "email.delivered" }, app.clock.now());
    expect((await app.request("POST", "/api/v1/email/events/resend", signed)).status).toBe(404);
  });

  it("acknowledges event types it does not handle with 200, changing nothing", async () => {
    const { app } = emailApp();
    const res = await resendEvent(app, "msg_open_1", { type: "email.opened", data: { email_id: "re_y" } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: true, duplicate: false, ignored: "email.opened" });
  });
});

describe("email webhooks: bounces, complaints and the suppression list", () => {
  it("a hard bounce suppresses the address: the next mail is not sent; a redelivery changes nothing; lifting mails it again", async () => {
    const { app, provider } = emailApp();
    const before = await scrapeMetrics(app);
    const to = uniqueEmail("bouncer");
    const first = await deliverTo(app, to);
    expect(first.row).toMatchObject({ status: "sent", provider: "resend" });

    const event = {
      type: "email.bounced",
      created_at: new Date(app.clock.now()).toISOString(),
      data: { email_id: first.row?.provider_message_id, to: [to], bounce: { type: "Permanent" } },
    };
    const eventId = `msg_${crypto.randomUUID()}`;
    const res = await resendEvent(app, eventId, event);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: true, duplicate: false });
    expect((await outboxRow(first.id))?.delivery_status).toBe("bounced");

    const admin = await platformSession(app, ["admin"]);
    const list = await admin.call("GET", `/api/v1/admin/email/suppressions?email=${encodeURIComponent(to)}`);
    expect(list.status).toBe(200);
    const { items } = (await list.json()) as {
      items: { id: string; address: string; reason: string; events: number; outboxId: string }[];
    };
    expect(items).toHaveLength(1);
    const entry = items[0];
    expect(entry).toMatchObject({ reason: "hard_bounce", events: 1, outboxId: first.id, provider: "resend" });
    expect(entry?.address).toMatch(/^b\*\*\*@example\.com$/);
    expect(await auditCount("email.bounced", entry?.id ?? "")).toBe(1);
    // nothing in the table names the address in clear
    const stored = await env.DB.prepare("SELECT * FROM email_suppressions WHERE id = ?")
      .bind(entry?.id)
      .first();
    expect(JSON.stringify(stored)).not.toContain(to);

    // the provider redelivers the same event: nothing changes
    const again = await resendEvent(app, eventId, event);
    expect(await again.json()).toEqual({ received: true, duplicate: true });
    expect(await auditCount("email.bounced", entry?.id ?? "")).toBe(1);

    // the next mail to the address is suppressed without a provider call
    const sentBefore = provider.sent.length;
    const second = await deliverTo(app, to.toUpperCase());
    expect(second.row?.status).toBe("suppressed");
    expect(provider.sent.length).toBe(sentBefore);
    // counted: the webhook event, the suppressed mail, the provider's sends (aggregated across isolates)
    const after = await scrapeMetrics(testWorker());
    const grew = (series: string) => seriesValue(after, series) - seriesValue(before, series);
    expect(grew('gatehouse_email_events_total{kind="hard_bounce",provider="resend"}')).toBeGreaterThanOrEqual(
      1,
    );
    expect(grew('gatehouse_emails_total{result="suppressed"}')).toBeGreaterThanOrEqual(1);
    expect(
      grew('gatehouse_email_provider_results_total{provider="resend",result="sent"}'),
    ).toBeGreaterThanOrEqual(1);

    // lifted by an admin (audited), the address is mailed again
    const lift = await admin.call("DELETE", `/api/v1/admin/email/suppressions/${entry?.id}`, {
      reason: "user fixed their mailbox",
    });
    expect(lift.status).toBe(204);
    expect(await auditCount("email.suppression_lifted", entry?.id ?? "")).toBe(1);
    const third = await deliverTo(app, to);
    expect(third.row).toMatchObject({ status: "sent", provider: "resend" });
    expect(provider.sent.at(-1)).toBe(to);
    expect(
      (await admin.call("DELETE", `/api/v1/admin/email/suppressions/${entry?.id}`, { reason: "again" }))
        .status,
    ).toBe(404);
  });

  it("Postmark: a complaint suppresses (matched by the echoed outbox id), a soft bounce only counts, a delivery is recorded", async () => {
    const { app } = emailApp();
    const complainer = uniqueEmail("complainer");
    const soft = uniqueEmail("soft");
    const delivered = await deliverTo(app, soft);

    const complaint = await postmarkEvent(app, {
      RecordType: "SpamComplaint",
      ID: Math.floor(Math.random() * 1e9),
      Type: "SpamComplaint",
      MessageID: crypto.randomUUID(),
      Email: complainer,
      Metadata: { outboxId: "unknown-outbox-id" },
    });
    expect(await complaint.json()).toEqual({ received: true, duplicate: false });
    const softBounce = await postmarkEvent(app, {
      RecordType: "Bounce",
      ID: Math.floor(Math.random() * 1e9),
      Type: "SoftBounce",
      MessageID: delivered.row?.provider_message_id,
      Email: soft,
    });
    expect(softBounce.status).toBe(200);
    expect((await outboxRow(delivered.id))?.delivery_status).toBe("soft_bounced");
    const delivery = await postmarkEvent(app, {
      RecordType: "Delivery",
      MessageID: delivered.row?.provider_message_id,
      Recipient: soft,
    });
    expect(delivery.status).toBe(200);
    expect((await outboxRow(delivered.id))?.delivery_status).toBe("delivered");

    expect((await deliverTo(app, complainer)).row?.status).toBe("suppressed");
    expect((await deliverTo(app, soft)).row?.status).toBe("sent");
  });

  it("lists suppressions newest first with a cursor, for admin and support only", async () => {
    const { app } = emailApp();
    for (let i = 0; i < 3; i++) {
      await resendEvent(app, `msg_${crypto.randomUUID()}`, {
        type: "email.complained",
        data: { email_id: `re_${crypto.randomUUID()}`, to: [uniqueEmail(`list${i}`)] },
      });
      app.clock.advance(1);
    }
    const support = await platformSession(app, ["support"]);
    const first = await support.call("GET", "/api/v1/admin/email/suppressions?limit=2");
    expect(first.status).toBe(200);
    const page1 = (await first.json()) as { items: { id: string; createdAt: string }[]; nextCursor: string };
    expect(page1.items).toHaveLength(2);
    expect(page1.nextCursor).toEqual(expect.any(String));
    const second = await support.call(
      "GET",
      `/api/v1/admin/email/suppressions?limit=2&cursor=${page1.nextCursor}`,
    );
    const page2 = (await second.json()) as { items: { id: string; createdAt: string }[] };
    expect(page2.items.length).toBeGreaterThan(0);
    expect(page2.items.map((i) => i.id)).not.toContain(page1.items[0]?.id);
    expect((page1.items[0]?.createdAt ?? "") >= (page1.items[1]?.createdAt ?? "")).toBe(true);
    expect((await support.call("GET", "/api/v1/admin/email/suppressions?cursor=%%%")).status).toBe(422);
    // support may read but not lift
    const lift = await support.call("DELETE", `/api/v1/admin/email/suppressions/${page1.items[0]?.id}`, {
      reason: "no",
    });
    expect(lift.status).toBe(403);
    const owner = await ownerSession(app);
    expect((await owner.call("GET", "/api/v1/admin/email/suppressions")).status).toBe(403);
  });
});
