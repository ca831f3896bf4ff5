import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { fakeOutboundFetch } from "../../src/features/dev/fake-outbound";
import type { DevMail } from "../../src/features/dev/schemas";
import type { Deps } from "../../src/platform/deps";
import { createWorker } from "../../src/worker";

/** A controllable clock for the app under test. */
export function testClock(start = Date.now()) {
  const clock = {
    t: start,
    now: () => clock.t,
    advance(ms: number) {
      clock.t += ms;
    },
  };
  return clock;
}

export interface TestWorkerOptions {
  clock?: ReturnType<typeof testClock>;
  /** Outbound fetch (HIBP, Turnstile, email providers); default: the dev fake. */
  fetch?: typeof fetch;
  env?: Partial<Cloudflare.Env>;
  /** Act as the same client device as another test worker. */
  deviceId?: string;
}

/** The Worker with injected clock and outbound fetch, over the real D1/KV/DO/Queue bindings of miniflare. */
export function testWorker(options: TestWorkerOptions = {}) {
  const clock = options.clock ?? testClock();
  const deps: Deps = {
    now: clock.now,
    random: (n) => crypto.getRandomValues(new Uint8Array(n)),
    fetch: options.fetch ?? fakeOutboundFetch(),
  };
  const worker = createWorker({ deps, devDeps: deps });
  const bindings = { ...env, ...options.env } as Cloudflare.Env;
  const ip = randomIp();
  /** The test client's device (its `__Host-device` cookie), sent unless a request names its own device. */
  const deviceId = options.deviceId ?? `testdevice${crypto.randomUUID().replaceAll("-", "")}`;

  async function request(
    method: string,
    path: string,
    init: { body?: unknown; headers?: Record<string, string>; cf?: Record<string, unknown> } = {},
  ) {
    const headers = new Headers({ "cf-connecting-ip": ip, ...init.headers });
    const namesDevice = typeof init.body === "object" && init.body !== null && "deviceId" in init.body;
    if (!headers.has("cookie") && !namesDevice) headers.set("cookie", `__Host-device=${deviceId}`);
    let body: BodyInit | undefined;
    if (init.body !== undefined) {
      body = typeof init.body === "string" ? init.body : JSON.stringify(init.body);
      if (!headers.has("content-type")) headers.set("content-type", "application/json");
    }
    const ctx = createExecutionContext();
    const response = await worker.fetch(
      new Request(`http://localhost${path}`, { method, headers, body, cf: init.cf as never }) as never,
      bindings,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    return response;
  }

  return { worker, clock, bindings, ip, deviceId, request };
}

export function randomIp(): string {
  const b = crypto.getRandomValues(new Uint8Array(3));
  return `10.${b[0]}.${b[1]}.${b[2]}`;
}

let counter = 0;
/** A unique address per call, so tests never share rate-limit or uniqueness state. */
export function uniqueEmail(prefix = "user"): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 8)}@example.com`;
}

export const GOOD_PASSWORD = "violet-anchor-meadow-42";
export const DUMMY_TURNSTILE = "XXXX.DUMMY.TOKEN.XXXX";

/** Waits until the dev mailbox holds `count` mails for the address (the queue consumer runs asynchronously). */
export async function waitForMail(
  app: ReturnType<typeof testWorker>,
  to: string,
  options: { count?: number; template?: string; timeoutMs?: number } = {},
): Promise<DevMail[]> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  const want = options.count ?? 1;
  for (;;) {
    const response = await app.request("GET", `/api/v1/dev/mailbox?to=${encodeURIComponent(to)}`);
    const mails = ((await response.json()) as DevMail[]).filter(
      (m) => !options.template || m.template === options.template,
    );
    if (mails.length >= want) return mails;
    if (Date.now() > deadline) throw new Error(`expected ${want} mail(s) for ${to}, found ${mails.length}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function tokenFromLink(link: string): string {
  const token = new URL(link).searchParams.get("token");
  if (!token) throw new Error(`no token in ${link}`);
  return token;
}

type TestApp = ReturnType<typeof testWorker>;

/** Registers (Door A) and verifies an owner through the API. */
export async function verifiedOwner(app: TestApp, email = uniqueEmail("owner"), password = GOOD_PASSWORD) {
  const res = await app.request("POST", "/api/v1/auth/register", {
    body: { email, password, name: "Lin", teamName: "Login Team", turnstileToken: DUMMY_TURNSTILE },
  });
  if (res.status !== 201) throw new Error(`register answered ${res.status}`);
  const ids = (await res.json()) as { userId: string; teamId: string };
  const [mail] = await waitForMail(app, email);
  const verified = await app.request("POST", "/api/v1/auth/verify-email", {
    body: { token: tokenFromLink(mail?.links[0] ?? "") },
  });
  if (verified.status !== 200) throw new Error(`verify-email answered ${verified.status}`);
  return { ...ids, email, password };
}

/** Password step + session-exchange; returns the session tokens and the device id. */
export async function signIn(app: TestApp, email: string, password: string, teamId: string | null) {
  const login = await app.request("POST", "/api/v1/auth/login", { body: { email, password } });
  const step = (await login.json()) as { step: string; preAuthToken: string; deviceId: string };
  if (step.step !== "select_team") throw new Error(`unexpected step ${step.step}`);
  const ex = await app.request("POST", "/api/v1/auth/session-exchange", {
    body: { preAuthToken: step.preAuthToken, teamId, deviceId: step.deviceId },
  });
  if (ex.status !== 200) throw new Error(`session-exchange answered ${ex.status}`);
  return { ...((await ex.json()) as { accessToken: string; refreshToken: string }), deviceId: step.deviceId };
}
