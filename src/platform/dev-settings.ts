/**
 * The development settings the repository publishes (`.dev.vars.example`, Cloudflare's documented Turnstile
 * test secrets, the dev mailbox): anyone can read them, so production refuses to run with any of them
 * (config.ts). test/unit/dev-settings.test.ts checks these constants against `.dev.vars.example`.
 */
export const PUBLISHED_DEV_SETTINGS = {
  JWT_SIGNING_KEYS:
    '{"current":"dev-es256-1","keys":[{"kty":"EC","x":"mC6-phEpb3qiCa1y6IF8tXdrEUMoDAzRbhcAPSdrQwI","y":"ZIm3gex3yM4MbEA5rwd2p3hfOX8qWxEVuofyNray1HQ","crv":"P-256","d":"nEg1H1tOz6PD1yJ23s7su6HyF14Z44M6uHIR7MYUQp4","kid":"dev-es256-1","alg":"ES256","use":"sig"}]}',
  ENCRYPTION_KEYS: "dev1:ZGV2LW9ubHktZW5jcnlwdGlvbi1rZXktMzItYnl0ZXM=",
  ADMIN_PASSWORD: "Gatehouse-dev-admin-1",
  TURNSTILE_SECRET_KEY: "1x0000000000000000000000000000000AA",
  METRICS_TOKEN: "dev-metrics-token-local-only",
} as const;

/** Cloudflare's documented Turnstile test secrets: always pass, always fail, token already spent. */
export const TURNSTILE_TEST_SECRETS: ReadonlySet<string> = new Set([
  "1x0000000000000000000000000000000AA",
  "2x0000000000000000000000000000000AA",
  "3x0000000000000000000000000000000AA",
]);

/** The settings compared, as parsed by config.ts (encryption keys decoded). */
export interface SettingsToCheck {
  JWT_SIGNING_KEYS: string;
  ENCRYPTION_KEYS: readonly { id: string; key: Uint8Array }[];
  TURNSTILE_SECRET_KEY: string;
  EMAIL_PROVIDER: string;
  ADMIN_PASSWORD?: string | undefined;
  METRICS_TOKEN?: string | undefined;
}

export interface PublishedSetting {
  variable: keyof SettingsToCheck;
  reason: string;
}

/** The private key material (`d`) of every JWK in a `JWT_SIGNING_KEYS` set; none if it does not parse. */
function privateKeyMaterial(keySet: string): string[] {
  try {
    const parsed = JSON.parse(keySet) as { keys?: unknown };
    if (!Array.isArray(parsed.keys)) return [];
    return parsed.keys.flatMap((k: unknown) =>
      k && typeof k === "object" && typeof (k as { d?: unknown }).d === "string"
        ? [(k as { d: string }).d]
        : [],
    );
  } catch {
    return [];
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

const PUBLISHED_JWT_D = new Set(privateKeyMaterial(PUBLISHED_DEV_SETTINGS.JWT_SIGNING_KEYS));
const PUBLISHED_ENCRYPTION_KEYS = PUBLISHED_DEV_SETTINGS.ENCRYPTION_KEYS.split(",").map((pair) =>
  Uint8Array.from(atob(pair.split(":")[1] ?? ""), (ch) => ch.charCodeAt(0)),
);

/**
 * Which of the settings are published development values. Keys are compared by their material (a JWK's `d`,
 * an encryption key's bytes), so a published key under another `kid` or id, or kept as an old key behind a
 * fresh current one, is still found. Reasons never quote a value.
 */
export function publishedSettingsIn(settings: SettingsToCheck): PublishedSetting[] {
  const found: PublishedSetting[] = [];
  if (privateKeyMaterial(settings.JWT_SIGNING_KEYS).some((d) => PUBLISHED_JWT_D.has(d))) {
    found.push({ variable: "JWT_SIGNING_KEYS", reason: "holds the published development signing key" });
  }
  if (
    settings.ENCRYPTION_KEYS.some(({ key }) => PUBLISHED_ENCRYPTION_KEYS.some((dev) => sameBytes(dev, key)))
  ) {
    found.push({ variable: "ENCRYPTION_KEYS", reason: "holds the published development encryption key" });
  }
  if (TURNSTILE_TEST_SECRETS.has(settings.TURNSTILE_SECRET_KEY)) {
    found.push({ variable: "TURNSTILE_SECRET_KEY", reason: "is a Cloudflare Turnstile test secret" });
  }
  if (settings.EMAIL_PROVIDER === "mailbox") {
    found.push({ variable: "EMAIL_PROVIDER", reason: "the dev mailbox is not for production" });
  }
  if (settings.METRICS_TOKEN === PUBLISHED_DEV_SETTINGS.METRICS_TOKEN) {
    found.push({ variable: "METRICS_TOKEN", reason: "is the published development metrics token" });
  }
  if (settings.ADMIN_PASSWORD === PUBLISHED_DEV_SETTINGS.ADMIN_PASSWORD) {
    found.push({ variable: "ADMIN_PASSWORD", reason: "is the published development admin password" });
  }
  return found;
}
