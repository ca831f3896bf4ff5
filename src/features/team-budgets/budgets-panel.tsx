import { BUDGET_NOUNS } from "./budgets";
import type { TeamBudgetsView } from "./usage-view";

const WINDOW_WORD = { hour: "per hour", day: "per day (UTC)" } as const;

/**
 * The team's abuse budgets on its billing page (/teams/:teamId/billing): each budget's use in its current hour
 * and day, against the plan's limit, with the time it resets. Read-only: the limits come with the plan.
 */
export function BudgetsPanel(props: { budgets: TeamBudgetsView }) {
  return (
    <>
      <h3>Usage budgets</h3>
      <p class="muted">
        Shared by the team's members and API keys. A budget that runs out refuses further requests of its kind
        until it resets; the Owner is emailed once.
      </p>
      <table>
        <thead>
          <tr>
            <th scope="col">Budget</th>
            <th scope="col">Used</th>
            <th scope="col">Resets</th>
          </tr>
        </thead>
        <tbody>
          {props.budgets.budgets.map((b) => (
            <tr>
              <th scope="row">
                {BUDGET_NOUNS[b.budget]} {WINDOW_WORD[b.window]}
              </th>
              <td>
                {b.used} / {b.limit}
              </td>
              <td>{b.resetsAt.slice(0, 16).replace("T", " ")} UTC</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
