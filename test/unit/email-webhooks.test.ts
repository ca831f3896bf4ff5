import { describe, expect, it } from "vitest";
import { parsePostmarkEvent, parseResendEvent } from "../../src/features/email-events/events";
import { basicAuthMatches, verifyStandardWebhook } from "../../src/features/email-events/signature";

/** The Standard Webhooks / Svix published test vector. */
const VECTOR = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: "1614265330",
  body: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};
const AT_VECTOR = 1614265330 * 1000;

describe("Standard Webhooks signatures (Resend)", () => {
  it("accepts the published test vector", async () => {
    expect(await verifyStandardWebhook(VECTOR.secret, VECTOR, AT_VECTOR)).toEqual({ ok: true });
  });

  it("accepts any valid v1 signature among several (a secret being rotated)", async () => {
    const signature = `v1,bm90IHRoaXMgb25l v2,abc ${VECTOR.signature}`;
    expect(await verifyStandardWebhook(VECTOR.secret, { ...VECTOR, signature }, AT_VECTOR)).toEqual({
      ok: true,
    });
  });

  it("refuses a changed body, id or timestamp, and another secret", async () => {
    const cases = [
      { ...VECTOR, body: '{"test": 2432232315}' },
      { ...VECTOR, id: "msg_other" },
      { ...VECTOR, timestamp: "1614265331" },
    ];
    for (const delivery of cases) {
      expect(await verifyStandardWebhook(VECTOR.secret, delivery, AT_VECTOR)).toEqual({
        ok: false,
        reason: "bad_signature",
      });
    }
    const other = "whsec_QUJDREVGR0hJSktMTU5PUFFSU1RVVldY";
    expect((await verifyStandardWebhook(other, VECTOR, AT_VECTOR)).ok).toBe(false);
  });

  it("refuses timestamps more than five minutes away, and missing headers", async () => {
    expect(await verifyStandardWebhook(VECTOR.secret, VECTOR, AT_VECTOR + 301_000)).toEqual({
      ok: false,
      reason: "stale_timestamp",
    });
    expect(await verifyStandardWebhook(VECTOR.secret, VECTOR, AT_VECTOR - 301_000)).toEqual({
      ok: false,
      reason: "stale_timestamp",
    });
    expect((await verifyStandardWebhook(VECTOR.secret, VECTOR, AT_VECTOR + 299_000)).ok).toBe(true);
    expect(await verifyStandardWebhook(VECTOR.secret, { ...VECTOR, signature: null }, AT_VECTOR)).toEqual({
      ok: false,
      reason: "missing_headers",
    });
  });
});

describe("Postmark basic credentials", () => {
  const expected = "postmark:correct-horse-battery-staple";
  it("match only the configured user:password", async () => {
    expect(await basicAuthMatches(`Basic ${btoa(expected)}`, expected)).toBe(true);
    expect(await basicAuthMatches(`Basic ${btoa("postmark:wrong")}`, expected)).toBe(false);
    expect(await basicAuthMatches(`Bearer ${btoa(expected)}`, expected)).toBe(false);
    expect(await basicAuthMatches(null, expected)).toBe(false);
    expect(await basicAuthMatches("Basic !!!", expected)).toBe(false);
  });
});

describe("provider events read into one shape", () => {
  it("Resend: bounced (hard unless Transient), complained, delivered, delayed; others ignored", () => {
    const data = { email_id: "re_1", to: ["lin@example.com"] };
    expect(parseResendEvent({ type: "email.bounced", data }, "msg_1")).toEqual({
      ok: true,
      event: {
        kind: "hard_bounce",
        eventId: "msg_1",
        providerMessageId: "re_1",
        outboxId: null,
        address: "lin@example.com",
      },
    });
    const transient = { ...data, bounce: { type: "Transient", message: "mailbox full" } };
    expect(parseResendEvent({ type: "email.bounced", data: transient }, "m")).toMatchObject({
      event: { kind: "soft_bounce" },
    });
    expect(parseResendEvent({ type: "email.complained", data }, "m")).toMatchObject({
      event: { kind: "complaint" },
    });
    expect(parseResendEvent({ type: "email.delivered", data }, "m")).toMatchObject({
      event: { kind: "delivered" },
    });
    expect(parseResendEvent({ type: "email.delivery_delayed", data }, "m")).toMatchObject({
      event: { kind: "delayed" },
    });
    expect(parseResendEvent({ type: "email.opened", data }, "m")).toEqual({
      ok: false,
      ignored: "email.opened",
    });
    expect(parseResendEvent("nonsense", "m")).toEqual({ ok: false, ignored: "(none)" });
  });

  it("Postmark: hard bounce types and Inactive, complaints, soft bounces, deliveries", () => {
    const bounce = (Type: string, extra = {}) => ({
      RecordType: "Bounce",
      ID: 692560173,
      Type,
      MessageID: "pm-1",
      Email: "lin@example.com",
      Metadata: { outboxId: "ob-1" },
      ...extra,
    });
    expect(parsePostmarkEvent(bounce("HardBounce"))).toEqual({
      ok: true,
      event: {
        kind: "hard_bounce",
        eventId: "Bounce:692560173",
        providerMessageId: "pm-1",
        outboxId: "ob-1",
        address: "lin@example.com",
      },
    });
    expect(parsePostmarkEvent(bounce("SoftBounce"))).toMatchObject({ event: { kind: "soft_bounce" } });
    expect(parsePostmarkEvent(bounce("DnsError"))).toMatchObject({ event: { kind: "soft_bounce" } });
    expect(parsePostmarkEvent(bounce("Transient", { Inactive: true }))).toMatchObject({
      event: { kind: "hard_bounce" },
    });
    expect(parsePostmarkEvent(bounce("SpamNotification"))).toMatchObject({ event: { kind: "complaint" } });
    expect(parsePostmarkEvent({ ...bounce("SpamComplaint"), RecordType: "SpamComplaint" })).toMatchObject({
      event: { kind: "complaint", eventId: "SpamComplaint:692560173" },
    });
    expect(
      parsePostmarkEvent({ RecordType: "Delivery", MessageID: "pm-2", Recipient: "lin@example.com" }),
    ).toMatchObject({ ok: true, event: { kind: "delivered", eventId: "Delivery:pm-2:lin@example.com" } });
    expect(parsePostmarkEvent({ RecordType: "Open", MessageID: "pm-2" })).toEqual({
      ok: false,
      ignored: "Open",
    });
    expect(parsePostmarkEvent({ RecordType: "Bounce", Type: "HardBounce" })).toMatchObject({ ok: false });
  });
});
