import { describe, expect, it } from "vitest";
import { platformSession } from "../../support/admin";
import { testWorker } from "../../support/helpers";
import { breakerState, outboxMail, outboxRow, runQueue } from "./support";

/**
 * Nothing lost (docs/email-delivery.md): with the primary provider down, every mail goes through the secondary
 * exactly once within the same delivery, and the primary's circuit breaker (CircuitBreaker Durable Object) opens
 * so later mails skip it; a mail the primary refuses as bad is not failed over; with both down the rows wait
 * `failed` for the queue's retries (none dead before max retries) and are delivered once a provider is back.
 * The tests share the breakers `email:resend` and `email:postmark` (per name, cached per isolate): each leaves
 * them as the next one expects (the last one leaves the primary open).
 */
type Mode = "up" | "connection_error" | "503" | "422";

/** Resend (primary) and Postmark (secondary) fakes on their own URLs; each counts its requests per outbox id. */
function fakeProviders() {
  const state = {
    resend: { mode: "up" as Mode, requests: [] as string[], accepted: [] as string[] },
    postmark: { mode: "up" as Mode, requests: [] as string[], accepted: [] as string[] },
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
        provider.accepted.push(outboxId);
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
  it("primary down: 30 mails all delivered by the secondary exactly once; the primary's breaker opens and stops being called; back → probe → closed", async () => {
    const providers = fakeProviders();
    const app = testWorker({ fetch: providers.fetch, env: twoProviders });
    providers.state.resend.mode = "connection_error";
    const mails = await Promise.all(Array.from({ length: 30 }, () => outboxMail()));
    const ids = mails.map((m) => m.message.id);
    const batches = [mails.slice(0, 10), mails.slice(10, 20), mails.slice(20)].map((b) =>
      b.map((m) => m.message),
    );

    const results = [await runQueue(app, "gatehouse-email", batches[0] ?? [])];
    providers.state.resend.mode = "503";
    results.push(await runQueue(app, "gatehouse-email", batches[1] ?? []));
    const primaryCalls = providers.state.resend.requests.length;
    results.push(await runQueue(app, "gatehouse-email", batches[2] ?? []));

    // the breaker opened after 5 consecutive faults (BREAKER_FAILURES): later mails go straight to the secondary
    expect(primaryCalls).toBeGreaterThanOrEqual(5);
    expect(primaryCalls).toBeLessThanOrEqual(7); // 5 measured: each fault is reported before the next mail
    expect(providers.state.resend.requests.length).toBe(primaryCalls);
    expect(await breakerState("email:resend", app.clock.now())).toMatchObject({ state: "open" });
    // per-provider health, as platform staff read it in /health/ready's detail
    const staff = await platformSession(app, ["support"]);
    const health = (await (await staff.call("GET", "/health/ready")).json()) as {
      dependencies: Record<string, { policy: string; state: string }>;
      degraded: string[];
    };
    expect(health.dependencies["email:resend"]).toMatchObject({
      policy: "failover-then-queue",
      state: "open",
    });
    expect(health.dependencies["email:postmark"]).toMatchObject({
      policy: "failover-then-queue",
      state: "closed",
    });
    expect(health.degraded).toContain("email:resend");

    // every mail delivered by the secondary exactly once, each row naming it; nothing retried, nothing lost
    expect(results.flatMap((r) => r.explicitAcks)).toHaveLength(30);
    expect(results.flatMap((r) => r.retryMessages)).toEqual([]);
    const delivered = counts(providers.state.postmark.accepted);
    expect(ids.every((id) => delivered.get(id) === 1)).toBe(true);
    expect(providers.state.postmark.accepted).toHaveLength(30);
    for (const id of ids) {
      expect(await outboxRow(id)).toMatchObject({
        status: "sent",
        provider: "postmark",
        provider_message_id: `pm-${id}`,
      });
    }
    // a redelivery of a batch sends nothing again
    await runQueue(app, "gatehouse-email", batches[0] ?? [], 2);
    expect(providers.state.postmark.requests).toHaveLength(30);

    // the primary recovers: after BREAKER_OPEN_SECONDS one probe goes to it, succeeds, and the breaker closes
    providers.state.resend.mode = "up";
    app.clock.advance(30_001);
    const after = await outboxMail();
    await runQueue(app, "gatehouse-email", [after.message]);
    expect(await outboxRow(after.message.id)).toMatchObject({ status: "sent", provider: "resend" });
    expect(await breakerState("email:resend", app.clock.now())).toMatchObject({ state: "closed" });
    const next = await outboxMail();
    await runQueue(app, "gatehouse-email", [next.message]);
    expect(await outboxRow(next.message.id)).toMatchObject({ status: "sent", provider: "resend" });
    expect(providers.state.postmark.requests).toHaveLength(30);
  });

  it("a mail the primary refuses as bad (422) is dead-lettered, not failed over, and does not count against it", async () => {
    const providers = fakeProviders();
    const app = testWorker({ fetch: providers.fetch, env: twoProviders });
    providers.state.resend.mode = "422";
    const mails = await Promise.all(Array.from({ length: 6 }, () => outboxMail()));
    const result = await runQueue(
      app,
      "gatehouse-email",
      mails.map((m) => m.message),
    );
    expect(result.explicitAcks).toHaveLength(6);
    expect(providers.state.postmark.requests).toEqual([]);
    expect(providers.state.resend.requests).toHaveLength(6);
    for (const m of mails) expect((await outboxRow(m.message.id))?.status).toBe("dead");
    expect(await breakerState("email:resend", app.clock.now())).toMatchObject({ state: "closed" });
  });

  it("both down: rows wait failed through the queue's retries, none dead, and are delivered once a provider is back", async () => {
    const providers = fakeProviders();
    const app = testWorker({ fetch: providers.fetch, env: twoProviders });
    providers.state.resend.mode = "503";
    providers.state.postmark.mode = "connection_error";
    const mails = await Promise.all(Array.from({ length: 3 }, () => outboxMail()));
    const messages = mails.map((m) => m.message);
    for (const attempt of [1, 2, 3, 4]) {
      const result = await runQueue(app, "gatehouse-email", messages, attempt);
      expect(result.retryMessages).toHaveLength(3);
      expect(result.explicitAcks).toEqual([]);
      for (const m of messages) expect((await outboxRow(m.id))?.status).toBe("failed");
    }
    // both breakers opened: the last attempts called neither provider
    expect(await breakerState("email:resend", app.clock.now())).toMatchObject({ state: "open" });
    expect(await breakerState("email:postmark", app.clock.now())).toMatchObject({ state: "open" });
    expect(providers.state.resend.requests.length).toBeLessThan(12);

    providers.state.postmark.mode = "up";
    app.clock.advance(30_001); // the queue's backoff outlasts the open time: the next attempt probes
    const last = await runQueue(app, "gatehouse-email", messages, 5);
    expect(last.explicitAcks).toHaveLength(3);
    for (const m of messages) {
      expect(await outboxRow(m.id)).toMatchObject({ status: "sent", provider: "postmark" });
    }
    const accepted = counts(providers.state.postmark.accepted);
    expect(messages.every((m) => accepted.get(m.id) === 1)).toBe(true);
  });
});
