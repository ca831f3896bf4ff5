import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import devVarsExample from "../../../.dev.vars.example?raw";
import { testWorker } from "../../support/helpers";
import { productionEnv } from "../../support/production";

/** The published development values, read from the committed example itself. */
const published = Object.fromEntries(
  [...devVarsExample.matchAll(/^([A-Z][A-Z0-9_]*)=(.*)$/gm)].map((m) => [m[1] as string, m[2] as string]),
) as Record<string, string>;

function base64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

async function freshSigningKeys(kid: string): Promise<{ current: string; keys: JsonWebKey[] }> {
  const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
    "verify",
  ])) as CryptoKeyPair;
  const jwk = (await crypto.subtle.exportKey("jwk", pair.privateKey)) as JsonWebKey;
  return { current: kid, keys: [{ ...jwk, kid, alg: "ES256", use: "sig" } as JsonWebKey] };
}

/** A production configuration with nothing published in it. */
let production: Partial<Cloudflare.Env>;

beforeAll(async () => {
  production = await productionEnv();
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** What the public sees and what the log says, for a production Worker with `override` applied. */
async function refusal(override: Partial<Cloudflare.Env>) {
  const errors: string[] = [];
  vi.spyOn(console, "error").mockImplementation((line: unknown) => {
    errors.push(String(line));
  });
  const app = testWorker({ env: { ...production, ...override } });
  const ready = await app.request("GET", "/health/ready");
  const login = await app.request("POST", "/api/v1/auth/login", {
    body: { email: "someone@example.com", password: "violet-anchor-meadow-42" },
  });
  const body = await login.text();
  vi.restoreAllMocks();
  return { ready, login, body, log: errors.join("\n") };
}

describe("production refuses development settings", () => {
  it("a production configuration without published values serves", async () => {
    const app = testWorker({ env: production });
    expect((await app.request("GET", "/health")).status).toBe(200);
    const ready = await app.request("GET", "/health/ready");
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ready" });
  });

  const devJwk = () => JSON.parse(published.JWT_SIGNING_KEYS ?? "{}") as { keys: JsonWebKey[] };
  const cases: [string, string, () => Promise<Partial<Cloudflare.Env>>][] = [
    [
      "the published signing key set",
      "JWT_SIGNING_KEYS",
      async () => ({ JWT_SIGNING_KEYS: published.JWT_SIGNING_KEYS }),
    ],
    [
      "the published signing key under another kid, next to a fresh current key",
      "JWT_SIGNING_KEYS",
      async () => {
        const fresh = await freshSigningKeys("prod-es256-2");
        const renamed = { ...devJwk().keys[0], kid: "prod-es256-old" } as JsonWebKey;
        return {
          JWT_SIGNING_KEYS: JSON.stringify({ current: fresh.current, keys: [...fresh.keys, renamed] }),
        };
      },
    ],
    [
      "the published encryption key",
      "ENCRYPTION_KEYS",
      async () => ({ ENCRYPTION_KEYS: published.ENCRYPTION_KEYS }),
    ],
    [
      "the published encryption key under another id, behind a fresh current key",
      "ENCRYPTION_KEYS",
      async () => {
        const devKey = (published.ENCRYPTION_KEYS ?? "").split(":")[1];
        return {
          ENCRYPTION_KEYS: `prod2:${base64(crypto.getRandomValues(new Uint8Array(32)))},old:${devKey}`,
        };
      },
    ],
    ["the dev mailbox", "EMAIL_PROVIDER", async () => ({ EMAIL_PROVIDER: "mailbox" })],
    [
      "the published metrics token",
      "METRICS_TOKEN",
      async () => ({ METRICS_TOKEN: published.METRICS_TOKEN }),
    ],
    [
      "the always-pass Turnstile test secret",
      "TURNSTILE_SECRET_KEY",
      async () => ({ TURNSTILE_SECRET_KEY: "1x0000000000000000000000000000000AA" }),
    ],
    [
      "the always-fail Turnstile test secret",
      "TURNSTILE_SECRET_KEY",
      async () => ({ TURNSTILE_SECRET_KEY: "2x0000000000000000000000000000000AA" }),
    ],
    [
      "the token-spent Turnstile test secret",
      "TURNSTILE_SECRET_KEY",
      async () => ({ TURNSTILE_SECRET_KEY: "3x0000000000000000000000000000000AA" }),
    ],
    [
      "the published admin password",
      "ADMIN_PASSWORD",
      async () => ({ ADMIN_EMAIL: "admin@example.com", ADMIN_PASSWORD: published.ADMIN_PASSWORD }),
    ],
  ];

  it.each(cases)(
    "%s: 503 everywhere, the public body names no variable, the log does",
    async (_name, variable, make) => {
      const { ready, login, body, log } = await refusal(await make());
      expect(ready.status).toBe(503);
      expect(login.status).toBe(503);
      const problem = JSON.parse(body) as Record<string, unknown>;
      expect(problem).toMatchObject({
        code: "misconfigured",
        detail: "The service is not configured correctly.",
      });
      expect(problem).not.toHaveProperty("variables");
      expect(body).not.toMatch(/[A-Z]{2,}_[A-Z_]+/);
      expect(log).toContain("configuration invalid");
      expect(log).toContain(variable);
    },
  );

  it("a missing variable in production is named in the log, not in the answer", async () => {
    const { login, body, log } = await refusal({ TURNSTILE_SECRET_KEY: undefined });
    expect(login.status).toBe(503);
    expect(body).not.toContain("TURNSTILE_SECRET_KEY");
    expect(log).toContain("TURNSTILE_SECRET_KEY");
  });

  it("production needs the Turnstile site key: without it the pages could render no widget", async () => {
    const { login, body, log } = await refusal({ TURNSTILE_SITE_KEY: undefined });
    expect(login.status).toBe(503);
    expect(body).not.toContain("TURNSTILE_SITE_KEY");
    expect(log).toContain("TURNSTILE_SITE_KEY");
  });
});
