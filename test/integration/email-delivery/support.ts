import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { getDb } from "../../../src/db/client";
import type { EmailQueueMessage } from "../../../src/email/types";
import { type Env, parseConfig } from "../../../src/platform/config";
import { type PreparedEmail, prepareEmail } from "../../../src/platform/outbox";
import { type testWorker, uniqueEmail } from "../../support/helpers";

/** Shared by the email-delivery tests: outbox rows written as a service would, and queue batches run by hand. */
export const db = getDb(env.DB);

export function config() {
  const parsed = parseConfig(env);
  if (!parsed.ok) throw new Error("test config invalid");
  return parsed.config;
}

/** Writes an outbox row (as a service would, in its batch) and returns the queue message. */
export async function outboxMail(to = uniqueEmail("mail")): Promise<PreparedEmail & { to: string }> {
  const prepared = await prepareEmail(
    {
      db,
      queue: env.EMAIL_QUEUE,
      encryptionKeys: config().ENCRYPTION_KEYS,
      now: Date.now,
      random: (n) => crypto.getRandomValues(new Uint8Array(n)),
    },
    {
      template: "verify_email",
      to,
      data: { verifyUrl: "http://localhost:8787/api/v1/auth/verify-email?token=abc", expiresHours: 24 },
    },
  );
  await prepared.statement;
  return { ...prepared, to };
}

export async function runQueue(
  app: ReturnType<typeof testWorker>,
  queue: string,
  messages: EmailQueueMessage[],
  attempts = 1,
) {
  const batch = createMessageBatch<EmailQueueMessage>(
    queue,
    messages.map((body, i) => ({ id: `m${i}-${body.id}`, timestamp: new Date(), attempts, body })),
  );
  const ctx = createExecutionContext();
  await app.worker.queue(batch, app.bindings, ctx);
  return getQueueResult(batch, ctx);
}

export async function outboxRow(id: string) {
  return env.DB.prepare(
    "SELECT status, provider, provider_message_id, delivery_status, attempts FROM email_outbox WHERE id = ?",
  )
    .bind(id)
    .first<{
      status: string;
      provider: string | null;
      provider_message_id: string | null;
      delivery_status: string | null;
      attempts: number;
    }>();
}

/** A Resend webhook delivery signed per Standard Webhooks with `secret` (`whsec_…`). */
export async function signedResend(secret: string, id: string, body: unknown, nowMs: number) {
  const text = JSON.stringify(body);
  const timestamp = String(Math.floor(nowMs / 1000));
  const raw = Uint8Array.from(atob(secret.replace(/^whsec_/, "")), (c) => c.charCodeAt(0));
  const key = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(
    await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${id}.${timestamp}.${text}`)),
  );
  const signature = `v1,${btoa(String.fromCharCode(...mac))}`;
  return {
    body: text,
    headers: {
      "content-type": "application/json",
      "svix-id": id,
      "svix-timestamp": timestamp,
      "svix-signature": signature,
    },
  };
}

/** A circuit breaker's state as its Durable Object holds it (platform/outbound/breaker.ts). */
export function breakerState(name: string, now: number) {
  const ns = (env as unknown as Env).CIRCUIT_BREAKER;
  return ns.get(ns.idFromName(name)).peek(name, now);
}
