import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { EXPORT_PAGE_ROWS } from "../../../src/features/audit/audit-log";
import { CSV_COLUMNS } from "../../../src/features/audit/encoders";
import { testWorker } from "../../support/helpers";
import { marker, platformSession, seedAuditRows } from "./support";

/** Reads a streamed body chunk by chunk; `onFirst` runs once the first bytes have arrived. */
async function readAll(body: ReadableStream<Uint8Array>, onFirst: () => Promise<void>) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let chunks = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    chunks += 1;
    if (chunks === 1) await onFirst();
  }
  return { text, chunks };
}

describe("GET /api/v1/admin/audit-logs/export", () => {
  it("streams 100,000 entries page by page: rows written after the first bytes still arrive", async () => {
    const app = testWorker();
    const admin = await platformSession(app, "admin");
    const m = marker();
    const base = Date.parse("2025-03-01T00:00:00Z");
    await seedAuditRows({
      count: 100_000,
      prefix: `e${m}`,
      baseAt: base,
      perMs: 3,
      teamId: m,
      ip: "192.0.2.9",
    });
    const res = await app.request("GET", `/api/v1/admin/audit-logs/export?format=jsonl&teamId=${m}`, {
      headers: admin.headers,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/jsonl/);
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="audit-.+\.jsonl"$/);
    expect(res.headers.get("cache-control")).toBe("no-store");
    // The tail row is inserted only after the first chunk has been received. A Worker that built the whole
    // export before answering could not contain it; one that reads D1 a page at a time, on demand, must.
    const { text, chunks } = await readAll(res.body as ReadableStream<Uint8Array>, () =>
      seedAuditRows({ count: 1, prefix: `tail${m}`, baseAt: base - 1_000_000, teamId: m }),
    );
    const lines = text.split("\n");
    expect(lines.pop()).toBe("");
    expect(lines).toHaveLength(100_001);
    expect(chunks).toBeGreaterThanOrEqual(100_000 / EXPORT_PAGE_ROWS);
    const first = JSON.parse(lines[0] as string) as { id: string; teamId: string };
    const last = JSON.parse(lines.at(-1) as string) as { id: string };
    // i = 1 and 2 share the newest millisecond (i / 3 = 0): the larger id comes first
    expect(first).toMatchObject({ id: `e${m}00000002`, teamId: m, ip: "192.0.2.9" });
    expect(last.id).toBe(`tail${m}00000001`);
    expect(new Set(lines.map((l) => (JSON.parse(l) as { id: string }).id)).size).toBe(100_001);
  }, 120_000);

  it("writes RFC 4180 CSV with a header, escapes quotes and line breaks, and neutralises formulas", async () => {
    const app = testWorker();
    const admin = await platformSession(app, "admin");
    const m = marker();
    await env.DB.prepare(
      `INSERT INTO audit_logs (id, at, actor_id, action, target_type, target_id, team_id, ip, user_agent, reason, metadata)
       VALUES (?, ?, NULL, 'login.failed', 'user', '-1+2', ?, '203.0.113.5', ?, ?, ?)`,
    )
      .bind(
        `x${m}`,
        Date.now(),
        m,
        'Agent "X", v1',
        '=HYPERLINK("http://evil")\r\nsecond line',
        '{"note":"@x"}',
      )
      .run();
    const res = await app.request("GET", `/api/v1/admin/audit-logs/export?format=csv&teamId=${m}`, {
      headers: admin.headers,
    });
    expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="audit-.+\.csv"$/);
    const text = await res.text();
    const [header, ...rest] = text.split("\r\n");
    expect(header).toBe(CSV_COLUMNS.join(","));
    const row = rest.join("\r\n");
    expect(row).toContain(`x${m},`);
    expect(row).toContain(",'-1+2,"); // target id starting with "-"
    expect(row).toContain('"Agent ""X"", v1"');
    expect(row).toContain('"\'=HYPERLINK(""http://evil"")\r\nsecond line"');
    expect(row).toContain('"{""note"":""@x""}"');
    expect(text.endsWith("\r\n")).toBe(true);
  });

  it("gives the same entries as JSON Lines as the list, and audits the export with its filters", async () => {
    const app = testWorker();
    const admin = await platformSession(app, "admin");
    const m = marker();
    await seedAuditRows({
      count: 75,
      prefix: `j${m}`,
      baseAt: Date.now() - 1000,
      perMs: 2,
      teamId: m,
      reason: 'r,"q"',
    });
    const listed = (await (
      await app.request("GET", `/api/v1/admin/audit-logs?teamId=${m}&limit=200`, { headers: admin.headers })
    ).json()) as { items: unknown[] };
    const res = await app.request("GET", `/api/v1/admin/audit-logs/export?format=jsonl&teamId=${m}`, {
      headers: admin.headers,
    });
    const exported = (await res.text())
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as unknown);
    expect(exported).toHaveLength(75);
    expect(exported).toEqual(listed.items);
    const audit = await env.DB.prepare(
      "SELECT actor_id, metadata FROM audit_logs WHERE action = 'audit.exported' AND actor_id = ?",
    )
      .bind(admin.userId)
      .first<{ actor_id: string; metadata: string }>();
    expect(JSON.parse(audit?.metadata ?? "{}")).toEqual({ format: "jsonl", filters: { teamId: m } });
  });

  it("refuses an unknown format with 422", async () => {
    const app = testWorker();
    const admin = await platformSession(app, "admin");
    const res = await app.request("GET", "/api/v1/admin/audit-logs/export?format=xlsx", {
      headers: admin.headers,
    });
    expect(res.status).toBe(422);
  });
});
