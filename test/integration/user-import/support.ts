import {
  createExecutionContext,
  createMessageBatch,
  env,
  getQueueResult,
  waitOnExecutionContext,
} from "cloudflare:test";
import { decodeBase32IgnorePadding } from "@oslojs/encoding";
import { totpCode, totpCounter } from "../../../src/crypto/otp";
import type { ImportQueueMessage } from "../../../src/features/user-import/queue";
import { type testWorker, uniqueEmail, verifiedOwner } from "../../support/helpers";

type App = ReturnType<typeof testWorker>;
export type StaffRole = "admin" | "support" | "billing_admin";

/**
 * A verified user holding platform `role`, signed in as every platform role must be: 2FA enrolled at the first
 * login (mfa_setup), then the session exchanged for the user's own team.
 */
export async function staffSession(app: App, role: StaffRole) {
  const user = await verifiedOwner(app, uniqueEmail(role));
  await env.DB.prepare("INSERT INTO user_platform_roles (user_id, role, granted_at) VALUES (?, ?, 0)")
    .bind(user.userId, role)
    .run();
  const login = await app.request("POST", "/api/v1/auth/login", {
    body: { email: user.email, password: user.password },
  });
  const first = (await login.json()) as { step: string; preAuthToken: string; deviceId: string };
  if (first.step !== "mfa_setup") throw new Error(`expected mfa_setup, got ${first.step}`);
  const headers = {
    authorization: `Bearer ${first.preAuthToken}`,
    cookie: `__Host-device=${first.deviceId}`,
  };
  const setup = (await (await app.request("POST", "/api/v1/auth/2fa/enable-init", { headers })).json()) as {
    challengeId: string;
    secret: string;
  };
  const secret = decodeBase32IgnorePadding(setup.secret);
  const code = () => totpCode(secret, totpCounter(app.clock.now()));
  const done = await app.request("POST", "/api/v1/auth/2fa/enable-complete", {
    headers,
    body: { challengeId: setup.challengeId, code: code() },
  });
  if (done.status !== 200) throw new Error(`enable-complete answered ${done.status}`);
  const { preAuthToken } = (await done.json()) as { preAuthToken: string };
  const exchange = await app.request("POST", "/api/v1/auth/session-exchange", {
    body: { preAuthToken, teamId: user.teamId, deviceId: first.deviceId },
  });
  if (exchange.status !== 200) throw new Error(`session-exchange answered ${exchange.status}`);
  const { accessToken } = (await exchange.json()) as { accessToken: string };
  return { ...user, accessToken, code };
}

export const IMPORT_PATH = "/api/v1/admin/users/import";

/** POSTs a CSV body (text/csv unless `type` says otherwise). */
export function upload(app: App, token: string | null, csv: string, type = "text/csv; charset=utf-8") {
  return app.request("POST", IMPORT_PATH, {
    headers: { "content-type": type, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: csv,
  });
}

export interface JobView {
  id: string;
  status: string;
  total: number;
  processed: number;
  created: number;
  skipped: number;
  errors: { row: number; email: string; code: string; message: string }[];
}

export async function job(app: App, token: string, jobId: string): Promise<JobView> {
  const res = await app.request("GET", `${IMPORT_PATH}/${jobId}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (res.status !== 200) throw new Error(`GET job answered ${res.status}`);
  return (await res.json()) as JobView;
}

/** Delivers messages to the import consumer as the queue would (attempt 1), returning the acks/retries. */
export async function deliver(app: App, messages: ImportQueueMessage[], queue = "gatehouse-import") {
  const batch = createMessageBatch<ImportQueueMessage>(
    queue,
    messages.map((body, i) => ({
      id: `m${i}-${body.jobId}-${body.seq}`,
      timestamp: new Date(),
      attempts: 1,
      body,
    })),
  );
  const ctx = createExecutionContext();
  await app.worker.queue(batch as never, app.bindings, ctx);
  return getQueueResult(batch, ctx);
}

/** Every chunk of a job, as the upload queued them. */
export async function chunksOf(jobId: string): Promise<ImportQueueMessage[]> {
  const { results } = await env.DB.prepare("SELECT seq FROM user_import_chunks WHERE job_id = ? ORDER BY seq")
    .bind(jobId)
    .all<{ seq: number }>();
  return results.map((r) => ({ jobId, seq: r.seq }));
}

export async function teamSlug(teamId: string): Promise<string> {
  const row = await env.DB.prepare("SELECT slug FROM teams WHERE id = ?")
    .bind(teamId)
    .first<{ slug: string }>();
  if (!row) throw new Error("no team");
  return row.slug;
}

export async function invitationsTo(teamId: string, email: string): Promise<number> {
  const row = await env.DB.prepare("SELECT COUNT(*) AS n FROM invitations WHERE team_id = ? AND email = ?")
    .bind(teamId, email)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

export function csv(rows: string[][]): string {
  return [["email", "name", "team", "role"], ...rows].map((r) => r.join(",")).join("\r\n");
}

/** A request with a raw body (a stream or bytes), through the Worker's own fetch. */
export async function rawUpload(app: App, token: string, body: BodyInit, type = "text/csv") {
  const ctx = createExecutionContext();
  const res = await app.worker.fetch(
    new Request(`http://localhost${IMPORT_PATH}`, {
      method: "POST",
      headers: { "content-type": type, authorization: `Bearer ${token}`, "cf-connecting-ip": app.ip },
      body,
      duplex: "half",
    } as RequestInit) as never,
    app.bindings,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return res;
}
