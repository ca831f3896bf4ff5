import { z } from "zod";
import { parseLogo } from "../../ui/logo";
import { publishedSettingsIn } from "../dev-settings";
import type { Bindings } from "./bindings";
import { planLimits, riskRules, riskWeights, teamBudgets } from "./catalogues";
import { booleanString, brandColour, encryptionKeys, intInRange, originList, slashInts } from "./values";

export type { Bindings } from "./bindings";
export * from "./catalogues";
export { contrastRatio } from "./values";

/**
 * The configuration variables' names: the keys of ConfigShape below, the one list (wrangler.toml `[vars]`,
 * `.dev.vars.example` and the README's table are checked against it by test/unit/config.test.ts).
 */
export type ConfigVariable = keyof typeof ConfigShape.shape;

/** What the Worker receives: the bindings plus every variable, as strings (vars and secrets). */
export type Env = Bindings & { [K in ConfigVariable]?: string };

const ConfigShape = z.object({
  ENVIRONMENT: z.enum(["development", "test", "production"]),
  PUBLIC_ORIGIN: z.url().transform((u) => new URL(u).origin),
  CORS_ORIGINS: originList,
  EMAIL_PROVIDER: z.enum(["mailbox", "resend", "postmark"]).default("mailbox"),
  EMAIL_FROM: z.string().min(3).max(200),
  EMAIL_API_KEY: z.string().min(1).optional(),
  EMAIL_API_URL: z.url().optional(),
  /** The failover provider (docs/email-delivery.md); unset: none. Must differ from the primary's kind or URL. */
  EMAIL_SECONDARY_PROVIDER: z.enum(["resend", "postmark"]).optional(),
  EMAIL_SECONDARY_API_KEY: z.string().min(1).optional(),
  EMAIL_SECONDARY_API_URL: z.url().optional(),
  /** Resend's webhook signing secret (`whsec_<base64>`): POST /api/v1/email/events/resend; unset: no webhook. */
  EMAIL_RESEND_WEBHOOK_SECRET: z
    .string()
    .regex(/^whsec_[A-Za-z0-9+/]{16,}={0,2}$/, "must be whsec_ and a base64 key")
    .optional(),
  /** `user:password` set on Postmark's webhook URL (HTTP basic auth): POST /api/v1/email/events/postmark. */
  EMAIL_POSTMARK_WEBHOOK_AUTH: z
    .string()
    .regex(/^[^:]+:.{16,}$/, "must be user:password (16+)")
    .optional(),
  ACCESS_TOKEN_TTL: intInRange(60, 900, 600),
  VERIFICATION_TOKEN_TTL: intInRange(300, 7 * 86400, 86400),
  ARGON2_MEMORY_KIB: intInRange(8192, 262144, 19456),
  ARGON2_ITERATIONS: intInRange(1, 10, 2),
  ARGON2_PARALLELISM: intInRange(1, 4, 1),
  HIBP_ENABLED: booleanString(true),
  HIBP_API_URL: z.url().default("https://api.pwnedpasswords.com"),
  /** The product's name on the pages and in the mails. */
  PRODUCT_NAME: z.string().trim().min(1).max(60).default("Gatehouse"),
  /** The help address in the pages' footer; none: no footer link. */
  SUPPORT_EMAIL: z.email().optional(),
  /** Links and buttons in light mode, and in the mails. */
  BRAND_COLOR: brandColour("#0b5cad", "#ffffff"),
  /** Links and buttons in dark mode. */
  BRAND_COLOR_DARK: brandColour("#4493f8", "#0d1117"),
  /**
   * The logo on the pages and in the mails: a `data:` URI of a base64 PNG, SVG, WebP or JPEG image (≤ 100 KiB),
   * served from this origin (ui/logo.ts). None: the product name alone.
   */
  BRAND_LOGO: z
    .string()
    .optional()
    .superRefine((value, ctx) => {
      if (value === undefined) return;
      const parsed = parseLogo(value);
      if (!parsed.ok) ctx.addIssue({ code: "custom", message: parsed.reason });
    }),
  TURNSTILE_SECRET_KEY: z.string().min(1),
  TURNSTILE_SITE_KEY: z.string().optional(),
  TURNSTILE_VERIFY_URL: z.url().default("https://challenges.cloudflare.com/turnstile/v0/siteverify"),
  ENCRYPTION_KEYS: encryptionKeys,
  ADMIN_EMAIL: z.string().optional(),
  ADMIN_PASSWORD: z.string().optional(),
  /**
   * Host suffixes a team's Virtuozzo `apiUrl` may use (features/virtuozzo/api-url.ts): `.jelastic.com` matches
   * its subdomains, `example.com` the host and its subdomains. Empty: every URL is refused (development and
   * test still take http://127.0.0.1:* and http://localhost:*).
   */
  VIRTUOZZO_ALLOWED_HOSTS: z
    .string()
    .default("")
    .transform((s, ctx) => {
      const hosts = s
        .split(",")
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean);
      for (const host of hosts) {
        if (!/^\.?[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(host)) {
          ctx.addIssue({ code: "custom", message: `not a host suffix: ${host}` });
        }
      }
      return hosts;
    }),
  /** A JWK set of private signing keys (validated when loaded, see crypto/jwt.ts). */
  JWT_SIGNING_KEYS: z.string().min(2),
  JWT_AUDIENCE: z.string().min(1).default("gatehouse"),
  PRE_AUTH_TTL: intInRange(60, 900, 300),
  /** Days a signing key signs before the daily cron promotes the next one (docs/signing-keys.md). */
  SIGNING_KEY_ROTATION_DAYS: intInRange(1, 365, 30),
  SESSION_IDLE_TTL: intInRange(300, 30 * 86400, 3600),
  SESSION_TTL: intInRange(600, 30 * 86400, 86400),
  SESSION_REMEMBER_TTL: intInRange(600, 90 * 86400, 7 * 86400),
  PASSWORD_RESET_TTL: intInRange(300, 86400, 3600),
  LOCKOUT_THRESHOLD: intInRange(3, 20, 5),
  LOCKOUT_SECONDS: intInRange(60, 86400, 300),
  CAPTCHA_AFTER_FAILURES: intInRange(1, 20, 3),
  /**
   * Abuse signals (features/abuse, docs/abuse-signals.md): the window (seconds) distinct accounts, sprayed
   * passwords and sign-ups are counted in per network (IP, /24 or /48, ASN).
   */
  ABUSE_WINDOW: intInRange(60, 86400, 600),
  /** Credential stuffing: distinct accounts with failed logins in the window, per IP / prefix / ASN. */
  ABUSE_STUFFING_ACCOUNTS: slashInts(3, 2, 100000, "20/30/40"),
  /** Password spraying: distinct accounts one password failed against from a network in the window. */
  ABUSE_SPRAY_ACCOUNTS: intInRange(2, 100000, 10),
  /** Seconds a signal lasts after the last event that met its condition. */
  ABUSE_SIGNAL_SECONDS: intInRange(60, 7 * 86400, 3600),
  /** Logins per minute a network under a stuffing or spraying signal may still attempt (then 429). */
  ABUSE_NETWORK_LOGINS: intInRange(1, 100000, 30),
  /** Sign-up burst: registrations in the window per prefix / ASN above which the network is refused (429). */
  ABUSE_SIGNUP_BURST: slashInts(2, 1, 100000, "20/60"),
  /** One live session per user (409 concurrent_session); `false` allows several. */
  SINGLE_SESSION: booleanString(true),
  /**
   * Seconds an authentication stays fresh for sensitive actions (RFC 9470 `max_age`): older, and the action
   * answers 401 `insufficient_user_authentication` until the user steps up (auth/step-up.ts).
   */
  STEP_UP_MAX_AGE: intInRange(60, 86400, 600),
  /**
   * What a session stays bound to (auth/session-binding.ts): `strict` (user-agent family and /24 or /48 network),
   * `mobile` (user-agent family, and the same ASN or the same country), `off`.
   */
  SESSION_BINDING: z.enum(["mobile", "strict", "off"]).default("mobile"),
  /** Which risk reasons are evaluated (features/login/risk/risk.ts): the on/off switch; weights in RISK_WEIGHTS. */
  RISK_RULES: riskRules,
  RISK_WEIGHTS: riskWeights,
  /** Impossible travel: the speed (km/h) between the last successful login and this one. */
  RISK_TRAVEL_KMH: intInRange(100, 20000, 900),
  /** Failure burst: this many failed attempts within RISK_FAILURE_WINDOW seconds before a success. */
  RISK_FAILURE_BURST: intInRange(2, 100, 5),
  RISK_FAILURE_WINDOW: intInRange(60, 86400, 3600),
  /** Network failure burst: this many failed logins from the client's ASN within the hour (`login-fail:asn`). */
  RISK_NETWORK_FAILURE_BURST: intInRange(2, 1_000_000, 50),
  /** Unusual hour: at least this many hours (circular) from every earlier successful login's time of day (UTC). */
  RISK_UNUSUAL_HOURS: intInRange(1, 12, 4),
  /**
   * Risk scores (0..100, features/login/risk/risk.ts): a login scoring RISK_APPROVAL_SCORE or more waits for the
   * suspicious-login approval; a session whose login scored RISK_STEP_UP_SCORE or more steps up with a second
   * factor only (auth/step-up.ts).
   */
  RISK_APPROVAL_SCORE: intInRange(1, 100, 50),
  RISK_STEP_UP_SCORE: intInRange(1, 100, 30),
  /** Lifetime of the approve/deny links of a suspicious login, seconds. */
  LOGIN_APPROVAL_TTL: intInRange(300, 3600, 900),
  /** The bearer token `GET /metrics` requires (Prometheus scrapes with it); unset: no /metrics. */
  METRICS_TOKEN: z.string().min(16).optional(),
  /** Log lines below this level are not written (security events and errors always are). */
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  /**
   * The share of requests whose log lines are written (by request id), 0..1; errors, 4xx on /api/v1/auth/* and
   * requests with a security event always are. Unset: 1, or 0.1 in production (logSampleRate below).
   */
  LOG_SAMPLE_RATE: z.coerce.number().min(0).max(1).optional(),
  /** Limits per plan (features/plans): members, API keys, custom roles, published events per second. */
  PLAN_LIMITS: planLimits,
  /**
   * Per-team abuse budgets (features/team-budgets, docs/team-budgets.md): overrides of the built-in limits per
   * plan, budget and window; over one → 429 `team_budget_exceeded`.
   */
  TEAM_BUDGETS: teamBudgets,
  /** Consecutive faults of an outbound dependency that open its circuit breaker (platform/outbound/breaker.ts). */
  BREAKER_FAILURES: intInRange(1, 100, 5),
  /** Seconds an open breaker refuses calls before one probe call is let through (docs/failure-isolation.md). */
  BREAKER_OPEN_SECONDS: intInRange(5, 3600, 30),
  /** Days audit entries and login activity are kept; the daily cron deletes older ones (features/audit). */
  AUDIT_RETENTION_DAYS: intInRange(30, 36500, 365),
});

const ConfigSchema = ConfigShape.superRefine((c, ctx) => {
  if (c.EMAIL_PROVIDER !== "mailbox" && !c.EMAIL_API_KEY) {
    ctx.addIssue({ code: "custom", path: ["EMAIL_API_KEY"], message: "required by the email provider" });
  }
  if (c.EMAIL_SECONDARY_PROVIDER && !c.EMAIL_SECONDARY_API_KEY) {
    ctx.addIssue({ code: "custom", path: ["EMAIL_SECONDARY_API_KEY"], message: "required by the secondary" });
  }
  if (
    c.EMAIL_SECONDARY_PROVIDER === c.EMAIL_PROVIDER &&
    (c.EMAIL_SECONDARY_API_URL ?? null) === (c.EMAIL_API_URL ?? null)
  ) {
    ctx.addIssue({
      code: "custom",
      path: ["EMAIL_SECONDARY_PROVIDER"],
      message: "the secondary must differ from the primary (kind or URL)",
    });
  }
  if (c.ENVIRONMENT === "production") {
    // Production refuses every published development setting (platform/dev-settings.ts).
    for (const { variable, reason } of publishedSettingsIn(c)) {
      ctx.addIssue({ code: "custom", path: [variable], message: reason });
    }
    if (!c.PUBLIC_ORIGIN.startsWith("https://")) {
      ctx.addIssue({ code: "custom", path: ["PUBLIC_ORIGIN"], message: "must be https in production" });
    }
    if (!c.TURNSTILE_SITE_KEY) {
      // The pages render the widget with it (ui/captcha.tsx): without it nobody could register.
      ctx.addIssue({ code: "custom", path: ["TURNSTILE_SITE_KEY"], message: "required in production" });
    }
  }
});

export type Config = z.output<typeof ConfigSchema>;

/** A failure names the variables at fault, and why (`reasons`, for the log: never a value). */
export type ConfigResult =
  | { ok: true; config: Config }
  | { ok: false; variables: string[]; reasons: string[] };

/** Every configuration variable, in the schema's order. */
export const CONFIG_VARIABLES = Object.keys(ConfigShape.shape) as ConfigVariable[];
const cache = new Map<string, ConfigResult>();

/**
 * Parses the configuration from the bindings. Done on the request path (not at import), so a misconfigured
 * deploy answers a clear 503 naming the variable instead of crashing. Memoised by the raw values (a string
 * join is far cheaper than the zod parse, and bindings objects are not guaranteed to be reused).
 */
export function parseConfig(env: Env): ConfigResult {
  const key = CONFIG_VARIABLES.map((k) => env[k] ?? "\u0000").join("\u0001");
  const cached = cache.get(key);
  if (cached) return cached;
  const parsed = ConfigSchema.safeParse(env);
  const result: ConfigResult = parsed.success
    ? { ok: true, config: parsed.data }
    : {
        ok: false,
        variables: [...new Set(parsed.error.issues.map((i) => String(i.path[0] ?? "configuration")))],
        reasons: parsed.error.issues.map((i) => `${String(i.path[0] ?? "configuration")}: ${i.message}`),
      };
  if (cache.size > 16) cache.clear();
  cache.set(key, result);
  return result;
}

/** The request-log sampling rate: LOG_SAMPLE_RATE, else every request in development and test, 10 % in production. */
export function logSampleRate(config: Config): number {
  return config.LOG_SAMPLE_RATE ?? (config.ENVIRONMENT === "production" ? 0.1 : 1);
}

export function isDevelopment(config: Config): boolean {
  return config.ENVIRONMENT !== "production";
}
