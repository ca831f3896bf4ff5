/**
 * A production configuration with no published development value in it (fresh signing and encryption keys,
 * a real-looking Turnstile secret, an email provider, no bootstrap admin): what a test overrides to run the
 * Worker as production. Production refuses every value `.dev.vars.example` publishes (platform/dev-settings.ts).
 */
export async function productionEnv(): Promise<Partial<Cloudflare.Env>> {
  const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
    "verify",
  ])) as CryptoKeyPair;
  const jwk = (await crypto.subtle.exportKey("jwk", pair.privateKey)) as JsonWebKey;
  const kid = "prod-es256-1";
  const key = crypto.getRandomValues(new Uint8Array(32));
  return {
    ENVIRONMENT: "production",
    PUBLIC_ORIGIN: "https://auth.example.com",
    CORS_ORIGINS: "https://app.example.com",
    EMAIL_PROVIDER: "resend",
    EMAIL_API_KEY: "re_live_not_published",
    TURNSTILE_SECRET_KEY: "0x4AAAAAAAproduction-secret",
    TURNSTILE_SITE_KEY: "0x4AAAAAAAproduction-site",
    JWT_SIGNING_KEYS: JSON.stringify({ current: kid, keys: [{ ...jwk, kid, alg: "ES256", use: "sig" }] }),
    ENCRYPTION_KEYS: `prod1:${btoa(String.fromCharCode(...key))}`,
    ADMIN_EMAIL: undefined,
    ADMIN_PASSWORD: undefined,
    METRICS_TOKEN: `metrics-${crypto.randomUUID()}`,
  };
}
