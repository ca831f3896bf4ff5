// Issue 17, "Must show": the audit viewer's first filtered page on 1,000,000 seeded entries (p50/p99 for each
// filter; target ≤ 20 ms p99 in local D1), analytics over 365 days (target ≤ 10 ms) and the export's
// throughput (rows/s), each beside the same run's no-op round trip. Seeding goes through a bench-only route
// (bench/audit-worker-routes.ts: multi-row INSERT … SELECT from a recursive CTE, 100,000 rows a statement).
// BENCH_AUDIT_ROWS lowers N for quick runs; the default is the contract's 1,000,000.
import { median, percentile } from "./lib.mjs";

const ROWS = Number(process.env.BENCH_AUDIT_ROWS ?? 1_000_000);
const SAMPLES = Number(process.env.BENCH_AUDIT_SAMPLES ?? 100);
const CHUNK = 100_000;

async function getJson(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url} answered ${res.status}: ${await res.text()}`);
  return res.json();
}

/** Client wall times and the in-Worker service times (the query and its mapping) of `n` sequential calls. */
async function sample(url, n) {
  const walls = [];
  const inWorker = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const body = await getJson(url);
    walls.push(performance.now() - t);
    inWorker.push(body.ms);
  }
  return { walls, inWorker };
}

export async function auditBench(worker, report) {
  const { origin } = worker;
  const seedStart = performance.now();
  for (let start = 0; start < ROWS; start += CHUNK) {
    const count = Math.min(CHUNK, ROWS - start);
    await getJson(`${origin}/__bench/audit/seed?start=${start}&count=${count}&total=${ROWS}`);
  }
  const seedSeconds = (performance.now() - seedStart) / 1000;
  report(
    `audit: seeding ${ROWS} entries`,
    seedSeconds,
    "s",
    undefined,
    "INSERT … SELECT, 100,000 a statement",
  );

  const noop = [];
  for (let i = 0; i < SAMPLES; i++) {
    const t = performance.now();
    await fetch(`${origin}/__bench/noop`).then((r) => r.text());
    noop.push(performance.now() - t);
  }
  report("audit: no-op round trip p50 (same run)", median(noop), "ms");
  report("audit: no-op round trip p99 (same run)", percentile(noop, 99), "ms");

  const day = 86_400_000;
  const filters = {
    "no filter": "",
    actor: "actor=bench-actor-7",
    action: "action=login.failed",
    target: "target=bench-user-42",
    team: "teamId=bench-team-3",
    IP: "ip=10.7.3.1",
    "time range (1 day, 100 days ago)": `from=${new Date(Date.now() - 101 * day).toISOString()}&to=${new Date(Date.now() - 100 * day).toISOString()}`,
    "actor + action (no match: the actor's 1,000 rows read)": "actor=bench-actor-7&action=login.failed",
    "team + time range": `teamId=bench-team-3&from=${new Date(Date.now() - 200 * day).toISOString()}`,
  };
  for (const [name, query] of Object.entries(filters)) {
    const url = `${origin}/__bench/audit/page?limit=50&${query}`;
    await sample(url, 5); // warm-up
    const { walls, inWorker } = await sample(url, SAMPLES);
    report(`audit page, ${name}: p50 (client)`, median(walls), "ms");
    report(
      `audit page, ${name}: p99 (client)`,
      percentile(walls, 99),
      "ms",
      (v) => v <= 20,
      "target ≤ 20 ms",
    );
    report(`audit page, ${name}: p99 in the Worker`, percentile(inWorker, 99), "ms");
  }
  // a deep page: the cursor's page costs what the first page costs (keyset, no OFFSET)
  let cursor = "";
  let depth = 0;
  for (let i = 0; i < 9; i++) {
    const page = await getJson(`${origin}/__bench/audit/page?limit=200&teamId=bench-team-3${cursor}`);
    if (!page.next) break;
    cursor = `&cursor=${page.next}`;
    depth += page.items;
  }
  const deep = await sample(`${origin}/__bench/audit/page?limit=50&teamId=bench-team-3${cursor}`, SAMPLES);
  report(
    `audit page, team, after ${depth} entries: p99 (client)`,
    percentile(deep.walls, 99),
    "ms",
    (v) => v <= 20,
  );
  report(`audit page, team, after ${depth} entries: p99 in the Worker`, percentile(deep.inWorker, 99), "ms");

  const to = new Date().toISOString().slice(0, 10);
  const from = new Date(Date.now() - 364 * day).toISOString().slice(0, 10);
  const analytics = await sample(`${origin}/__bench/audit/analytics?from=${from}&to=${to}`, SAMPLES);
  report("analytics, 365 days: p50 (client)", median(analytics.walls), "ms");
  report(
    "analytics, 365 days: p99 (client)",
    percentile(analytics.walls, 99),
    "ms",
    (v) => v <= 10,
    "target ≤ 10 ms",
  );
  report("analytics, 365 days: p99 in the Worker", percentile(analytics.inWorker, 99), "ms");

  // export throughput: a team's entries (ROWS / 500) and then every entry, read by this process as they stream
  for (const [name, query] of [
    ["one team", "teamId=bench-team-3"],
    ["everything", ""],
  ]) {
    const t = performance.now();
    const res = await fetch(`${origin}/__bench/audit/export?format=jsonl&${query}`);
    const reader = res.body.getReader();
    let lines = 0;
    let firstByte = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!firstByte) firstByte = performance.now() - t;
      for (const b of value) if (b === 10) lines += 1;
    }
    const seconds = (performance.now() - t) / 1000;
    report(`audit export (${name}, ${lines} rows): throughput`, lines / seconds, "rows/s");
    report(`audit export (${name}): time to first byte`, firstByte, "ms");
  }
}
