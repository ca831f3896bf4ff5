/** The kinds of mail Gatehouse sends; the dev mailbox reports them as `template`. */
export const EMAIL_TEMPLATES = [
  "verify_email",
  "password_reset",
  "device_code",
  "login_approval",
  "security_alert",
  "token_reuse",
  "session_binding",
  "lockout",
  "invitation",
  "ownership_transfer",
  "virtuozzo_reauth",
  "spend_warning",
  "team_budget_exceeded",
  "admin_account_locked",
  "admin_account_unlocked",
  "admin_sessions_revoked",
  "admin_mfa_reset",
] as const;

export type EmailTemplate = (typeof EMAIL_TEMPLATES)[number];

/** Template data: only strings and numbers, so it serialises into the queue and the outbox. */
export type EmailData = Record<string, string | number>;

/**
 * The queue message: only a pointer to the outbox row. The address and the template data (which may carry
 * one-time link tokens) stay in the row, sealed; the consumer opens them there. Messages of an earlier version
 * also carried `template`, `to` and `data`: those fields are ignored, the row is the only source.
 */
export interface EmailQueueMessage {
  /** The outbox id; also the provider's idempotency key. */
  id: string;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
  /** The absolute URLs in the mail (one-time links carry `?token=`). */
  links: string[];
  /** The one-time codes in the mail. */
  codes: string[];
}

export interface OutgoingEmail extends RenderedEmail {
  id: string;
  template: EmailTemplate;
  from: string;
  to: string;
}

export interface EmailProvider {
  /**
   * Sends one mail; throws EmailProviderError on failure. Must be idempotent on `email.id`. `signal` aborts the
   * call (the circuit breaker's timeout).
   */
  send(email: OutgoingEmail, signal?: AbortSignal): Promise<{ providerMessageId: string | null }>;
}

/**
 * Whose fault a failed send is (docs/email-delivery.md, "Failover"): the PROVIDER's (unreachable, timeout, 5xx,
 * 429, our key refused: another provider may take the mail, and this one later) or the MESSAGE's (400, 422: a bad
 * address or content — no provider will take it; dead-lettered at once).
 */
export type SendFault = "provider" | "message";

/** A provider failure; `fault` says whether another provider, or a later retry, may succeed. */
export class EmailProviderError extends Error {
  readonly fault: SendFault;
  /** The provider's HTTP status; null when no answer came. */
  readonly status: number | null;
  constructor(message: string, options: { fault: SendFault; status?: number | null }) {
    super(message);
    this.name = "EmailProviderError";
    this.fault = options.fault;
    this.status = options.status ?? null;
  }

  /** The message's fault: retrying or another provider will not help. */
  get permanent(): boolean {
    return this.fault === "message";
  }
}
