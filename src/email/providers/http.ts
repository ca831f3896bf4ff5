import { type EmailProvider, EmailProviderError, type OutgoingEmail } from "../types";

/**
 * HTTP email providers (Resend and Postmark formats), called through the injected fetch. The outbox id is
 * sent as the idempotency key where the provider supports one (Resend), so a retried send is not duplicated.
 */
export interface HttpProviderOptions {
  kind: "resend" | "postmark";
  apiKey: string;
  /** Override of the API endpoint (e.g. a local fake). */
  apiUrl?: string;
  fetch: typeof fetch;
  timeoutMs?: number;
}

const DEFAULT_URL = {
  resend: "https://api.resend.com/emails",
  postmark: "https://api.postmarkapp.com/email",
} as const;

export function httpEmailProvider(options: HttpProviderOptions): EmailProvider {
  const url = options.apiUrl ?? DEFAULT_URL[options.kind];
  return {
    async send(email: OutgoingEmail) {
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
          signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
        });
      } catch (error) {
        throw new EmailProviderError(`provider unreachable: ${(error as Error).message}`, {
          permanent: false,
        });
      }
      const text = await response.text();
      if (!response.ok) {
        // 4xx other than 408/409/429 mean the request itself is refused: retrying will not help.
        const permanent =
          response.status >= 400 && response.status < 500 && ![408, 409, 429].includes(response.status);
        throw new EmailProviderError(`provider answered ${response.status}`, { permanent });
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
