import { vi } from "vitest";
import { fakeOutboundFetch } from "../../../src/features/dev/fake-outbound";
import { createFakeVirtuozzo, type FakeVirtuozzoOptions } from "../../../src/features/dev/fake-virtuozzo";
import { testClock, testWorker } from "../../support/helpers";
import { memberSession, ownerSession } from "../../support/teams";

/** Where the tests' fake Virtuozzo "listens" (test ENVIRONMENT allows http://127.0.0.1:*). */
export const FAKE_API = "http://127.0.0.1:8790";
export const LOGIN = "dev@example.com";
export const PASSWORD = "dev-virtuozzo-password";
export const TOKEN = "vz-dev-personal-access-token";

/**
 * The Worker with the fake Virtuozzo as its outbound network for FAKE_API (and the usual dev fake — HIBP — for
 * everything else), on a shared injected clock: the fake's sessions expire by the same time Gatehouse reads.
 */
export function virtuozzoWorld(options: FakeVirtuozzoOptions = {}) {
  const clock = testClock();
  const fake = createFakeVirtuozzo({ now: clock.now, ...options });
  const outbound = fakeOutboundFetch();
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const request = new Request(input, init);
    return new URL(request.url).origin === FAKE_API ? fake.handle(request) : outbound(request);
  };
  const app = testWorker({ clock, fetch });
  return { app, fake, clock };
}

export type World = ReturnType<typeof virtuozzoWorld>;

/** An Owner with a connected password account (sessionTtlSeconds: one hour → a 600 s safety window). */
export async function connectedTeam(world: World, body: Record<string, unknown> = {}) {
  const owner = await ownerSession(world.app);
  const res = await owner.call("PUT", `/api/v1/teams/${owner.teamId}/virtuozzo`, {
    apiUrl: FAKE_API,
    login: LOGIN,
    password: PASSWORD,
    sessionTtlSeconds: 3600,
    ...body,
  });
  if (res.status !== 200) throw new Error(`PUT virtuozzo answered ${res.status}: ${await res.text()}`);
  return { owner, base: `/api/v1/teams/${owner.teamId}/virtuozzo` };
}

export async function developerOf(world: World, owner: { accessToken: string; teamId: string }) {
  return memberSession(world.app, owner.accessToken, owner.teamId, "Developer");
}

export async function auditActions(world: World, teamId: string, prefix = "virtuozzo.") {
  const rows = await world.app.bindings.DB.prepare(
    "SELECT action, metadata, reason FROM audit_logs WHERE team_id = ? AND action LIKE ? ORDER BY at, rowid",
  )
    .bind(teamId, `${prefix}%`)
    .all<{ action: string; metadata: string; reason: string | null }>();
  return rows.results;
}

export async function rawRow(world: World, teamId: string) {
  return world.app.bindings.DB.prepare("SELECT * FROM virtuozzo_connections WHERE team_id = ?")
    .bind(teamId)
    .first<Record<string, unknown>>();
}

/** Every line the Worker logs from now on (restore with vi.restoreAllMocks): to show no secret is written. */
export function captureLogs(): string[] {
  const lines: string[] = [];
  for (const level of ["log", "info", "warn", "error", "debug"] as const) {
    vi.spyOn(console, level).mockImplementation(
      (...args: unknown[]) => void lines.push(args.map(String).join(" ")),
    );
  }
  return lines;
}
