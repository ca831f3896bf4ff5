import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { testWorker, uniqueEmail, waitForMail } from "../../support/helpers";
import { ownerSession } from "../../support/teams";
import { chunksOf, csv, deliver, invitationsTo, job, staffSession, teamSlug, upload } from "./support";

type App = ReturnType<typeof testWorker>;

async function started(app: App, token: string, body: string): Promise<string> {
  const res = await upload(app, token, body);
  expect(res.status).toBe(202);
  return ((await res.json()) as { jobId: string }).jobId;
}

describe("user import: validation, invitations and mails", () => {
  it("invites the good rows through the queue, skips members, and reports every bad row", async () => {
    const app = testWorker();
    const admin = await staffSession(app, "admin");
    const owner = await ownerSession(app);
    const slug = await teamSlug(owner.teamId);
    const [a, b, c] = [uniqueEmail("imp-a"), uniqueEmail("imp-b"), uniqueEmail("imp-c")];
    const body = csv([
      [a, "Ada Lovelace", slug, "Developer"], // 1: invited, team by slug
      [`"${b.toUpperCase()}"`, '"Grace ""Amazing"" Hopper"', owner.teamId, "manager"], // 2: by id, role any case
      ["not-an-email", "X", slug, "Developer"], // 3
      [c, "C", "no-such-team", "Developer"], // 4
      [c, "C", slug, "Astronaut"], // 5
      [a, "Ada again", owner.teamId, "Developer"], // 6: same team and address as row 1
      [owner.email, "The owner", slug, "Developer"], // 7: already a member
      [c, "C", slug, "Owner"], // 8
      [c, "C", slug], // 9
    ]);
    const jobId = await started(app, admin.accessToken, body);
    const queued = await job(app, admin.accessToken, jobId);
    expect(queued.total).toBe(9);
    expect(["queued", "running", "done"]).toContain(queued.status);

    await deliver(app, await chunksOf(jobId));
    const done = await job(app, admin.accessToken, jobId);
    expect(done).toMatchObject({ id: jobId, status: "done", total: 9, processed: 9, created: 2, skipped: 1 });
    expect(done.errors.map((e) => [e.row, e.code])).toEqual([
      [3, "invalid_email"],
      [4, "unknown_team"],
      [5, "unknown_role"],
      [6, "duplicate_row"],
      [8, "owner_role"],
      [9, "malformed_row"],
    ]);
    expect(done.errors.find((e) => e.row === 6)).toEqual({
      row: 6,
      email: a,
      code: "duplicate_row",
      message: "The same address and team as row 1.",
    });

    // The invitations are the team's own: mailed through the outbox and email queue, audited with the admin.
    const [mail] = await waitForMail(app, b, { template: "invitation" });
    expect(mail?.links[0]).toContain("/invite?token=");
    const pending = await owner.call("GET", `/api/v1/teams/${owner.teamId}/invitations`);
    const items = ((await pending.json()) as { items: { email: string; role: { name: string } }[] }).items;
    expect(items.map((i) => [i.email, i.role.name]).sort()).toEqual(
      [
        [a, "Developer"],
        [b, "Manager"],
      ].sort(),
    );
    const audit = await env.DB.prepare(
      "SELECT action, actor_id, team_id, metadata FROM audit_logs WHERE action = 'invitation.created' AND team_id = ?",
    )
      .bind(owner.teamId)
      .all<{ actor_id: string; metadata: string }>();
    expect(audit.results).toHaveLength(2);
    for (const entry of audit.results) {
      expect(entry.actor_id).toBe(admin.userId);
      expect(JSON.parse(entry.metadata)).toMatchObject({ importJobId: jobId });
    }
    const lifecycle = await env.DB.prepare(
      "SELECT action, actor_id, metadata FROM audit_logs WHERE target_id = ? ORDER BY action DESC",
    )
      .bind(jobId)
      .all<{ action: string; actor_id: string; metadata: string }>();
    expect(lifecycle.results.map((r) => [r.action, r.actor_id])).toEqual([
      ["user_import.started", admin.userId],
      ["user_import.finished", admin.userId],
    ]);
    expect(JSON.parse(lifecycle.results[1]?.metadata ?? "{}")).toEqual({
      status: "done",
      created: 2,
      skipped: 1,
      errors: 6,
    });
    // No password anywhere: the invitees have no account until they accept.
    const user = await env.DB.prepare("SELECT id FROM users WHERE email = ?").bind(a).first();
    expect(user).toBeNull();
  });

  it("refuses rows beyond the team's member limit with plan_limit_reached", async () => {
    const app = testWorker();
    const admin = await staffSession(app, "admin");
    const owner = await ownerSession(app); // FREE: 5 members (members plus pending invitations)
    const emails = Array.from({ length: 6 }, () => uniqueEmail("limit"));
    const jobId = await started(
      app,
      admin.accessToken,
      csv(emails.map((e) => [e, "", owner.teamId, "Developer"])),
    );
    await deliver(app, await chunksOf(jobId));
    const done = await job(app, admin.accessToken, jobId);
    expect(done).toMatchObject({ status: "done", created: 4, skipped: 0 });
    expect(done.errors.map((e) => [e.row, e.email, e.code])).toEqual([
      [5, emails[4], "plan_limit_reached"],
      [6, emails[5], "plan_limit_reached"],
    ]);
    expect(await invitationsTo(owner.teamId, emails[4] as string)).toBe(0);
  });
});

describe("user import: idempotency", () => {
  it("the same file again answers the same job and creates nothing twice", async () => {
    const app = testWorker();
    const admin = await staffSession(app, "admin");
    const owner = await ownerSession(app);
    const emails = [uniqueEmail("again"), uniqueEmail("again")];
    const body = csv(emails.map((e) => [e, "", owner.teamId, "Developer"]));
    const jobId = await started(app, admin.accessToken, body);
    await deliver(app, await chunksOf(jobId));
    expect(await started(app, admin.accessToken, body)).toBe(jobId);
    await deliver(app, await chunksOf(jobId));
    for (const e of emails) expect(await invitationsTo(owner.teamId, e)).toBe(1);
    expect(await job(app, admin.accessToken, jobId)).toMatchObject({
      status: "done",
      created: 2,
      skipped: 0,
    });
    const jobs = await env.DB.prepare("SELECT COUNT(*) AS n FROM user_import_jobs WHERE created_by = ?")
      .bind(admin.userId)
      .first<{ n: number }>();
    expect(jobs?.n).toBe(1);

    // Another file naming the same addresses: a new job whose rows all skip (the invitations are pending).
    const other = await started(app, admin.accessToken, `${body}\r\n`);
    expect(other).not.toBe(jobId);
    await deliver(app, await chunksOf(other));
    expect(await job(app, admin.accessToken, other)).toMatchObject({
      status: "done",
      created: 0,
      skipped: 2,
    });
    for (const e of emails) expect(await invitationsTo(owner.teamId, e)).toBe(1);
  });

  it("a message delivered twice — at once, or again after a crash before the chunk completed — invites once", async () => {
    const app = testWorker();
    const admin = await staffSession(app, "admin");
    const owner = await ownerSession(app);
    const emails = [uniqueEmail("redeliver"), uniqueEmail("redeliver"), uniqueEmail("redeliver")];
    const jobId = await started(
      app,
      admin.accessToken,
      csv(emails.map((e) => [e, "", owner.teamId, "Developer"])),
    );
    const messages = await chunksOf(jobId);
    await Promise.all([deliver(app, messages), deliver(app, messages)]);
    for (const e of emails) expect(await invitationsTo(owner.teamId, e)).toBe(1);

    // A consumer that died after inviting but before completing the chunk: the chunk is pending again.
    await env.DB.prepare("UPDATE user_import_chunks SET status = 'pending' WHERE job_id = ?")
      .bind(jobId)
      .run();
    await env.DB.prepare("UPDATE user_import_jobs SET status = 'running' WHERE id = ?").bind(jobId).run();
    const result = await deliver(app, messages);
    expect(result.explicitAcks).toHaveLength(1);
    for (const e of emails) expect(await invitationsTo(owner.teamId, e)).toBe(1);
    expect(await job(app, admin.accessToken, jobId)).toMatchObject({
      status: "done",
      created: 3,
      skipped: 0,
    });
    for (const e of emails) expect(await waitForMail(app, e, { template: "invitation" })).toHaveLength(1);
  });

  it("a chunk dead-lettered after its retries fails the job, audited once", async () => {
    const app = testWorker();
    const admin = await staffSession(app, "admin");
    const owner = await ownerSession(app);
    const jobId = await started(
      app,
      admin.accessToken,
      csv([[uniqueEmail("dlq"), "", owner.teamId, "Developer"]]),
    );
    await env.DB.prepare("UPDATE user_import_jobs SET status = 'running' WHERE id = ?").bind(jobId).run();
    const messages = await chunksOf(jobId);
    await deliver(app, messages, "gatehouse-import-dlq");
    await deliver(app, messages, "gatehouse-import-dlq");
    expect((await job(app, admin.accessToken, jobId)).status).toBe("failed");
    const finished = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM audit_logs WHERE action = 'user_import.finished' AND target_id = ?",
    )
      .bind(jobId)
      .first<{ n: number }>();
    expect(finished?.n).toBe(1);
  });
});
