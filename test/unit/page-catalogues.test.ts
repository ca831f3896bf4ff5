import { describe, expect, it } from "vitest";
import { ABUSE_TEXT } from "../../src/features/abuse/pages.en";
import abusePages from "../../src/features/abuse/pages.tsx?raw";
import adminPageActions from "../../src/features/admin/page-actions.ts?raw";
import adminPageKit from "../../src/features/admin/page-kit.tsx?raw";
import adminPageViews from "../../src/features/admin/page-views.tsx?raw";
import { ADMIN_TEXT } from "../../src/features/admin/pages.en";
import adminPages from "../../src/features/admin/pages.tsx?raw";
import analyticsOverview from "../../src/features/analytics/overview.tsx?raw";
import { DailyChart } from "../../src/features/analytics/pages";
import { ANALYTICS_TEXT } from "../../src/features/analytics/pages.en";
import analyticsPages from "../../src/features/analytics/pages.tsx?raw";
import { AUDIT_TEXT } from "../../src/features/audit/pages.en";
import auditPages from "../../src/features/audit/pages.tsx?raw";
import teamBudgetsAdminPage from "../../src/features/team-budgets/admin-page.tsx?raw";
import { BudgetsPanel } from "../../src/features/team-budgets/budgets-panel";
import budgetsPanel from "../../src/features/team-budgets/budgets-panel.tsx?raw";
import { BUDGETS_TEXT } from "../../src/features/team-budgets/pages.en";
import { IMPORT_TEXT } from "../../src/features/user-import/pages.en";
import importPages from "../../src/features/user-import/pages.tsx?raw";

/**
 * The admin, audit, analytics, import and budgets pages keep every word in their `pages.en.ts` catalogue (issue 16:
 * a second language is a new file, not an edit of templates): no catalogue value is empty, and the views' source
 * has no English left in JSX text or in the attributes a person reads.
 */

const CATALOGUES = {
  ADMIN_TEXT,
  AUDIT_TEXT,
  ANALYTICS_TEXT,
  IMPORT_TEXT,
  BUDGETS_TEXT,
  ABUSE_TEXT,
} as const;

const VIEWS: Record<string, string> = {
  "admin/page-views.tsx": adminPageViews,
  "admin/page-kit.tsx": adminPageKit,
  "admin/page-actions.ts": adminPageActions,
  "admin/pages.tsx": adminPages,
  "audit/pages.tsx": auditPages,
  "analytics/pages.tsx": analyticsPages,
  "analytics/overview.tsx": analyticsOverview,
  "user-import/pages.tsx": importPages,
  "team-budgets/budgets-panel.tsx": budgetsPanel,
  "team-budgets/admin-page.tsx": teamBudgetsAdminPage,
  "abuse/pages.tsx": abusePages,
};

/** Every leaf of a catalogue as [path, text]; a function (copy with values) is called with 1 for each value. */
function leaves(value: unknown, path: string): [string, string][] {
  if (typeof value === "string") return [[path, value]];
  if (typeof value === "function") {
    const fn = value as (...args: number[]) => unknown;
    const out = fn(...Array.from({ length: fn.length }, () => 1));
    return [[`${path}()`, typeof out === "string" ? out : ""]];
  }
  if (value && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => leaves(v, `${path}.${k}`));
  }
  return [[path, ""]];
}

/** The source without comments (a doc comment may quote the page's words). */
const withoutComments = (source: string) =>
  source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");

/**
 * English a person would read, left in a view's source: JSX text after a tag (`<th>Email</th>`), a literal in an
 * attribute people read (`label="Name"`, `aria-label="Pages"`), or a literal label, warning or detail in an object.
 * A TypeScript generic (`Context<AppEnv>,`) is not JSX text: code after it carries `;`, `=`, `[` or starts with
 * punctuation.
 */
function inlineCopy(source: string): string[] {
  const code = withoutComments(source);
  const found: string[] = [];
  for (const m of code.matchAll(/<\/?[A-Za-z][\w.]*(?:\s[^<>]*)?>([^<>{}]*)(?=[<{])/g)) {
    const text = (m[1] ?? "").trim();
    if (/^[A-Za-z]/.test(text) && /[A-Za-z]{2,}/.test(text) && !/[;=[\]]/.test(text)) found.push(text);
  }
  for (const m of code.matchAll(
    /\s(?:label|title|aria-label|hint|placeholder|alt|summary)="([^"]*[A-Za-z]{2,}[^"]*)"/g,
  )) {
    found.push(m[1] ?? "");
  }
  for (const m of code.matchAll(
    /\b(?:label|warning|detail|message|notice):\s*["`]([^"`]*[A-Za-z]{2,}[^"`]*)["`]/g,
  )) {
    found.push(m[1] ?? "");
  }
  return found;
}

describe("page catalogues", () => {
  it.each(Object.entries(CATALOGUES))("%s: every value is non-empty text", (name, catalogue) => {
    const all = leaves(catalogue, name);
    expect(all.length).toBeGreaterThan(3);
    for (const [path, text] of all) {
      expect(text.trim(), path).not.toBe("");
      expect(text, path).not.toMatch(/undefined|NaN|\[object/);
    }
  });

  it("the detector finds inline copy and passes code", () => {
    expect(inlineCopy("<tr>\n  <th>Email</th>\n</tr>")).toEqual(["Email"]);
    expect(inlineCopy("<p>\n  Export these entries: <a href={x}>CSV</a>\n</p>")).toEqual([
      "Export these entries:",
      "CSV",
    ]);
    expect(inlineCopy('<Field name="q" label="Email or name starts with" />')).toEqual([
      "Email or name starts with",
    ]);
    expect(inlineCopy('<nav aria-label="Pages">{x}</nav>')).toEqual(["Pages"]);
    expect(inlineCopy('  lock: {\n    label: "Lock account",\n')).toEqual(["Lock account"]);
    const code = [
      "export async function f(\n  c: Context<AppEnv>,\n  roles: readonly PlatformRole[],\n): Promise<X | Response> {",
      "type Job = Awaited<ReturnType<typeof importJobView>>;",
      "const app = new Hono<AppEnv>();",
      "<th>{T.columns.email}</th>",
      '<input type="hidden" name={CSRF_FIELD} value={props.token} />',
      "<td>{day(u.createdAt)} · {day(u.lastLoginAt)}</td>",
    ].join("\n");
    expect(inlineCopy(code)).toEqual([]);
  });

  it.each(Object.keys(VIEWS))("%s has no inline English", (file) => {
    expect(inlineCopy(VIEWS[file] ?? "")).toEqual([]);
  });

  it("the views render the catalogue's words", async () => {
    const chart = await DailyChart({
      daily: [
        { date: "2026-01-01", loginSuccesses: 3, loginFailures: 1 },
        { date: "2026-01-02", loginSuccesses: 5, loginFailures: 2 },
      ] as never,
    }).toString();
    expect(chart).toContain(`aria-label="${ANALYTICS_TEXT.chart.label("2026-01-01", "2026-01-02", 5)}"`);
    expect(chart).toContain(ANALYTICS_TEXT.chart.legend);
    const panel = await BudgetsPanel({
      budgets: {
        teamId: "t",
        plan: "FREE",
        budgets: [
          { budget: "logins", window: "hour", used: 2, limit: 10, resetsAt: "2026-01-01T13:00:00.000Z" },
        ],
      },
    }).toString();
    expect(panel).toContain(`<h3>${BUDGETS_TEXT.title}</h3>`);
    expect(panel).toContain(`logins ${BUDGETS_TEXT.window.hour}`);
    expect(panel).toContain(`<td>2 / 10</td><td>2026-01-01 13:00 UTC</td>`);
  });
});
