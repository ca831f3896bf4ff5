import { describe, expect, it } from "vitest";
import { faultOfPostmark, faultOfStatus } from "../../src/email/providers/http";
import { type EmailProvider, EmailProviderError, type OutgoingEmail } from "../../src/email/types";
import { type Guard, sendWithFailover } from "../../src/features/email-delivery/failover";

const email: OutgoingEmail = {
  id: "outbox-1",
  template: "verify_email",
  from: "Gatehouse <no-reply@example.com>",
  to: "lin@example.com",
  subject: "Confirm",
  text: "hello",
  html: "<p>hello</p>",
  links: [],
  codes: [],
};

/** A provider answering from a script: a value is a message id, an Error is thrown. */
function scripted(...answers: (string | Error)[]) {
  const calls: string[] = [];
  const provider: EmailProvider = {
    async send(mail) {
      calls.push(mail.id);
      const next = answers.shift();
      if (next instanceof Error) throw next;
      return { providerMessageId: next ?? null };
    },
  };
  return { provider, calls };
}

/** A breaker stand-in: `open` dependencies are refused without calling; faults are wrapped like callDependency's. */
function guard(open: string[] = []): Guard {
  return async (dependency, call) => {
    if (open.includes(dependency)) {
      throw Object.assign(new Error(`${dependency} unavailable (open)`), { reason: "open" });
    }
    try {
      return await call(new AbortController().signal);
    } catch (error) {
      if (error instanceof EmailProviderError && error.fault === "message") throw error;
      throw Object.assign(new Error(`${dependency} unavailable (failure)`, { cause: error }), {
        reason: "failure",
      });
    }
  };
}

const down = () => new EmailProviderError("provider answered 503", { fault: "provider", status: 503 });
const refused = () => new EmailProviderError("provider answered 422", { fault: "message", status: 422 });

type Scripted = ReturnType<typeof scripted>;

/** The usual pair: Resend primary, Postmark secondary. */
const resendThenPostmark = (primary: Scripted, secondary: Scripted) => [
  { dependency: "email:resend", provider: primary.provider },
  { dependency: "email:postmark", provider: secondary.provider },
];

describe("email failover (features/email-delivery/failover.ts)", () => {
  it("sends through the primary alone when it takes the mail", async () => {
    const primary = scripted("re_1");
    const secondary = scripted("pm_1");
    const outcome = await sendWithFailover(resendThenPostmark(primary, secondary), email, guard());
    expect(outcome).toEqual({
      result: "sent",
      dependency: "email:resend",
      providerMessageId: "re_1",
      skipped: [],
    });
    expect(secondary.calls).toEqual([]);
  });

  it("fails over at once when the primary fails for its own reasons, naming why", async () => {
    const primary = scripted(down());
    const secondary = scripted("pm_1");
    const outcome = await sendWithFailover(resendThenPostmark(primary, secondary), email, guard());
    expect(outcome).toMatchObject({
      result: "sent",
      dependency: "email:postmark",
      providerMessageId: "pm_1",
    });
    expect(outcome.skipped).toEqual([
      {
        dependency: "email:resend",
        reason: "failure",
        detail: "email:resend unavailable (failure): provider answered 503",
      },
    ]);
    expect([primary.calls, secondary.calls]).toEqual([["outbox-1"], ["outbox-1"]]);
  });

  it("skips a primary whose breaker is open without calling it", async () => {
    const primary = scripted("never");
    const secondary = scripted("pm_1");
    const outcome = await sendWithFailover(
      resendThenPostmark(primary, secondary),
      email,
      guard(["email:resend"]),
    );
    expect(outcome).toMatchObject({ result: "sent", dependency: "email:postmark" });
    expect(outcome.skipped.map((s) => s.reason)).toEqual(["open"]);
    expect(primary.calls).toEqual([]);
  });

  it("fails over after a timeout at the primary (the duplicate risk docs/email-delivery.md names)", async () => {
    const primary = scripted("late");
    const secondary = scripted("pm_1");
    const timingOut: Guard = async (dependency, call) => {
      if (dependency === "email:resend") {
        await call(AbortSignal.abort());
        throw Object.assign(new Error(`${dependency} unavailable (timeout)`), { reason: "timeout" });
      }
      return call(new AbortController().signal);
    };
    const outcome = await sendWithFailover(resendThenPostmark(primary, secondary), email, timingOut);
    expect(outcome).toMatchObject({ result: "sent", dependency: "email:postmark" });
    expect(outcome.skipped).toEqual([
      { dependency: "email:resend", reason: "timeout", detail: "email:resend unavailable (timeout)" },
    ]);
    // the primary was called (it may have taken the mail after all): both providers saw it
    expect([primary.calls, secondary.calls]).toEqual([["outbox-1"], ["outbox-1"]]);
  });

  it("does not fail over a mail the provider refuses as bad (the message's fault)", async () => {
    const primary = scripted(refused());
    const secondary = scripted("pm_1");
    const outcome = await sendWithFailover(resendThenPostmark(primary, secondary), email, guard());
    expect(outcome).toEqual({
      result: "rejected",
      dependency: "email:resend",
      detail: "provider answered 422",
      skipped: [],
    });
    expect(secondary.calls).toEqual([]);
  });

  it("reports unavailable when every provider is down (the queue retries)", async () => {
    const primary = scripted(down());
    const secondary = scripted(
      new EmailProviderError("provider unreachable: connect", { fault: "provider" }),
    );
    const outcome = await sendWithFailover(resendThenPostmark(primary, secondary), email, guard());
    expect(outcome.result).toBe("unavailable");
    expect(outcome.skipped.map((s) => s.dependency)).toEqual(["email:resend", "email:postmark"]);
  });

  it("classifies HTTP answers: the provider's side vs the message's", () => {
    for (const status of [401, 403, 404, 408, 409, 429, 500, 502, 503, 504]) {
      expect(faultOfStatus(status), String(status)).toBe("provider");
    }
    for (const status of [400, 413, 415, 422]) expect(faultOfStatus(status), String(status)).toBe("message");
  });

  it("reads Postmark's 422 ErrorCode: a bad or inactive recipient is the message's, the account's state is not", () => {
    expect(faultOfPostmark(422, 300)).toBe("message");
    expect(faultOfPostmark(422, 406)).toBe("message");
    for (const code of [10, 400, 401, 405, 412, 413])
      expect(faultOfPostmark(422, code), String(code)).toBe("provider");
    expect(faultOfPostmark(422, null)).toBe("message");
    expect(faultOfPostmark(503, null)).toBe("provider");
    expect(faultOfPostmark(401, 10)).toBe("provider");
  });
});
