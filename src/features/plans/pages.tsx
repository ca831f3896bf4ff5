import { mayDo } from "../../http/page-principal";
import type { RequestContext } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { Field, FormAlert } from "../../ui/form";
import { BudgetsPanel } from "../team-budgets/budgets-panel";
import { teamBudgets } from "../team-budgets/usage-view";
import {
  ButtonForm,
  Csrf,
  errorsOf,
  type TeamPageProps,
  TeamShell,
  type TeamView,
  teamSection,
} from "../teams/page-kit";
import { TEAM_TEXT } from "../teams/pages.en";
import { changeLimits, changePlan, getLimits, getPlan, PRO_GROUP_TYPE } from "./billing";
import { PLANS } from "./plans";
import { usageReport } from "./usage";

const T = TEAM_TEXT.billing;
const RESOURCES = ["members", "apiKeys", "customRoles", "eventsPerSecond"] as const;

const usd = (n: number | null) =>
  n === null
    ? T.noCap
    : `$${n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 6 })}`;

interface BillingData {
  plan: Awaited<ReturnType<typeof getPlan>>;
  limits: Awaited<ReturnType<typeof getLimits>>;
  usage: Awaited<ReturnType<typeof usageReport>>;
  budgets: Awaited<ReturnType<typeof teamBudgets>>;
}

async function loadBilling(ctx: RequestContext, view: TeamView): Promise<BillingData> {
  const teamId = view.team.id;
  const [plan, limits, usage, budgets] = await Promise.all([
    getPlan(ctx, teamId),
    getLimits(ctx, teamId),
    usageReport(ctx, { teamId, limit: 20 }),
    teamBudgets(ctx, teamId),
  ]);
  return { plan, limits, usage, budgets };
}

function BillingPage(props: TeamPageProps<BillingData>) {
  const { view, data } = props;
  const base = `/teams/${view.team.id}/billing`;
  const manage = mayDo(view.principal, view.team.id, "billing:manage");
  const limitErrors = errorsOf(props.refusal, "limits");
  const values = props.refusal?.form === "limits" ? props.refusal.values : undefined;
  const other = PLANS.find((p) => p !== data.plan.plan);
  return (
    <TeamShell view={view} title={TEAM_TEXT.team.billing} notice={props.notice}>
      <h3>{T.planTitle}</h3>
      <p>
        {T.current}: <strong>{data.plan.plan}</strong> · {T.account}: {data.plan.groupType ?? T.noAccount}
      </p>
      <table>
        <tbody>
          {RESOURCES.map((r) => (
            <tr>
              <th scope="row">{T[r]}</th>
              <td>{data.plan.limits[r]}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <FormAlert errors={errorsOf(props.refusal, "plan")} />
      {manage && other ? (
        <>
          {other === "PRO" && data.plan.groupType !== PRO_GROUP_TYPE ? (
            <p class="muted">{T.proNeeds}</p>
          ) : null}
          <ButtonForm
            action={`${base}/plan`}
            csrf={view.csrf}
            label={T.switchTo(other)}
            fields={{ plan: other }}
            secondary={other === "FREE"}
          />
        </>
      ) : null}

      <h3>{T.limitsTitle}</h3>
      {manage ? (
        <>
          <FormAlert errors={limitErrors} />
          <form class="stack" method="post" action={`${base}/limits`} novalidate>
            <Csrf token={view.csrf} />
            <Field
              name="monthlyCapUsd"
              label={T.cap}
              value={values?.monthlyCapUsd ?? data.limits.monthlyCapUsd?.toString() ?? ""}
              errors={limitErrors}
            />
            <div class="check">
              <input
                id="f-hardStop"
                type="checkbox"
                name="hardStop"
                value="true"
                checked={values ? values.hardStop === "true" : data.limits.hardStop}
              />
              <label for="f-hardStop">{T.hardStop}</label>
            </div>
            <Field
              name="warnAtPercent"
              type="number"
              label={T.warnAt}
              value={values?.warnAtPercent ?? String(data.limits.warnAtPercent)}
              errors={limitErrors}
            />
            <button type="submit">{T.save}</button>
          </form>
        </>
      ) : (
        <p>
          {usd(data.limits.monthlyCapUsd)} · {T.hardStop}: {data.limits.hardStop ? "✓" : "—"}
        </p>
      )}

      <h3>{T.usageTitle}</h3>
      <p>
        {T.spent}: <strong>{usd(data.usage.monthToDateUsd)}</strong> · {T.remaining}:{" "}
        {usd(data.usage.remainingUsd)}
      </p>
      {data.usage.warnings.length > 0 ? (
        <p class="muted">
          {T.warnings}:{" "}
          {data.usage.warnings.map((w) => `${T.warnKind[w.kind]} (${w.sentAt.slice(0, 10)})`).join(", ")}
        </p>
      ) : null}
      <h4>{T.items}</h4>
      {data.usage.items.length === 0 ? <p>{T.none}</p> : null}
      <ul class="rows">
        {data.usage.items.map((item) => (
          <li>
            <span>{item.description}</span>
            <span>
              {usd(item.amountUsd)} ·{" "}
              <span class="muted">{item.createdAt.slice(0, 16).replace("T", " ")}</span>
            </span>
          </li>
        ))}
      </ul>
      <BudgetsPanel budgets={data.budgets} />
    </TeamShell>
  );
}

/** The limits form as the API's request: an empty cap is "no limit"; a cap that is not a number is refused. */
function limitsRequest(form: Record<string, string>) {
  const capText = (form.monthlyCapUsd ?? "").trim().replace(/^\$/, "");
  const cap = capText === "" ? null : Number(capText);
  const warn = Number((form.warnAtPercent ?? "").trim());
  const errors = [];
  if (cap !== null && !Number.isFinite(cap))
    errors.push({ path: "monthlyCapUsd", message: "Enter an amount in USD." });
  if (!Number.isInteger(warn) || warn < 1 || warn > 99) {
    errors.push({ path: "warnAtPercent", message: "Enter a whole percentage from 1 to 99." });
  }
  if (errors.length > 0) throw AuthError.validation(errors);
  return { monthlyCapUsd: cap, hardStop: form.hardStop === "true", warnAtPercent: warn };
}

const NOTICES: Record<string, string> = { plan: T.planChanged, limits: T.limitsSaved };

/**
 * `/teams/:teamId/billing` (`billing:read`): the plan and its limits, the monthly spending limit and this month's
 * usage; with `billing:manage`, switch plan (PRO needs a billing Virtuozzo account) and set the limit.
 */
export function billingPages() {
  return teamSection({
    path: "/billing",
    permission: "billing:read",
    notices: NOTICES,
    load: loadBilling,
    Page: BillingPage,
    posts: {
      "/plan": {
        permission: "billing:manage",
        form: "plan",
        done: "plan",
        act: ({ ctx, scope, form }) => {
          const plan = PLANS.find((p) => p === form.plan);
          if (!plan) throw AuthError.validation([{ path: "plan", message: "Choose FREE or PRO." }]);
          return changePlan(ctx, { ...scope, plan });
        },
      },
      "/limits": {
        permission: "billing:manage",
        form: "limits",
        done: "limits",
        act: ({ ctx, scope, form }) => changeLimits(ctx, { ...scope, ...limitsRequest(form) }),
      },
    },
  });
}
