import { createExecutionContext, env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { findOutbox } from "../../../src/email/store";
import { retryDelaySeconds } from "../../../src/features/email-delivery/consumer";
import { testWorker, uniqueEmail } from "../../support/helpers";
import { productionEnv } from "../../support/production";
import { db, outboxMail, runQueue } from "./support";

/** A fake HTTP email provider (Resend format) that fails `failures` times, then accepts. */
function fakeResend(failures: number, failStatus = 503) {
  const calls: { idempotencyKey: string | null; body: { to: string[]; subject: string; text: string } }[] =
    [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const request = new Request(input, init);
    expect(request.headers.get("authorization")).toBe("Bearer re_test_key");
    calls.push({ idempotencyKey: request.headers.get("idempotency-key"), body: await request.json() });
    if (calls.length <= failures) return new Response("unavailable", { status: failStatus });
    return Response.json({ id: `re_${calls.length}` });
  };
  return { calls, fetch };
}

const resendEnv = {
  EMAIL_PROVIDER: "resend",
  EMAIL_API_KEY: "re_test_key",
  EMAIL_API_URL: "https://api.resend.test/emails",
};

describe("email queue consumer", () => {
  it("sends through the HTTP provider with the outbox id as idempotency key and marks the row sent", async () => {
    const provider = fakeResend(0);
    const app = testWorker({ fetch: provider.fetch, env: resendEnv });
    const mail = await outboxMail();
    const result = await runQueue(app, "gatehouse-email", [mail.message]);
    expect(result.explicitAcks).toEqual([`m0-${mail.message.id}`]);
    expect(result.retryMessages).toEqual([]);
    expect(provider.calls).toHaveLength(1);
    expect(provider.calls[0]?.idempotencyKey).toBe(mail.message.id);
    expect(provider.calls[0]?.body.to).toEqual([mail.to]);
    expect(provider.calls[0]?.body.text).toContain(
      "http://localhost:8787/api/v1/auth/verify-email?token=abc",
    );
    const row = await findOutbox(db, mail.message.id);
    expect(row).toMatchObject({ status: "sent", providerMessageId: "re_1", attempts: 1, provider: "resend" });
    // once delivered, the body (with its link token) is no longer kept (queue-secrets.test.ts)
    expect(row?.payload).toBe("");
  });

  it("renders with the configured brand: product name and accent colour", async () => {
    const provider = fakeResend(0);
    const app = testWorker({
      fetch: provider.fetch,
      env: { ...resendEnv, PRODUCT_NAME: "Acme ID", BRAND_COLOR: "#7a1fa2" },
    });
    const mail = await outboxMail();
    await runQueue(app, "gatehouse-email", [mail.message]);
    const sent = provider.calls[0]?.body as unknown as { text: string; html: string };
    expect(sent.text).toContain("Acme ID");
    expect(sent.html).toContain("background:#7a1fa2;");
  });

  it("retries a failing provider with backoff, then delivers once it recovers", async () => {
    const provider = fakeResend(2);
    const app = testWorker({ fetch: provider.fetch, env: resendEnv });
    const mail = await outboxMail();
    const first = await runQueue(app, "gatehouse-email", [mail.message], 1);
    expect(first.retryMessages.map((m) => m.msgId)).toEqual([`m0-${mail.message.id}`]);
    const failed = await findOutbox(db, mail.message.id);
    expect(failed?.status).toBe("failed");
    expect(failed?.lastError).toContain("provider answered 503");
    const second = await runQueue(app, "gatehouse-email", [mail.message], 2);
    expect(second.retryMessages.map((m) => m.msgId)).toEqual([`m0-${mail.message.id}`]);
    const third = await runQueue(app, "gatehouse-email", [mail.message], 3);
    expect(third.explicitAcks).toHaveLength(1);
    expect(await findOutbox(db, mail.message.id)).toMatchObject({ status: "sent", attempts: 3 });
    expect(provider.calls).toHaveLength(3);
    expect(retryDelaySeconds(1)).toBe(10);
    expect(retryDelaySeconds(3)).toBe(40);
    expect(retryDelaySeconds(20)).toBe(900);
  });

  it("does not send a redelivered message twice", async () => {
    const provider = fakeResend(0);
    const app = testWorker({ fetch: provider.fetch, env: resendEnv });
    const mail = await outboxMail();
    await runQueue(app, "gatehouse-email", [mail.message]);
    const again = await runQueue(app, "gatehouse-email", [mail.message, mail.message], 2);
    expect(again.explicitAcks).toHaveLength(2);
    expect(provider.calls).toHaveLength(1);
  });

  it("dead-letters after the queue gives up: the DLQ consumer marks the row dead and audits it", async () => {
    const provider = fakeResend(100);
    const app = testWorker({ fetch: provider.fetch, env: resendEnv });
    const mail = await outboxMail();
    await runQueue(app, "gatehouse-email", [mail.message], 6);
    const dlq = await runQueue(app, "gatehouse-email-dlq", [mail.message]);
    expect(dlq.explicitAcks).toHaveLength(1);
    const row = await findOutbox(db, mail.message.id);
    expect(row?.status).toBe("dead");
    expect(row?.payload).toMatch(/^gh1\./); // kept (encrypted) for an operator to replay: nothing lost
    const audit = await env.DB.prepare("SELECT action, metadata FROM audit_logs WHERE target_id = ?")
      .bind(mail.message.id)
      .first<{ action: string; metadata: string }>();
    expect(audit?.action).toBe("email.dead_lettered");
    expect(audit?.metadata).not.toContain(mail.to);
  });

  it("dead-letters permanent provider rejections at once", async () => {
    const provider = fakeResend(100, 422);
    const app = testWorker({ fetch: provider.fetch, env: resendEnv });
    const mail = await outboxMail();
    const result = await runQueue(app, "gatehouse-email", [mail.message]);
    expect(result.explicitAcks).toHaveLength(1);
    expect(result.retryMessages).toEqual([]);
    expect((await findOutbox(db, mail.message.id))?.status).toBe("dead");
  });

  it("sends in Postmark format when configured", async () => {
    const seen: Request[] = [];
    const app = testWorker({
      env: { EMAIL_PROVIDER: "postmark", EMAIL_API_KEY: "pm-key", EMAIL_API_URL: undefined },
      fetch: async (input, init) => {
        seen.push(new Request(input, init));
        return Response.json({ MessageID: "pm-1", ErrorCode: 0 });
      },
    });
    const mail = await outboxMail();
    await runQueue(app, "gatehouse-email", [mail.message]);
    expect(seen[0]?.url).toBe("https://api.postmarkapp.com/email");
    expect(seen[0]?.headers.get("x-postmark-server-token")).toBe("pm-key");
    const body = (await seen[0]?.json()) as { To: string; TextBody: string };
    expect(body.To).toBe(mail.to);
    expect((await findOutbox(db, mail.message.id))?.providerMessageId).toBe("pm-1");
  });

  it("stores mails in the dev mailbox once, with links and codes", async () => {
    const app = testWorker();
    const to = uniqueEmail("box");
    const mail = await outboxMail(to);
    await runQueue(app, "gatehouse-email", [mail.message]);
    await runQueue(app, "gatehouse-email", [mail.message], 2);
    const res = await app.request("GET", `/api/v1/dev/mailbox?to=${encodeURIComponent(to)}`);
    const mails = (await res.json()) as { template: string; links: string[]; codes: string[] }[];
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({
      template: "verify_email",
      links: ["http://localhost:8787/api/v1/auth/verify-email?token=abc"],
      codes: [],
    });
    const page = await app.request("GET", `/dev/mailbox?to=${encodeURIComponent(to)}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("verify-email?token=abc");
  });

  it("hides the dev mailbox outside development", async () => {
    const app = testWorker({ env: await productionEnv() });
    expect((await app.request("GET", "/api/v1/dev/mailbox")).status).toBe(404);
    expect((await app.request("GET", "/dev/mailbox")).status).toBe(404);
  });

  it("refuses test Turnstile secrets and the mailbox provider in production (503 naming them only in the log)", async () => {
    const logged: string[] = [];
    const spy = vi.spyOn(console, "error").mockImplementation((line: unknown) => {
      logged.push(String(line));
    });
    const app = testWorker({
      env: {
        ...(await productionEnv()),
        EMAIL_PROVIDER: "mailbox",
        TURNSTILE_SECRET_KEY: "1x0000000000000000000000000000000AA",
      },
    });
    const res = await app.request("GET", "/health");
    spy.mockRestore();
    expect(res.status).toBe(503);
    const body = (await res.json()) as { code: string };
    expect(body.code).toBe("misconfigured");
    expect(body).not.toHaveProperty("variables");
    const line = logged.find((l) => l.includes("configuration invalid")) ?? "";
    expect((JSON.parse(line) as { variables: string[] }).variables.sort()).toEqual([
      "EMAIL_PROVIDER",
      "TURNSTILE_SECRET_KEY",
    ]);
  });

  it("re-dispatches mails whose queue send failed (the cron sweep)", async () => {
    const app = testWorker();
    const to = uniqueEmail("sweep");
    const mail = await outboxMail(to); // written, never sent to the queue
    app.clock.advance(16 * 60_000);
    const { createScheduledController, waitOnExecutionContext } = await import("cloudflare:test");
    const ctx = createExecutionContext();
    await app.worker.scheduled(createScheduledController({ cron: "17 3 * * *" }), app.bindings, ctx);
    await waitOnExecutionContext(ctx);
    const deadline = Date.now() + 10_000;
    let status = (await findOutbox(db, mail.message.id))?.status;
    while (status !== "sent" && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await findOutbox(db, mail.message.id))?.status;
    }
    expect(status).toBe("sent");
  });
});
