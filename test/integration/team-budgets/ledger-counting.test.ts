import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { BudgetLine } from "../../../src/features/team-budgets/windows";

const NOW = Date.UTC(2026, 11, 6, 14, 5);
const ledger = (teamId: string) => env.TEAM_LEDGER.get(env.TEAM_LEDGER.idFromName(teamId));
const lines = (limit: number): BudgetLine[] => [
  { budget: "logins", span: "hour", limit, amount: 1 },
  { budget: "logins", span: "day", limit: limit * 10, amount: 1 },
];

describe("TeamLedger budgets: strongly consistent per team", () => {
  it("parallel charges never overshoot, exactly one refusal notifies, other teams are untouched", async () => {
    const team = `team-${crypto.randomUUID()}`;
    const other = `team-${crypto.randomUUID()}`;
    const decisions = await Promise.all(
      Array.from({ length: 60 }, () => ledger(team).spendBudgets({ lines: lines(25), now: NOW })),
    );
    expect(decisions.filter((d) => d.allowed)).toHaveLength(25);
    const refused = decisions.filter((d) => !d.allowed);
    expect(refused).toHaveLength(35);
    expect(refused.filter((d) => !d.allowed && d.notify)).toHaveLength(1);
    const counters = await ledger(team).budgetCounters();
    expect(counters.map((c) => [c.span, c.used])).toEqual(
      expect.arrayContaining([
        ["hour", 25],
        ["day", 25],
      ]),
    );
    expect(await ledger(other).budgetCounters()).toEqual([]);
    expect((await ledger(other).spendBudgets({ lines: lines(25), now: NOW })).allowed).toBe(true);
  });

  it("measures a charge: one Durable Object call (sequential, in workerd)", async () => {
    const team = `team-${crypto.randomUUID()}`;
    const n = 200;
    const started = performance.now();
    for (let i = 0; i < n; i++) await ledger(team).spendBudgets({ lines: lines(1_000), now: NOW });
    const perCall = (performance.now() - started) / n;
    console.log(
      `team budget charge: ${perCall.toFixed(3)} ms per call over ${n} sequential calls (local workerd)`,
    );
    // The baseline: the same number of calls to the RateLimiter (what a per-team rate limit would cost).
    const limiter = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(`team:${team}`));
    const base = performance.now();
    for (let i = 0; i < n; i++) await limiter.hit(1_000, 3600, NOW);
    const perLimiterCall = (performance.now() - base) / n;
    console.log(
      `team budget charge: ${perCall.toFixed(3)} ms per TeamLedger call, ${perLimiterCall.toFixed(3)} ms per RateLimiter call (${n} sequential calls each, local workerd)`,
    );
    const counters = await ledger(team).budgetCounters();
    expect(counters.find((c) => c.span === "hour")?.used).toBe(n);
  });
});
