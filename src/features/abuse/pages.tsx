import { Hono } from "hono";
import type { AppEnv } from "../../http/app-env";
import { renderPage } from "../../ui/render";
import { AdminShell, type AdminView, adminViewOf, TableHead } from "../admin/page-kit";
import { ABUSE_TEXT as T } from "./pages.en";
import { type CurrentSignal, currentSignals } from "./signals";

/**
 * `/admin/abuse` (admin, support): the abuse signals on now — the same list as `GET /api/v1/admin/abuse/signals`
 * — with the kind, the network and how long each lasts. Read only: a signal ends by itself when its network stops.
 */
const ROLES = ["admin", "support"] as const;

function SignalRow(props: { signal: CurrentSignal }) {
  const { signal } = props;
  return (
    <tr>
      <td>{T.kind[signal.kind]}</td>
      <td>
        <code>{T.network(T.level[signal.network.level], signal.network.key)}</code>
      </td>
      <td>
        <time datetime={signal.since}>{T.utc(signal.since)}</time>
      </td>
      <td>
        <time datetime={signal.until}>{T.utc(signal.until)}</time>
      </td>
    </tr>
  );
}

export function AbusePage(props: { view: AdminView; signals: readonly CurrentSignal[] }) {
  return (
    <AdminShell view={props.view} title={T.title}>
      <p>{T.intro}</p>
      {props.signals.length === 0 ? (
        <p role="status">{T.none}</p>
      ) : (
        <>
          <p role="status">{T.count(props.signals.length)}</p>
          <table>
            <TableHead labels={[T.columns.kind, T.columns.network, T.columns.since, T.columns.until]} />
            <tbody>
              {props.signals.map((signal) => (
                <SignalRow signal={signal} />
              ))}
            </tbody>
          </table>
        </>
      )}
      <p class="muted">{T.docs}</p>
    </AdminShell>
  );
}

export function abusePages() {
  const app = new Hono<AppEnv>();
  app.get("/admin/abuse", async (c) => {
    const view = await adminViewOf(c, ROLES);
    if (view instanceof Response) return view;
    const { signals } = await currentSignals(c.var.ctx);
    return renderPage(c, <AbusePage view={view} signals={signals} />);
  });
  return app;
}
