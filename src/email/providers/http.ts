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
        throw new EmailProviderError(`provider answered ${response.status}`, {
          fault: faultOfStatus(response.status),
          status: response.status,
        });
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
