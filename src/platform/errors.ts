import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * The catalogue of problem codes Gatehouse answers with (RFC 9457 problem+json `code`).
 * Codes are stable: clients switch on them. `detail` is the exact user-facing copy of ../shared/API.md where
 * the contract fixes one.
 */
export const PROBLEMS = {
  validation_failed: { status: 422, title: "Validation failed", detail: "The request is not valid." },
  malformed_json: { status: 400, title: "Malformed JSON", detail: "The request body is not valid JSON." },
  bad_request: { status: 400, title: "Bad request", detail: "The request could not be understood." },
  unsupported_media_type: {
    status: 415,
    title: "Unsupported media type",
    detail: "Send the request body as application/json.",
  },
  payload_too_large: { status: 413, title: "Payload too large", detail: "The request body is too large." },
  captcha_required: { status: 400, title: "Captcha required", detail: "Captcha required." },
  email_taken: {
    status: 409,
    title: "Email already registered",
    detail: "An account with this email already exists. Sign in or reset your password.",
  },
  slug_taken: { status: 409, title: "Slug taken", detail: "This team URL is already taken. Choose another." },
  invalid_token: { status: 400, title: "Invalid token", detail: "This link is invalid or has expired." },
  invalid_credentials: {
    status: 401,
    title: "Invalid credentials",
    detail: "Email or password is incorrect.",
  },
  email_not_verified: {
    status: 403,
    title: "Email not verified",
    detail: "You must confirm your registration first. We've sent you an email.",
  },
  step_required: {
    status: 403,
    title: "Login step required",
    detail: "Complete the current login step first.",
  },
  token_reused: {
    status: 401,
    title: "Refresh token reused",
    detail: "This sign-in was ended because an old refresh token was used again. Please sign in again.",
  },
  session_binding_mismatch: {
    status: 401,
    title: "Session binding mismatch",
    detail: "This session was signed in from another device or network. Please sign in again.",
  },
  refresh_conflict: {
    status: 409,
    title: "Refresh in progress",
    detail: "This refresh token was just used by a concurrent request. Use the newest tokens.",
  },
  concurrent_session: {
    status: 409,
    title: "Another session is active",
    detail:
      "You are signed in elsewhere. Approve to end the other session and continue here, or deny to keep it.",
  },
  login_denied: {
    status: 403,
    title: "Sign-in denied",
    detail: "This sign-in was denied from the approval email. Please sign in again.",
  },
  login_already_decided: {
    status: 409,
    title: "Sign-in already decided",
    detail: "This sign-in was already approved or denied. Nothing was changed.",
  },
  invalid_code: { status: 401, title: "Invalid code", detail: "Invalid security code." },
  conflict: { status: 409, title: "Conflict", detail: "The request conflicts with the current state." },
  owner_transfer_required: {
    status: 409,
    title: "Ownership transfer required",
    detail: "The Owner role changes hands only through an ownership transfer.",
  },
  role_protected: {
    status: 409,
    title: "Built-in role",
    detail: "Built-in roles cannot be changed or deleted. Create a custom role instead.",
  },
  role_in_use: {
    status: 409,
    title: "Role in use",
    detail: "This role is still held by members or inherited by another role.",
  },
  last_admin: {
    status: 409,
    title: "Last admin",
    detail: "The last platform admin cannot lose the admin role, be locked or be erased.",
  },
  already_member: {
    status: 409,
    title: "Already a member",
    detail: "This person is already a member of the team.",
  },
  plan_limit_reached: {
    status: 402,
    title: "Plan limit reached",
    detail: "Your plan does not allow more of this. Upgrade to add more.",
  },
  spend_cap_reached: {
    status: 402,
    title: "Spending limit reached",
    detail: "Your monthly spending limit has been reached. Adjust your limit to continue.",
  },
  billing_account_required: {
    status: 409,
    title: "Billing account required",
    detail: "The PRO plan needs a connected Virtuozzo account with billing (groupType billing).",
  },
  idempotency_key_required: {
    status: 400,
    title: "Idempotency-Key required",
    detail: "Send an Idempotency-Key header (1 to 200 printable ASCII characters).",
  },
  idempotency_conflict: {
    status: 422,
    title: "Idempotency-Key reused",
    detail: "This Idempotency-Key was already used with a different request body.",
  },
  insufficient_user_authentication: {
    status: 401,
    title: "Step-up required",
    detail: "Please confirm it's you to continue.",
  },
  csrf_failed: {
    status: 403,
    title: "CSRF check failed",
    detail: "The request's CSRF token is missing or invalid.",
  },
  rate_limited: { status: 429, title: "Too many requests", detail: "Too many requests. Try again later." },
  team_budget_exceeded: {
    status: 429,
    title: "Team budget exceeded",
    detail: "This team has reached one of its limits. Try again later.",
  },
  not_found: { status: 404, title: "Not found", detail: "The requested resource does not exist." },
  method_not_allowed: {
    status: 405,
    title: "Method not allowed",
    detail: "This method is not allowed here.",
  },
  unauthorized: { status: 401, title: "Unauthorized", detail: "Authentication is required." },
  forbidden: { status: 403, title: "Forbidden", detail: "You don't have permission to perform this action." },
  misconfigured: {
    status: 503,
    title: "Service misconfigured",
    detail: "The service is not configured correctly.",
  },
  unavailable: { status: 503, title: "Service unavailable", detail: "A dependency is unavailable." },
  virtuozzo_unavailable: {
    status: 502,
    title: "Virtuozzo unavailable",
    detail: "Virtuozzo could not be reached. Try again in a moment.",
  },
  virtuozzo_reauth_required: {
    status: 409,
    title: "Virtuozzo re-authentication required",
    detail: "Virtuozzo rejected the team's credentials. The team owner must connect the account again.",
  },
  virtuozzo_not_connected: {
    status: 404,
    title: "Virtuozzo not connected",
    detail: "This team has no Virtuozzo account connected.",
  },
  signing_key_in_use: {
    status: 409,
    title: "Signing key in use",
    detail:
      "This is the current signing key and there is no next key to promote in its place. Rotate first (a next key is created at once), then revoke.",
  },
  internal_error: { status: 500, title: "Internal error", detail: "Something went wrong on our side." },
} as const satisfies Record<string, { status: ContentfulStatusCode; title: string; detail: string }>;

export type ProblemCode = keyof typeof PROBLEMS;

export interface FieldError {
  path: string;
  message: string;
  /** A stable machine-readable reason, where one exists (e.g. `too_short`, `breached`). */
  reason?: string;
}

export interface AuthErrorOptions {
  status?: ContentfulStatusCode;
  detail?: string;
  /** Extra members of the problem document (e.g. `errors` for validation failures). */
  extra?: Record<string, unknown>;
  /** Response headers to add (e.g. `Retry-After`). */
  headers?: Record<string, string>;
  /** Logged, never sent to the client. */
  internal?: Record<string, unknown>;
}

/** The one error type of Gatehouse; `app.onError` renders it as problem+json. */
export class AuthError extends Error {
  readonly code: ProblemCode;
  readonly status: ContentfulStatusCode;
  readonly title: string;
  readonly detail: string;
  readonly extra: Record<string, unknown>;
  readonly headers: Record<string, string>;
  readonly internal: Record<string, unknown>;

  constructor(code: ProblemCode, options: AuthErrorOptions = {}) {
    const entry = PROBLEMS[code];
    super(options.detail ?? entry.detail);
    this.name = "AuthError";
    this.code = code;
    this.status = options.status ?? entry.status;
    this.title = entry.title;
    this.detail = options.detail ?? entry.detail;
    this.extra = options.extra ?? {};
    this.headers = options.headers ?? {};
    this.internal = options.internal ?? {};
  }

  static validation(errors: FieldError[], detail?: string): AuthError {
    return new AuthError("validation_failed", { extra: { errors }, detail });
  }
}

/** The problem+json body for an error (RFC 9457). */
export function problemBody(error: AuthError, requestId?: string): Record<string, unknown> {
  return {
    type: `urn:gatehouse:problem:${error.code}`,
    title: error.title,
    status: error.status,
    detail: error.detail,
    code: error.code,
    ...error.extra,
    ...(requestId ? { requestId } : {}),
  };
}
