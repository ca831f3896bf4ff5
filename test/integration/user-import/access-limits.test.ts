import { describe, expect, it } from "vitest";
import { testWorker } from "../../support/helpers";
import { ownerSession } from "../../support/teams";
import { csv, IMPORT_PATH, job, rawUpload, staffSession, upload } from "./support";

describe("user import: who may call it", () => {
  it("anonymous is 401; support, billing_admin and a team owner are 403; an admin gets 202", async () => {
    const app = testWorker();
    const body = csv([["someone@example.com", "Some One", "no-such-team", "Developer"]]);
    expect((await upload(app, null, body)).status).toBe(401);
    expect((await app.request("GET", `${IMPORT_PATH}/whatever`)).status).toBe(401);
    for (const role of ["support", "billing_admin"] as const) {
      const staff = await staffSession(app, role);
      const res = await upload(app, staff.accessToken, body);
      expect(res.status).toBe(403);
      expect(((await res.json()) as { code: string }).code).toBe("forbidden");
      const get = await app.request("GET", `${IMPORT_PATH}/whatever`, {
        headers: { authorization: `Bearer ${staff.accessToken}` },
      });
      expect(get.status).toBe(403);
    }
    const owner = await ownerSession(app);
    expect((await upload(app, owner.accessToken, body)).status).toBe(403);
    const admin = await staffSession(app, "admin");
    const ok = await upload(app, admin.accessToken, body);
    expect(ok.status).toBe(202);
    expect(((await ok.json()) as { jobId: string }).jobId).toMatch(/.+/);
    const missing = await app.request("GET", `${IMPORT_PATH}/no-such-job`, {
      headers: { authorization: `Bearer ${admin.accessToken}` },
    });
    expect(missing.status).toBe(404);
  });
});

describe("user import: file limits", () => {
  it("refuses another content type (415), a body over 5 MB (413), a bad header, malformed CSV, no rows or over 10,000 rows (422)", async () => {
    const app = testWorker();
    const admin = await staffSession(app, "admin");
    const token = admin.accessToken;
    const good = csv([["a@example.com", "A", "team", "Developer"]]);

    const json = await upload(app, token, JSON.stringify({ rows: [] }), "application/json");
    expect(json.status).toBe(415);
    expect(await json.json()).toMatchObject({
      code: "unsupported_media_type",
      detail: "Send the file as text/csv.",
    });
    expect((await upload(app, token, good, "text/plain")).status).toBe(415);

    const huge = `email,name,team,role\r\n${"x".repeat(5 * 1024 * 1024)}`;
    const tooLarge = await upload(app, token, huge);
    expect(tooLarge.status).toBe(413);
    expect(((await tooLarge.json()) as { code: string }).code).toBe("payload_too_large");

    // A streamed body without Content-Length is counted while it is read.
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        const piece = new TextEncoder().encode(`${"y".repeat(1024 * 1024)}\n`);
        for (let i = 0; i < 6; i++) controller.enqueue(piece);
        controller.close();
      },
    });
    const streamed = await rawUpload(app, token, stream);
    expect(streamed.status).toBe(413);

    const problems = async (body: string) => {
      const res = await upload(app, token, body);
      expect(res.status).toBe(422);
      const problem = (await res.json()) as { code: string; errors: { path: string; message: string }[] };
      expect(problem.code).toBe("validation_failed");
      return problem.errors[0]?.message;
    };
    expect(await problems("mail,name,team,role\r\na@example.com,A,t,Developer")).toMatch(/header/);
    expect(await problems("email,name,team\r\na@example.com,A,t")).toMatch(/header/);
    expect(await problems("")).toMatch(/header/);
    expect(await problems("email,name,team,role\r\n")).toMatch(/no data rows/);
    expect(await problems('email,name,team,role\r\n"a@example.com,A,t,Developer')).toMatch(/not closed/);
    const tooMany = csv(
      Array.from({ length: 10_001 }, (_, i) => [`u${i}@example.com`, "", "t", "Developer"]),
    );
    expect(await problems(tooMany)).toMatch(/10000 data rows/);
    const invalidUtf8 = await rawUpload(app, token, new Uint8Array([0x65, 0x6d, 0xff, 0xfe]));
    expect(invalidUtf8.status).toBe(422);
  });

  it("accepts exactly 10,000 rows, with a BOM and an empty trailing line", async () => {
    const app = testWorker();
    const admin = await staffSession(app, "admin");
    const rows = Array.from({ length: 10_000 }, (_, i) => [`u${i}@example.com`, "", "no-team", "Developer"]);
    const started = Date.now();
    const res = await upload(app, admin.accessToken, `\uFEFF${csv(rows)}\r\n`);
    const elapsed = Date.now() - started;
    expect(res.status).toBe(202);
    expect(elapsed).toBeLessThan(10_000);
    const { jobId } = (await res.json()) as { jobId: string };
    const view = await job(app, admin.accessToken, jobId);
    // No row names a team: nothing to queue, the job is done at once with one error a row.
    expect(view).toMatchObject({ status: "done", total: 10_000, processed: 10_000, created: 0, skipped: 0 });
    expect(view.errors).toHaveLength(10_000);
    expect(view.errors[0]).toEqual({
      row: 1,
      email: "u0@example.com",
      code: "unknown_team",
      message: "No team has this slug or id.",
    });
    expect(view.errors[9_999]?.row).toBe(10_000);
  });
});
