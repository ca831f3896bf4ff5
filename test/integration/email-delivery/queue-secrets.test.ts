import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { openJson } from "../../../src/crypto/secretbox";
import { getDb } from "../../../src/db/client";
import { findOutbox } from "../../../src/email/store";
import type { EmailQueueMessage } from "../../../src/email/types";
import { parseConfig } from "../../../src/platform/config";
import { prepareEmail } from "../../../src/platform/outbox";
import { testWorker, uniqueEmail, verifiedOwner, waitForMail } from "../../support/helpers";

/**
 * Secrets in transit inside the platform: a queue message names its outbox row and nothing else (no address, no
 * body, no link token); the consumer opens the row's sealed payload; once a mail is delivered its body is
 * cleared, so the database no longer holds its link tokens. Dead-lettered mails keep theirs for replay.
 */
const db = getDb(env.DB);
const LINK = "http://localhost:8787/reset-password?token=secret-link-token-0123456789abcdef";

function keys() {
  const parsed = parseConfig(env);
  if (!parsed.ok) throw new Error("test config invalid");
  return parsed.config.ENCRYPTION_KEYS;
}

async function outboxMail(to = uniqueEmail("sealed")) {
  const prepared = await prepareEmail(
    {
      db,
      queue: env.EMAIL_QUEUE,
      encryptionKeys: keys(),
      now: Date.now,
      random: (n) => crypto.getRandomValues(new Uint8Array(n)),
    },
    { template: "password_reset", to, data: { resetUrl: LINK, expiresMinutes: 60 } },
  );
  await prepared.statement;
  return { id: prepared.message.id, to };
}

/** An HTTP provider (Resend format) that records what it is asked to send; fails while `fail` says so. */
function recordingProvider(fail = () => false) {
  const calls: { to: string[]; text: string }[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    calls.push(await new Request(input, init).json());
    if (fail()) return new Response("unavailable", { status: 503 });
    return Response.json({ id: `re_${calls.length}` });
  };
  return { calls, fetch };
}

const resendEnv = {
  EMAIL_PROVIDER: "resend",
  EMAIL_API_KEY: "re_key",
  EMAIL_API_URL: "https://resend.test/emails",
};

async function runQueue(app: ReturnType<typeof testWorker>, queue: string, bodies: unknown[], attempts = 1) {
  const batch = createMessageBatch<EmailQueueMessage>(
    queue,
    bodies.map((body, i) => ({
      id: `q${i}`,
      timestamp: new Date(),
      attempts,
      body: body as EmailQueueMessage,
    })),
  );
  const ctx = createExecutionContext();
  await app.worker.queue(batch, app.bindings, ctx);
  return getQueueResult(batch, ctx);
}

describe("the email queue carries no secrets", () => {
  it("a flow's queue message is only the outbox id; the mail still arrives", async () => {
    const sent: unknown[] = [];
    const capture = {
      send: (body: unknown, options?: QueueSendOptions) => {
        sent.push(body);
        return env.EMAIL_QUEUE.send(body as EmailQueueMessage, options);
      },
      sendBatch: (
        messages: Iterable<MessageSendRequest<EmailQueueMessage>>,
        options?: QueueSendBatchOptions,
      ) => {
        const list = [...messages];
        sent.push(...list.map((m) => m.body));
        return env.EMAIL_QUEUE.sendBatch(list, options);
      },
    };
    const app = testWorker({ env: { EMAIL_QUEUE: capture as unknown as Queue<EmailQueueMessage> } });
    const owner = await verifiedOwner(app);
    sent.length = 0;
    const forgot = await app.request("POST", "/api/v1/auth/forgot-password", {
      body: { email: owner.email },
    });
    expect(forgot.status).toBe(202);
    const [mail] = await waitForMail(app, owner.email, { template: "password_reset" });
    const token = new URL(mail?.links[0] ?? "").searchParams.get("token") as string;
    expect(token.length).toBeGreaterThan(20);

    expect(sent).toHaveLength(1);
    expect(sent[0]).toEqual({ id: mail?.id });
    const wire = JSON.stringify(sent);
    expect(wire).not.toContain(token);
    expect(wire).not.toContain(owner.email);
  });

  it("the consumer sends what the sealed outbox row holds, then clears the body; a retry does not resend", async () => {
    const provider = recordingProvider();
    const app = testWorker({ fetch: provider.fetch, env: resendEnv });
    const mail = await outboxMail();
    const before = await findOutbox(db, mail.id);
    expect(await openJson(before?.payload ?? "", keys(), `email_outbox:${mail.id}`)).toMatchObject({
      resetUrl: LINK,
    });

    const result = await runQueue(app, "gatehouse-email", [{ id: mail.id }]);
    expect(result.explicitAcks).toEqual(["q0"]);
    expect(provider.calls).toHaveLength(1);
    expect(provider.calls[0]?.to).toEqual([mail.to]);
    expect(provider.calls[0]?.text).toContain(LINK);

    const after = await findOutbox(db, mail.id);
    expect(after?.status).toBe("sent");
    expect(after?.payload).toBe("");
    expect(after?.payload).not.toBe(before?.payload);

    const again = await runQueue(app, "gatehouse-email", [{ id: mail.id }], 2);
    expect(again.explicitAcks).toEqual(["q0"]);
    expect(provider.calls).toHaveLength(1);
  });

  it("an old-format message still in a queue is sent from the row: its own body is ignored", async () => {
    const provider = recordingProvider();
    const app = testWorker({ fetch: provider.fetch, env: resendEnv });
    const mail = await outboxMail();
    const old = {
      id: mail.id,
      template: "password_reset",
      to: "someone-else@example.com",
      data: { resetUrl: "http://evil.example/phish", expiresMinutes: 60 },
    };
    const result = await runQueue(app, "gatehouse-email", [old]);
    expect(result.explicitAcks).toEqual(["q0"]);
    expect(provider.calls[0]?.to).toEqual([mail.to]);
    expect(provider.calls[0]?.text).toContain(LINK);
    expect(provider.calls[0]?.text).not.toContain("evil.example");
    expect((await findOutbox(db, mail.id))?.payload).toBe("");
  });

  it("a failing send keeps the sealed body for the retry; a dead-lettered mail keeps it for replay", async () => {
    const provider = recordingProvider(() => true);
    const app = testWorker({ fetch: provider.fetch, env: resendEnv });
    const mail = await outboxMail();
    const sealed = (await findOutbox(db, mail.id))?.payload;
    const first = await runQueue(app, "gatehouse-email", [{ id: mail.id }]);
    expect(first.retryMessages).toHaveLength(1);
    expect(await findOutbox(db, mail.id)).toMatchObject({ status: "failed", payload: sealed });
    const dlq = await runQueue(app, "gatehouse-email-dlq", [{ id: mail.id }]);
    expect(dlq.explicitAcks).toEqual(["q0"]);
    expect(await findOutbox(db, mail.id)).toMatchObject({ status: "dead", payload: sealed });
    const audit = await env.DB.prepare("SELECT metadata FROM audit_logs WHERE target_id = ?")
      .bind(mail.id)
      .first<{ metadata: string }>();
    expect(JSON.parse(audit?.metadata ?? "{}")).toMatchObject({ template: "password_reset" });
  });
});
