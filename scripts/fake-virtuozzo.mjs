#!/usr/bin/env node
// A local fake Virtuozzo (Jelastic) API for `npm run dev` and the bench: the handler of
// src/features/dev/fake-virtuozzo.ts (Node 22 strips its types) served over HTTP on 127.0.0.1.
//   FAKE_VIRTUOZZO_PORT (default 8790)   FAKE_VIRTUOZZO_LATENCY_MS (default 0)
// Connect a team with: PUT /api/v1/teams/:teamId/virtuozzo
//   { "apiUrl": "http://127.0.0.1:8790", "login": "dev@example.com", "password": "dev-virtuozzo-password" }
//   or { "apiUrl": "http://127.0.0.1:8790", "token": "vz-dev-personal-access-token" }
// (trial@example.com / trial-virtuozzo-password has groupType "trial"). Knobs at runtime:
//   curl -X POST http://127.0.0.1:8790/__fake/config -d '{"failure":"http_500","latencyMs":200}'
//   (failure: none | http_500 | unreachable | bad_json; "expireAll": true ends every session)
//   curl http://127.0.0.1:8790/__fake/state   (counters per method)
import { createServer } from "node:http";
import { pathToFileURL } from "node:url";

const { createFakeVirtuozzo } = await import(
  new URL("../src/features/dev/fake-virtuozzo.ts", import.meta.url).href
);

/** Starts the fake; resolves with `{ origin, fake, close() }`. */
export async function startFakeVirtuozzo({ port = 8790, latencyMs = 0, quiet = false } = {}) {
  const fake = createFakeVirtuozzo({ latencyMs });
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
    const request = new Request(`http://127.0.0.1:${port}${req.url}`, {
      method: req.method,
      headers: Object.fromEntries(Object.entries(req.headers).filter(([, v]) => typeof v === "string")),
      body: req.method === "GET" || req.method === "HEAD" ? undefined : body,
    });
    try {
      const response = await fake.handle(request);
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    } catch {
      res.socket?.destroy(); // "unreachable": the connection drops
    }
    // method and status only: never a parameter (they carry credentials and session keys)
    if (!quiet) console.log(`fake-virtuozzo ${req.method} ${req.url?.split("?")[0]}`);
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  return {
    origin: `http://127.0.0.1:${port}`,
    fake,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const port = Number(process.env.FAKE_VIRTUOZZO_PORT ?? 8790);
  const latencyMs = Number(process.env.FAKE_VIRTUOZZO_LATENCY_MS ?? 0);
  const { origin } = await startFakeVirtuozzo({ port, latencyMs });
  console.log(`fake Virtuozzo API on ${origin} (dev@example.com / dev-virtuozzo-password)`);
}
