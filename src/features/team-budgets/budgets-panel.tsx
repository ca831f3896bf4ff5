import { BUDGET_NOUNS } from "./budgets";
import { BUDGETS_TEXT as T } from "./pages.en";
import type { TeamBudgetsView } from "./usage-view";

/**
 * The team's abuse budgets on its billing page (/teams/:teamId/billing): each budget's use in its current hour
 * and day, against the plan's limit, with the time it resets. Read-only: the limits come with the plan.
 */
export function BudgetsPanel(props: { budgets: TeamBudgetsView }) {
  return (
    <>
      <h3>{T.title}</h3>
      <p class="muted">{T.intro}</p>
      <table>
        <thead>
          <tr>
            <th scope="col">{T.budget}</th>
            <th scope="col">{T.used}</th>
            <th scope="col">{T.resets}</th>
          </tr>
        </thead>
        <tbody>
          {props.budgets.budgets.map((b) => (
            <tr>
              <th scope="row">
                {BUDGET_NOUNS[b.budget]} {T.window[b.window]}
              </th>
              <td>{T.usage(b.used, b.limit)}</td>
              <td>{T.resetsAt(b.resetsAt.slice(0, 16).replace("T", " "))}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
