import { type EmailProvider, EmailProviderError, type OutgoingEmail, type SendFault } from "../types";

/**
 * HTTP email providers (Resend and Postmark formats), called through the injected fetch. The outbox id is
 * sent as the idempotency key where the provider supports one (Resend), so a retried send is not duplicated.
 */
export interface HttpProviderOptions {
  kind: "resend" | "postmark";
  apiKey: string;
  /** Override of the API endpoint (e.g. a local fake). */
  apiUrl?: string | undefined;
  fetch: typeof fetch;
  /** Used when the caller passes no signal of its own. */
  timeoutMs?: number;
}

const DEFAULT_URL = {
  resend: "https://api.resend.com/emails",
  postmark: "https://api.postmarkapp.com/email",
} as const;

/**
 * Whose fault an HTTP answer is (docs/email-delivery.md, "Failover"). 401/403 (our key refused), 404 (a wrong
 * endpoint), 408, 409 (Resend: the same idempotency key in flight), 429 and 5xx are the provider's side: another
 * provider, or a later retry, may take the mail. Any other 4xx refuses the message itself (400, 422: a bad
 * address or content; Postmark answers 422 for an inactive recipient too).
 */
export function faultOfStatus(status: number): SendFault {
  if (status >= 500 || [401, 403, 404, 408, 409, 429].includes(status)) return "provider";
  return "message";
}

/**
 * Postmark answers 422 both for a bad message and for its account's state: its `ErrorCode` tells them apart.
 * 300 (invalid request: the address or content), 406 (inactive recipient: it bounced or complained) and 411
 * (forbidden attachment) refuse the message; the others (10 bad token, 400/401 sender signature, 405 not allowed
 * to send, 412/413 account pending or barred, …) are our account's, which another provider may not share.
 */
const POSTMARK_MESSAGE_CODES = new Set([300, 406, 411]);

export function faultOfPostmark(status: number, errorCode: number | null): SendFault {
  if (status !== 422 || errorCode === null) return faultOfStatus(status);
  return POSTMARK_MESSAGE_CODES.has(errorCode) ? "message" : "provider";
}

function errorCodeOf(text: string): number | null {
  try {
    const code = (JSON.parse(text) as { ErrorCode?: unknown }).ErrorCode;
    return typeof code === "number" ? code : null;
  } catch {
    return null;
  }
}

export function httpEmailProvider(options: HttpProviderOptions): EmailProvider {
  const url = options.apiUrl ?? DEFAULT_URL[options.kind];
  return {
    async send(email: OutgoingEmail, signal?: AbortSignal) {
      const request =
        options.kind === "resend"
          ? resendRequest(email, options.apiKey)
          : postmarkRequest(email, options.apiKey);
      let response: Response;
      try {
        response = await options.fetch(url, {
          method: "POST",
          headers: request.headers,
          body: JSON.stringify(request.body),
          signal: signal ?? AbortSignal.timeout(options.timeoutMs ?? 10_000),
        });
      } catch (error) {
        throw new EmailProviderError(`provider unreachable: ${(error as Error).message}`, {
          fault: "provider",
        });
      }
      const text = await response.text();
      if (!response.ok) {
        const errorCode = options.kind === "postmark" ? errorCodeOf(text) : null;
        throw new EmailProviderError(
          `provider answered ${response.status}${errorCode === null ? "" : ` (ErrorCode ${errorCode})`}`,
          {
            fault:
              options.kind === "postmark"
                ? faultOfPostmark(response.status, errorCode)
                : faultOfStatus(response.status),
            status: response.status,
          },
        );
      }
      let id: string | null = null;
      try {
        const body = JSON.parse(text) as { id?: string; MessageID?: string };
        id = body.id ?? body.MessageID ?? null;
      } catch {
        id = null;
      }
      return { providerMessageId: id };
    },
  };
}

function resendRequest(email: OutgoingEmail, apiKey: string) {
  return {
    headers: {
      authorization: `Bearer ${apiKey}`,
      "content-type": "application/json",
      "idempotency-key": email.id,
    },
    body: {
      from: email.from,
      to: [email.to],
      subject: email.subject,
      text: email.text,
      html: email.html,
      tags: [{ name: "template", value: email.template }],
    },
  };
}

function postmarkRequest(email: OutgoingEmail, apiKey: string) {
  return {
    headers: {
      "x-postmark-server-token": apiKey,
      accept: "application/json",
      "content-type": "application/json",
    },
    body: {
      From: email.from,
      To: email.to,
      Subject: email.subject,
      TextBody: email.text,
      HtmlBody: email.html,
      Tag: email.template,
      MessageStream: "outbound",
      Metadata: { outboxId: email.id },
    },
  };
}
