import { describe, expect, it } from "vitest";
import { budgetLimits, chargeLines, DEFAULT_BUDGETS, planOf } from "../../src/features/team-budgets/budgets";
import {
  type BudgetCounter,
  type BudgetLine,
  counterKey,
  decideSpend,
  windowStart,
} from "../../src/features/team-budgets/windows";
import { teamBudgets } from "../../src/platform/config";

const HOUR = 3_600_000;
const DAY = 86_400_000;
/** 2026-12-06 14:37:12.345 UTC */
const NOW = Date.UTC(2026, 11, 6, 14, 37, 12, 345);

function counters(...list: BudgetCounter[]): Map<string, BudgetCounter> {
  return new Map(list.map((c) => [counterKey(c), c]));
}

const line = (over: Partial<BudgetLine> = {}): BudgetLine => ({
  budget: "logins",
  span: "hour",
  limit: 3,
  amount: 1,
  ...over,
});

describe("windows", () => {
  it("an hour window starts at the whole UTC hour, a day window at UTC midnight", () => {
    expect(windowStart("hour", NOW)).toBe(Date.UTC(2026, 11, 6, 14));
    expect(windowStart("day", NOW)).toBe(Date.UTC(2026, 11, 6));
    expect(windowStart("hour", Date.UTC(2026, 11, 6, 15))).toBe(Date.UTC(2026, 11, 6, 15));
  });
});

describe("decideSpend", () => {
  it("counts every line of an allowed charge", () => {
    const { decision, counters: out } = decideSpend(
      counters(),
      [line(), line({ span: "day", limit: 10 })],
      NOW,
    );
    expect(decision).toEqual({ allowed: true });
    expect(out.map((c) => [c.span, c.used, c.start])).toEqual([
      ["hour", 1, windowStart("hour", NOW)],
      ["day", 1, windowStart("day", NOW)],
    ]);
  });

  it("refuses at the limit, counts nothing, names the budget and the seconds to the window's end", () => {
    const hour = windowStart("hour", NOW);
    const stored = counters({ budget: "logins", span: "hour", start: hour, used: 3, notified: false });
    const { decision, counters: out } = decideSpend(stored, [line()], NOW);
    expect(decision).toMatchObject({
      allowed: false,
      budget: "logins",
      span: "hour",
      used: 3,
      limit: 3,
      resetsAt: hour + HOUR,
      // 22 min 47.655 s left → 1368 s (rounded up)
      retryAfter: 1368,
      notify: true,
    });
    expect(out[0]).toMatchObject({ used: 3, notified: true });
  });

  it("tells the Owner once per window: a second refusal does not notify; a new window starts over", () => {
    const hour = windowStart("hour", NOW);
    const told = counters({ budget: "logins", span: "hour", start: hour, used: 3, notified: true });
    expect(decideSpend(told, [line()], NOW).decision).toMatchObject({ allowed: false, notify: false });
    const next = decideSpend(told, [line()], hour + HOUR);
    expect(next.decision).toEqual({ allowed: true });
    expect(next.counters[0]).toMatchObject({ start: hour + HOUR, used: 1, notified: false });
  });

  it("all or nothing: a spent mails budget refuses the invitation that would also mail", () => {
    const hour = windowStart("hour", NOW);
    const stored = counters({ budget: "mails", span: "hour", start: hour, used: 5, notified: false });
    const { decision, counters: out } = decideSpend(
      stored,
      [line({ budget: "invitations", limit: 30 }), line({ budget: "mails", limit: 5 })],
      NOW,
    );
    expect(decision).toMatchObject({ allowed: false, budget: "mails" });
    expect(out.find((c) => c.budget === "invitations")?.used).toBe(0);
  });

  it("when several windows refuse, it names the one that resets last (the day)", () => {
    const stored = counters(
      { budget: "logins", span: "hour", start: windowStart("hour", NOW), used: 3, notified: false },
      { budget: "logins", span: "day", start: windowStart("day", NOW), used: 9, notified: false },
    );
    const { decision } = decideSpend(stored, [line(), line({ span: "day", limit: 9 })], NOW);
    expect(decision).toMatchObject({
      allowed: false,
      span: "day",
      resetsAt: windowStart("day", NOW) + DAY,
    });
  });
});

describe("limits per plan", () => {
  it("PRO has higher limits than FREE for every budget and window", () => {
    for (const [budget, spans] of Object.entries(DEFAULT_BUDGETS.FREE)) {
      for (const [span, limit] of Object.entries(spans)) {
        const pro = DEFAULT_BUDGETS.PRO[budget as keyof typeof spans & keyof typeof DEFAULT_BUDGETS.PRO];
        expect((pro as Record<string, number>)[span]).toBeGreaterThan(limit);
      }
    }
  });

  it("TEAM_BUDGETS overrides single limits of one plan; the others keep the defaults", () => {
    const config = { TEAM_BUDGETS: teamBudgets.parse("FREE.mails=7/h, PRO.logins=9000/d") };
    expect(budgetLimits(config, "FREE").mails).toEqual({ hour: 7, day: DEFAULT_BUDGETS.FREE.mails.day });
    expect(budgetLimits(config, "FREE").logins).toEqual(DEFAULT_BUDGETS.FREE.logins);
    expect(budgetLimits(config, "PRO").logins.day).toBe(9000);
    expect(budgetLimits(config, "PRO").mails).toEqual(DEFAULT_BUDGETS.PRO.mails);
    // The defaults themselves are never changed.
    expect(DEFAULT_BUDGETS.FREE.mails.hour).toBe(100);
  });

  it("TEAM_BUDGETS refuses unknown plans, budgets, windows and limits out of range", () => {
    expect(teamBudgets.parse("")).toEqual([]);
    for (const bad of ["GOLD.mails=5/h", "FREE.sms=5/h", "FREE.mails=5/w", "FREE.mails=0/h", "FREE.mails"]) {
      expect(teamBudgets.safeParse(bad).success, bad).toBe(false);
    }
  });

  it("a team without a billing row is FREE; a charge has a line per budget and window", () => {
    expect(planOf(null)).toBe("FREE");
    expect(planOf("PRO")).toBe("PRO");
    const lines = chargeLines(DEFAULT_BUDGETS.FREE, { invitations: 1, mails: 1 });
    expect(lines.map((l) => `${l.budget}/${l.span}/${l.limit}`)).toEqual([
      "mails/hour/100",
      "mails/day/500",
      "invitations/hour/60",
      "invitations/day/200",
    ]);
  });
});
