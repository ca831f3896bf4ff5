import { describe, expect, it } from "vitest";
import { fakeOutboundFetch } from "../../../src/features/dev/fake-outbound";
import { createFakeVirtuozzo } from "../../../src/features/dev/fake-virtuozzo";
import { testClock, testWorker } from "../../support/helpers";
import { ownerSession } from "../../support/teams";
import { FAKE_API, LOGIN, PASSWORD } from "../virtuozzo/support";

/** The same fake Virtuozzo reachable under two hosts: each host has its own breaker. */
const OTHER_HOST_API = "http://localhost:8790";

describe("Virtuozzo down: fail closed, per host", () => {
  it("502 virtuozzo_unavailable; once the host's breaker opens it is not called; other hosts are unaffected", async () => {
    const clock = testClock();
    const fake = createFakeVirtuozzo({ now: clock.now });
    const fallback = fakeOutboundFetch();
    /** Sign-in calls that reached each host (the fake counts only those it answers without a failure). */
    const signins: Record<string, number> = { [FAKE_API]: 0, [OTHER_HOST_API]: 0 };
    const fetch: typeof globalThis.fetch = async (input, init) => {
      const request = new Request(input, init);
      const url = new URL(request.url);
      if (url.origin !== FAKE_API && url.origin !== OTHER_HOST_API) return fallback(request);
      if (url.pathname.endsWith("/signin")) signins[url.origin] = (signins[url.origin] ?? 0) + 1;
      return fake.handle(request);
    };
    const app = testWorker({ clock, fetch });
    const owner = await ownerSession(app);
    const base = `/api/v1/teams/${owner.teamId}/virtuozzo`;
    const connect = (apiUrl: string) => owner.call("PUT", base, { apiUrl, login: LOGIN, password: PASSWORD });

    fake.config.failure = "http_500";
    for (let i = 0; i < 7; i++) {
      const down = await connect(FAKE_API);
      expect(down.status).toBe(502);
      expect(((await down.json()) as { code: string }).code).toBe("virtuozzo_unavailable");
    }
    expect(signins[FAKE_API]).toBe(5); // the last two answered at once by the open breaker

    // Another installation is another breaker: still called, and connects once it answers.
    fake.config.failure = "none";
    expect((await connect(OTHER_HOST_API)).status).toBe(200);
    expect(signins[OTHER_HOST_API]).toBe(1);
    expect((await connect(FAKE_API)).status).toBe(502);
    expect(signins[FAKE_API]).toBe(5);

    // After the open time one probe goes: it succeeds, the breaker closes, the host is used again.
    clock.advance(30_000);
    expect((await connect(FAKE_API)).status).toBe(200);
    expect(signins[FAKE_API]).toBe(6);
    const status = (await (await owner.call("GET", base)).json()) as { apiUrl: string; connected: boolean };
    expect(status).toMatchObject({ apiUrl: FAKE_API, connected: true });
  });
});
