import { describe, expect, it } from "vitest";
import { testWorker } from "../../support/helpers";
import { outboxMail, outboxRow, runQueue } from "./support";

/**
 * Nothing lost (docs/email-delivery.md): with the primary provider down, every mail goes through the secondary
 * exactly once within the same delivery; a mail the primary refuses as bad is not failed over; with both down
 * the rows wait `failed` for the queue's retries (none dead before max retries) and are delivered once a
 * provider is back.
 */
type Mode = "up" | "connection_error" | "503" | "422";

/** Resend (primary) and Postmark (secondary) fakes on their own URLs; each counts its requests per outbox id. */
function fakeProviders() {
  const state = {
    resend: { mode: "up" as Mode, requests: [] as string[] },
    postmark: { mode: "up" as Mode, requests: [] as string[] },
  };
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const request = new Request(input, init);
    const which = request.url.startsWith("https://api.resend.test/") ? "resend" : "postmark";
    const body = (await request.json()) as { Metadata?: { outboxId: string } };
    const outboxId =
      which === "resend" ? (request.headers.get("idempotency-key") ?? "") : (body.Metadata?.outboxId ?? "");
    const provider = state[which];
    provider.requests.push(outboxId);
    switch (provider.mode) {
      case "connection_error":
        throw new TypeError("Network connection lost.");
      case "503":
        return new Response("unavailable", { status: 503 });
      case "422":
        return Response.json({ message: "invalid to address" }, { status: 422 });
      default:
        return which === "resend"
          ? Response.json({ id: `re-${outboxId}` })
          : Response.json({ MessageID: `pm-${outboxId}`, ErrorCode: 0 });
    }
  };
  return { state, fetch };
}

const twoProviders = {
  EMAIL_PROVIDER: "resend",
  EMAIL_API_KEY: "re_test_key",
  EMAIL_API_URL: "https://api.resend.test/emails",
  EMAIL_SECONDARY_PROVIDER: "postmark",
  EMAIL_SECONDARY_API_KEY: "pm-test-key",
  EMAIL_SECONDARY_API_URL: "https://api.postmark.test/email",
};

function counts(requests: string[]): Map<string, number> {
  const map = new Map<string, number>();
  for (const id of requests) map.set(id, (map.get(id) ?? 0) + 1);
  return map;
}

describe("email failover: nothing lost", () => {
  it("primary down: every one of 30 mails is delivered by the secondary exactly once, each row naming it", async () => {
    const providers = fakeProviders();
    const app = testWorker({ fetch: providers.fetch, env: twoProviders });
    providers.state.resend.mode = "connection_error";
    const mails = await Promise.all(Array.from({ length: 30 }, () => outboxMail()));
    const ids = mails.map((m) => m.message.id);

    const first = await runQueue(
      app,
      "gatehouse-email",
      mails.slice(0, 1).map((m) => m.message),
    );
    providers.state.resend.mode = "503";
    const rest = await runQueue(
      app,
      "gatehouse-email",
      mails.slice(1).map((m) => m.message),
    );

    expect([...first.explicitAcks, ...rest.explicitAcks]).toHaveLength(30);
    expect([...first.retryMessages, ...rest.retryMessages]).toEqual([]);
    const delivered = counts(providers.state.postmark.requests);
    expect(ids.every((id) => delivered.get(id) === 1)).toBe(true);
    expect(providers.state.postmark.requests).toHaveLength(30);
    for (const id of ids) {
      expect(await outboxRow(id)).toMatchObject({
        status: "sent",
        provider: "postmark",
        provider_message_id: `pm-${id}`,
      });
    }
    // a redelivery of the batch sends nothing again
    await runQueue(
      app,
      "gatehouse-email",
      mails.map((m) => m.message),
      2,
    );
    expect(providers.state.postmark.requests).toHaveLength(30);
  });

  it("a mail the primary refuses as bad (422) is dead-lettered, not failed over", async () => {
    const providers = fakeProviders();
    const app = testWorker({ fetch: providers.fetch, env: twoProviders });
    providers.state.resend.mode = "422";
    const mail = await outboxMail();
    const result = await runQueue(app, "gatehouse-email", [mail.message]);
    expect(result.explicitAcks).toHaveLength(1);
    expect(providers.state.postmark.requests).toEqual([]);
    expect((await outboxRow(mail.message.id))?.status).toBe("dead");
  });

  it("both down: rows wait failed through the queue's retries, none dead, and are delivered once a provider is back", async () => {
    const providers = fakeProviders();
    const app = testWorker({ fetch: providers.fetch, env: twoProviders });
    providers.state.resend.mode = "503";
    providers.state.postmark.mode = "connection_error";
    const mails = await Promise.all(Array.from({ length: 3 }, () => outboxMail()));
    const messages = mails.map((m) => m.message);
    for (const attempt of [1, 2, 3]) {
      const result = await runQueue(app, "gatehouse-email", messages, attempt);
      expect(result.retryMessages).toHaveLength(3);
      expect(result.explicitAcks).toEqual([]);
      for (const m of messages) expect((await outboxRow(m.id))?.status).toBe("failed");
    }
    providers.state.postmark.mode = "up";
    const last = await runQueue(app, "gatehouse-email", messages, 4);
    expect(last.explicitAcks).toHaveLength(3);
    for (const m of messages)
      expect(await outboxRow(m.id)).toMatchObject({ status: "sent", provider: "postmark" });
    expect(counts(providers.state.postmark.requests).get(messages[0]?.id ?? "")).toBe(4);
  });
});
