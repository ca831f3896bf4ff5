// Issue 15, "Must show": SSE fan-out latency, from a backend's publish (POST /api/v1/teams/:teamId/events) to
// the event's arrival at each of 500 subscribers of one team (GET /api/v1/events), p50/p99 over every
// (event, subscriber) pair; beside the same run's no-op route round trip, as a ratio. Subscribers are real SSE
// streams read by this process; each event carries its sequence number, and its latency is measured against
// the moment its publish request started (so it includes the publish's own authentication and round trip).
import { json, makeUsers, signIn } from "./auth-suites.mjs";
import { median, percentile } from "./lib.mjs";

const SUBSCRIBERS = Number(process.env.BENCH_SSE_SUBSCRIBERS ?? 500);
const EVENTS = Number(process.env.BENCH_SSE_EVENTS ?? 20);
const GAP_MS = 150;

/** One SSE subscriber: calls `onEvent(type, data, at)` for each event frame; resolves once `ready` arrived. */
async function subscribe(url, headers, signal, onEvent) {
  const res = await fetch(url, { headers, signal });
  if (res.status !== 200) throw new Error(`GET /api/v1/events answered ${res.status}: ${await res.text()}`);
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let resolveReady;
  const ready = new Promise((r) => (resolveReady = r));
  (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        const at = performance.now();
        buffer += decoder.decode(value, { stream: true });
        let end = buffer.indexOf("\n\n");
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let type = "message";
          let data = "";
          for (const line of block.split("\n")) {
            if (line.startsWith("event: ")) type = line.slice(7);
            else if (line.startsWith("data: ")) data += line.slice(6);
          }
          if (type === "ready") resolveReady();
          else if (data) onEvent(type, data, at);
          end = buffer.indexOf("\n\n");
        }
      }
    } catch {
      // aborted at the end of the bench
    }
  })();
  return ready;
}

export async function eventsBench(worker, report, password = "violet-anchor-meadow-42") {
  const { origin } = worker;
  const [owner] = await makeUsers(origin, 1, password);
  const session = await signIn(origin, owner, password);
  const bearer = { authorization: `Bearer ${session.accessToken}` };
  const keyRes = await fetch(`${origin}/api/v1/teams/${owner.teamId}/api-keys`, {
    method: "POST",
    headers: { ...json, ...bearer },
    body: JSON.stringify({ name: "bench backend", permissions: ["events:publish"] }),
  });
  if (keyRes.status !== 201) throw new Error(`API key answered ${keyRes.status}: ${await keyRes.text()}`);
  const { key } = await keyRes.json();

  // The same run's baseline: the bare request round trip.
  const noopWalls = [];
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    await fetch(`${origin}/__bench/noop`).then((r) => r.text());
    noopWalls.push(performance.now() - t);
  }

  const abort = new AbortController();
  const published = new Map(); // seq → performance.now() when its publish started
  const latencies = [];
  const perEvent = new Map(); // seq → arrivals
  const onEvent = (type, data, at) => {
    if (type !== "bench.tick") return;
    const { seq } = JSON.parse(data).data;
    latencies.push(at - published.get(seq));
    perEvent.set(seq, [...(perEvent.get(seq) ?? []), at - published.get(seq)]);
  };
  try {
    const opened = performance.now();
    const readies = [];
    for (let i = 0; i < SUBSCRIBERS; i++) {
      readies.push(subscribe(`${origin}/api/v1/events`, bearer, abort.signal, onEvent));
      if (i % 50 === 49) await Promise.all(readies.slice(-50));
    }
    await Promise.all(readies);
    const openMs = performance.now() - opened;

    const publishWalls = [];
    for (let seq = 0; seq < EVENTS; seq++) {
      published.set(seq, performance.now());
      const res = await fetch(`${origin}/api/v1/teams/${owner.teamId}/events`, {
        method: "POST",
        headers: { ...json, authorization: `Bearer ${key}` },
        body: JSON.stringify({ type: "bench.tick", data: { seq } }),
      });
      publishWalls.push(performance.now() - published.get(seq));
      if (res.status !== 202) throw new Error(`publish answered ${res.status}: ${await res.text()}`);
      await new Promise((r) => setTimeout(r, GAP_MS));
    }
    const deadline = Date.now() + 10_000;
    while (latencies.length < SUBSCRIBERS * EVENTS && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const noop = median(noopWalls);
    const p50 = median(latencies);
    const lastArrivals = [...perEvent.values()].map((arrivals) => Math.max(...arrivals));
    report(`SSE: ${SUBSCRIBERS} subscribers connected (ready), total`, openMs, "ms");
    report(
      "SSE fan-out: events delivered",
      latencies.length / (SUBSCRIBERS * EVENTS),
      "×",
      (v) => v === 1,
      `${latencies.length} of ${SUBSCRIBERS * EVENTS} (event, subscriber) pairs`,
    );
    report(
      "SSE fan-out latency p50, publish → delivery",
      p50,
      "ms",
      undefined,
      `${SUBSCRIBERS} subscribers, 1 team`,
    );
    report("SSE fan-out latency p99, publish → delivery", percentile(latencies, 99), "ms");
    report("SSE fan-out: last subscriber reached, median per event", median(lastArrivals), "ms");
    report(
      "SSE publish request round trip, median",
      median(publishWalls),
      "ms",
      undefined,
      "API key auth + DO call",
    );
    report("no-op route round trip, median (same run)", noop, "ms");
    report("SSE fan-out p50 / no-op round trip", p50 / noop, "×");
  } finally {
    abort.abort();
  }
}
