import { describe, expect, it } from "vitest";
import {
  formatUsd,
  MAX_AMOUNT_MICROS,
  MAX_CAP_MICROS,
  microsToUsd,
  usdToMicros,
  utcMonth,
} from "../../src/features/plans/money";
import { planLimitDetail } from "../../src/features/plans/plans";
import { planLimits } from "../../src/platform/config";

describe("USD ↔ micro-USD", () => {
  const amount = (usd: number) => usdToMicros(usd, { max: MAX_AMOUNT_MICROS });

  it("converts decimals with up to 6 places exactly", () => {
    expect(amount(0.1)).toEqual({ ok: true, micros: 100_000 });
    expect(amount(0.000001)).toEqual({ ok: true, micros: 1 });
    expect(amount(1.234567)).toEqual({ ok: true, micros: 1_234_567 });
    expect(amount(0.37)).toEqual({ ok: true, micros: 370_000 });
    expect(amount(1_000_000)).toEqual({ ok: true, micros: MAX_AMOUNT_MICROS });
    // 0.1 + 0.2 in micros is exact, where the doubles are not.
    expect(microsToUsd(100_000 + 200_000)).toBe(0.3);
    expect(microsToUsd(9_990_000)).toBe(9.99);
    expect(microsToUsd(100_001)).toBe(0.100001);
  });

  it("refuses what is not a charge: more precision, negatives, zero, NaN, infinities, absurd values", () => {
    expect(amount(1.0000001)).toEqual({ ok: false, reason: "too_precise" });
    expect(amount(1e-7)).toEqual({ ok: false, reason: "too_precise" });
    expect(amount(-1)).toEqual({ ok: false, reason: "negative" });
    expect(amount(-0)).toEqual({ ok: false, reason: "negative" });
    expect(amount(0)).toEqual({ ok: false, reason: "zero" });
    expect(amount(Number.NaN)).toEqual({ ok: false, reason: "not_a_number" });
    expect(amount(Number.POSITIVE_INFINITY)).toEqual({ ok: false, reason: "not_a_number" });
    expect(amount(1_000_000.000001)).toEqual({ ok: false, reason: "too_large" });
    expect(amount(1e21)).toEqual({ ok: false, reason: "too_large" });
    expect(usdToMicros(0, { max: MAX_CAP_MICROS, allowZero: true })).toEqual({ ok: true, micros: 0 });
    expect(usdToMicros(1e9, { max: MAX_CAP_MICROS })).toEqual({ ok: true, micros: MAX_CAP_MICROS });
    expect(Number.isSafeInteger(MAX_CAP_MICROS)).toBe(true);
  });

  it("formats mail amounts and UTC months", () => {
    expect(formatUsd(80_000_000)).toBe("$80.00");
    expect(formatUsd(100_000_000)).toBe("$100.00");
    expect(formatUsd(9_990_000)).toBe("$9.99");
    expect(formatUsd(1_234_567)).toBe("$1.234567");
    expect(utcMonth(Date.parse("2026-12-31T23:59:59.999Z"))).toBe("2026-12");
    expect(utcMonth(Date.parse("2027-01-01T00:00:00Z"))).toBe("2027-01");
    // UTC, whatever the offset a time was written with.
    expect(utcMonth(Date.parse("2027-01-01T00:30:00+01:00"))).toBe("2026-12");
  });
});

describe("PLAN_LIMITS", () => {
  it("defaults to the contract's FREE 5/3/3/10 and PRO 100/50/50/100", () => {
    expect(planLimits.parse(undefined)).toEqual({
      FREE: { members: 5, apiKeys: 3, customRoles: 3, eventsPerSecond: 10 },
      PRO: { members: 100, apiKeys: 50, customRoles: 50, eventsPerSecond: 100 },
    });
    expect(planLimits.parse(" PRO=200/60/70/80 , FREE=2/1/1/1 ").FREE).toEqual({
      members: 2,
      apiKeys: 1,
      customRoles: 1,
      eventsPerSecond: 1,
    });
  });

  it("refuses unknown, missing or repeated plans and out-of-range numbers", () => {
    for (const bad of [
      "FREE=5/3/3/10",
      "FREE=5/3/3/10,PRO=100/50/50/100,GOLD=1/1/1/1",
      "FREE=5/3/3/10,FREE=5/3/3/10",
      "FREE=0/3/3/10,PRO=100/50/50/100",
      "FREE=5/3/3,PRO=100/50/50/100",
      "FREE=5/3/3/10,PRO=100/50/50/2000000",
      "FREE=-1/3/3/10,PRO=100/50/50/100",
      "",
    ]) {
      expect(planLimits.safeParse(bad).success, bad).toBe(false);
    }
  });

  it("names the limit in the refusal's copy", () => {
    expect(planLimitDetail("members", 5)).toBe("Your plan allows 5 members. Upgrade to add more.");
    expect(planLimitDetail("apiKeys", 1)).toBe("Your plan allows 1 API key. Upgrade to add more.");
    expect(planLimitDetail("customRoles", 3)).toBe("Your plan allows 3 custom roles. Upgrade to add more.");
  });
});
