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
  /** Sends one mail; throws EmailProviderError on failure. Must be idempotent on `email.id`. */
  send(email: OutgoingEmail): Promise<{ providerMessageId: string | null }>;
}

/** A provider failure; `permanent` failures (e.g. a rejected address) are not retried. */
export class EmailProviderError extends Error {
  readonly permanent: boolean;
  constructor(message: string, options: { permanent: boolean }) {
    super(message);
    this.name = "EmailProviderError";
    this.permanent = options.permanent;
  }
}
