import { afterEach, describe, expect, it, vi } from "vitest";
import { log, logger, maskEmail, redact } from "../../src/platform/logger";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("maskEmail", () => {
  it.each([
    ["alice@example.com", "a***@example.com"],
    ["a@example.com", "a***@example.com"],
    ["first.last+tag@mail.example.co.uk", "f***@mail.example.co.uk"],
    ["Bob_99@Example.ORG", "B***@Example.ORG"],
  ])("%s → %s", (email, masked) => {
    expect(maskEmail(email)).toBe(masked);
  });

  it("masks every address inside a longer string and keeps the rest", () => {
    expect(maskEmail("sent to alice@example.com and bob@example.org, cc carol@x.io.")).toBe(
      "sent to a***@example.com and b***@example.org, cc c***@x.io.",
    );
  });

  it("leaves strings without an address unchanged", () => {
    expect(maskEmail("no address here")).toBe("no address here");
    expect(maskEmail("@handle and a@ sign")).toBe("@handle and a@ sign");
    expect(maskEmail("")).toBe("");
  });

  it("never keeps more than the first character of the local part", () => {
    const masked = maskEmail("verysecretname@example.com");
    expect(masked).not.toContain("erysecretname");
  });

  it("is idempotent", () => {
    const once = maskEmail("alice@example.com");
    expect(maskEmail(once)).toBe(once);
  });
});

describe("redact", () => {
  it.each([
    "password",
    "newPassword",
    "current_password",
    "pass",
    "token",
    "accessToken",
    "refresh_token",
    "secret",
    "clientSecret",
    "authorization",
    "Authorization",
    "authorisation",
    "cookie",
    "Set-Cookie",
    "code",
    "recoveryCodes",
    "apiKey",
    "api_key",
    "API-KEY",
    "key",
    "passwordHash",
    "otp",
  ])("drops the value of a %j field", (field) => {
    const out = redact({ [field]: "hunter2-s3cr3t", keep: 1 }) as Record<string, unknown>;
    expect(out[field]).toBe("[redacted]");
    expect(out.keep).toBe(1);
    expect(JSON.stringify(out)).not.toContain("hunter2");
  });

  it("drops secret fields whatever their value type", () => {
    const out = redact({
      password: { nested: "x" },
      token: ["a", "b"],
      secret: 12345,
      cookie: null,
    }) as Record<string, unknown>;
    expect(out).toEqual({
      password: "[redacted]",
      token: "[redacted]",
      secret: "[redacted]",
      cookie: "[redacted]",
    });
  });

  it("drops secret fields at any depth, inside objects and arrays", () => {
    const input = {
      request: {
        headers: { authorization: "Bearer abc.def.ghi", cookie: "sid=123", accept: "text/html" },
        body: { user: { email: "alice@example.com", password: "hunter2", profile: { secret: "s" } } },
      },
      attempts: [
        { token: "t1", ok: false },
        { token: "t2", ok: true },
      ],
    };
    expect(redact(input)).toEqual({
      request: {
        headers: { authorization: "[redacted]", cookie: "[redacted]", accept: "text/html" },
        body: {
          user: { email: "a***@example.com", password: "[redacted]", profile: { secret: "[redacted]" } },
        },
      },
      attempts: [
        { token: "[redacted]", ok: false },
        { token: "[redacted]", ok: true },
      ],
    });
    const json = JSON.stringify(redact(input));
    for (const secret of ["abc.def.ghi", "sid=123", "hunter2", "t1", "t2", "alice@"])
      expect(json).not.toContain(secret);
  });

  it("keeps ordinary fields and values", () => {
    const input = {
      userId: "u_123",
      count: 3,
      ok: true,
      nothing: null,
      when: "2024-01-01",
      keyId: "k1",
      country: "NL",
    };
    expect(redact(input)).toEqual(input);
  });

  it("masks email addresses inside strings, at any depth and in arrays", () => {
    expect(redact("login failed for alice@example.com")).toBe("login failed for a***@example.com");
    expect(redact({ a: { b: { to: "bob@example.org" } }, list: ["carol@example.net", "plain"] })).toEqual({
      a: { b: { to: "b***@example.org" } },
      list: ["c***@example.net", "plain"],
    });
  });

  it("turns an Error into its name and masked message (no stack, no extra properties)", () => {
    const err = new TypeError("no user alice@example.com");
    Object.assign(err, { token: "leak" });
    expect(redact(err)).toEqual({ name: "TypeError", message: "no user a***@example.com" });
    expect(JSON.stringify(redact({ err }))).not.toContain("leak");
  });

  it("handles Errors nested in objects and arrays", () => {
    const out = redact({ err: new Error("boom for bob@example.org"), errors: [new RangeError("r")] });
    expect(out).toEqual({
      err: { name: "Error", message: "boom for b***@example.org" },
      errors: [{ name: "RangeError", message: "r" }],
    });
  });

  it("passes primitives through unchanged", () => {
    expect(redact(42)).toBe(42);
    expect(redact(true)).toBe(true);
    expect(redact(null)).toBeNull();
    expect(redact(undefined)).toBeUndefined();
  });

  it("does not modify its input", () => {
    const input = { password: "hunter2", email: "alice@example.com", nested: { token: "t" } };
    const copy = structuredClone(input);
    redact(input);
    expect(input).toEqual(copy);
  });

  it("truncates very deep structures instead of recursing without end", () => {
    type Deep = { next?: Deep; value: string };
    let deep: Deep = { value: "bottom" };
    for (let i = 0; i < 20; i++) deep = { next: deep, value: `level-${i}` };
    const json = JSON.stringify(redact(deep));
    expect(json).toContain("[truncated]");
    expect(json).not.toContain("bottom");

    const cyclic: Record<string, unknown> = { name: "loop" };
    cyclic.self = cyclic;
    expect(() => JSON.stringify(redact(cyclic))).not.toThrow();
    expect(JSON.stringify(redact(cyclic))).toContain("[truncated]");
  });
});

describe("log / logger", () => {
  it("writes one JSON line with level, message and redacted fields", () => {
    const spy = vi.spyOn(console, "log").mockImplementation(() => {});
    log("info", "signed in", { email: "alice@example.com", password: "hunter2", userId: "u1" });
    expect(spy).toHaveBeenCalledTimes(1);
    const line = spy.mock.calls[0]?.[0] as string;
    expect(JSON.parse(line)).toEqual({
      level: "info",
      msg: "signed in",
      email: "a***@example.com",
      password: "[redacted]",
      userId: "u1",
    });
    expect(line).not.toContain("hunter2");
    expect(line).not.toContain("alice@");
  });

  it("routes error to console.error, warn to console.warn, info and debug to console.log", () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const info = vi.spyOn(console, "log").mockImplementation(() => {});
    logger.error("e");
    logger.warn("w");
    logger.info("i");
    logger.debug("d");
    expect(error).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(info).toHaveBeenCalledTimes(2);
    expect(JSON.parse(error.mock.calls[0]?.[0] as string)).toEqual({ level: "error", msg: "e" });
    expect(JSON.parse(warn.mock.calls[0]?.[0] as string)).toEqual({ level: "warn", msg: "w" });
    expect(JSON.parse(info.mock.calls[1]?.[0] as string)).toEqual({ level: "debug", msg: "d" });
  });

  it("logs an Error field as name and masked message", () => {
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    logger.error("failed", { err: new Error("no mail to bob@example.org") });
    expect(JSON.parse(spy.mock.calls[0]?.[0] as string)).toEqual({
      level: "error",
      msg: "failed",
      err: { name: "Error", message: "no mail to b***@example.org" },
    });
  });
});

describe("driver errors", () => {
  it("never logs the bound parameters a failed query quotes", async () => {
    const { redact } = await import("../../src/platform/logger");
    const error = new Error(
      'Failed query: insert into "users" values (?, ?)\nparams: $argon2id$v=19$secret,abc@example.com',
      {
        cause: new Error("UNIQUE constraint failed: users.email"),
      },
    );
    const out = redact(error) as { message: string; cause: { message: string } };
    expect(out.message).toBe('Failed query: insert into "users" values (?, ?) params: [redacted]');
    expect(out.cause.message).toBe("UNIQUE constraint failed: users.email");
  });
});
