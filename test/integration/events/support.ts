import { expect } from "vitest";
import type { testWorker } from "../../support/helpers";
import type { ownerSession } from "../../support/teams";
import { type SseClient, sseClient } from "./sse-client";

type App = ReturnType<typeof testWorker>;

export async function subscribe(
  app: App,
  init: { token?: string; path?: string; headers?: Record<string, string> },
) {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  const res = await app.request("GET", init.path ?? "/api/v1/events", { headers });
  return res;
}

/** Subscribes and reads past the opening (`retry:` and `ready`); answers the client and the ready position. */
export async function subscribed(app: App, init: Parameters<typeof subscribe>[1], opening = "ready") {
  const res = await subscribe(app, init);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
  expect(res.headers.get("cache-control")).toBe("no-store");
  const client = sseClient(res);
  const retry = await client.next();
  expect(retry?.retry).toBe(3000);
  const ready = await client.nextEvent();
  expect(ready?.event).toBe(opening);
  return { client, ready: ready as NonNullable<typeof ready> };
}

export async function publisherKey(
  owner: Awaited<ReturnType<typeof ownerSession>>,
  permissions = ["events:publish"],
) {
  const res = await owner.call("POST", `/api/v1/teams/${owner.teamId}/api-keys`, {
    name: "backend",
    permissions,
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { key: string; id: string };
}

export const payload = (m: { data: string } | null) =>
  JSON.parse(m?.data ?? "null") as {
    type: string;
    data: Record<string, unknown>;
    time: string;
    source: string;
  };

export async function expectEnd(client: SseClient, reason: string) {
  for (;;) {
    const m = await client.nextEvent(5_000);
    if (m === null) throw new Error("stream ended without an end event");
    if (m.event === "end") {
      expect(JSON.parse(m.data)).toEqual({ reason });
      expect(await client.next(2_000)).toBeNull();
      return;
    }
  }
}
