import type { Context } from "hono";
import { raw } from "hono/html";
import type { Principal } from "../../auth/principal";
import { qrSvg } from "../../crypto/otp";
import type { AppEnv } from "../../http/app-env";
import { Field, FormAlert, type FormErrors, NO_ERRORS, PostForm } from "../../ui/form";
import { Layout } from "../../ui/layout";
import { trustedDevicesOf } from "../devices/trusted-devices";
import { riskLabel } from "../login/risk/text";
import { listSessions, loginActivity, me } from "./account";
import { ACCOUNT_TEXT } from "./pages.en";

/* What `/account/security` shows: its data (one parallel read) and its sections and pages; the routes are
 * security-pages.tsx. */

export const T = ACCOUNT_TEXT.security;
export const PATH = "/account/security";

export type Done = keyof typeof T.done;
export type FormName = "password" | "disable" | "regenerate" | "session" | "device";

interface SecurityData {
  me: Awaited<ReturnType<typeof me>>;
  sessions: Awaited<ReturnType<typeof listSessions>>;
  devices: Awaited<ReturnType<typeof trustedDevicesOf>>;
  activity: Awaited<ReturnType<typeof loginActivity>>["items"];
}

export async function securityData(c: Context<AppEnv>, auth: Principal): Promise<SecurityData> {
  const ctx = c.var.ctx;
  const [account, sessions, devices, activity] = await Promise.all([
    me(ctx, auth),
    listSessions(ctx, auth),
    trustedDevicesOf(ctx, auth.userId),
    loginActivity(ctx, { auth, limit: 20 }),
  ]);
  return { me: account, sessions, devices, activity: activity.items };
}

function When(props: { iso: string }) {
  return <time datetime={props.iso}>{`${props.iso.slice(0, 16).replace("T", " ")} UTC`}</time>;
}

function PasswordSection(props: { errors: FormErrors }) {
  return (
    <section class="card" aria-labelledby="h-password">
      <h2 id="h-password">{T.password.title}</h2>
      <FormAlert errors={props.errors} />
      <PostForm action={`${PATH}/password`}>
        <Field
          name="currentPassword"
          type="password"
          label={T.password.current}
          autocomplete="current-password"
          required
          errors={props.errors}
        />
        <Field
          name="newPassword"
          type="password"
          label={T.password.next}
          autocomplete="new-password"
          required
          errors={props.errors}
        />
        <button type="submit">{T.password.submit}</button>
      </PostForm>
    </section>
  );
}

function TwoFactorSection(props: { on: boolean; failed?: FormName | undefined; errors: FormErrors }) {
  const errorsOf = (form: FormName) => (props.failed === form ? props.errors : NO_ERRORS);
  if (!props.on) {
    return (
      <section class="card" aria-labelledby="h-2fa">
        <h2 id="h-2fa">{T.twoFactor.title}</h2>
        <p>{T.twoFactor.off}</p>
        <PostForm action={`${PATH}/2fa/setup`}>
          <button type="submit">{T.twoFactor.setup}</button>
        </PostForm>
      </section>
    );
  }
  return (
    <section class="card" aria-labelledby="h-2fa">
      <h2 id="h-2fa">{T.twoFactor.title}</h2>
      <p>{T.twoFactor.on}</p>
      <h3>{T.twoFactor.regenerateTitle}</h3>
      <p class="muted">{T.twoFactor.regenerateLead}</p>
      <FormAlert errors={errorsOf("regenerate")} />
      <PostForm action={`${PATH}/2fa/recovery-codes`}>
        <Field
          name="regeneratePassword"
          type="password"
          label={T.twoFactor.password}
          autocomplete="current-password"
          required
          errors={errorsOf("regenerate")}
        />
        <button type="submit" class="secondary">
          {T.twoFactor.regenerate}
        </button>
      </PostForm>
      <h3>{T.twoFactor.disableTitle}</h3>
      <FormAlert errors={errorsOf("disable")} />
      <PostForm action={`${PATH}/2fa/disable`}>
        <Field
          name="disablePassword"
          type="password"
          label={T.twoFactor.password}
          autocomplete="current-password"
          required
          errors={errorsOf("disable")}
        />
        <Field
          name="disableCode"
          label={T.twoFactor.disableCode}
          autocomplete="one-time-code"
          required
          errors={errorsOf("disable")}
        />
        <button type="submit" class="secondary">
          {T.twoFactor.disable}
        </button>
      </PostForm>
    </section>
  );
}

function SessionsSection(props: { sessions: SecurityData["sessions"] }) {
  return (
    <section class="card" aria-labelledby="h-sessions">
      <h2 id="h-sessions">{T.sessions.title}</h2>
      <ul class="rows">
        {props.sessions.map((s) => (
          <li>
            <p>
              <strong>{s.device}</strong>
              {s.current ? ` · ${T.sessions.current}` : ""}
              <br />
              <span class="muted">
                {[s.location, s.ip].filter(Boolean).join(" · ")} · {T.sessions.started}{" "}
                <When iso={s.createdAt} /> · {T.sessions.lastSeen} <When iso={s.lastSeenAt} />
              </span>
            </p>
            {s.current ? null : (
              <form class="inline" method="post" action={`${PATH}/sessions/revoke`}>
                <input type="hidden" name="sessionId" value={s.id} />
                <button type="submit" class="secondary" aria-label={`${T.sessions.signOut}: ${s.device}`}>
                  {T.sessions.signOut}
                </button>
              </form>
            )}
          </li>
        ))}
      </ul>
      {props.sessions.length < 2 ? <p class="muted">{T.sessions.none}</p> : null}
    </section>
  );
}

function DevicesSection(props: { devices: SecurityData["devices"] }) {
  return (
    <section class="card" aria-labelledby="h-devices">
      <h2 id="h-devices">{T.devices.title}</h2>
      <p class="muted">{T.devices.lead}</p>
      {props.devices.length === 0 ? <p>{T.devices.none}</p> : null}
      <ul class="rows">
        {props.devices.map((d) => (
          <li>
            <p>
              <strong>{d.name}</strong>
              <br />
              <span class="muted">
                {T.devices.added} <When iso={d.createdAt} /> · {T.devices.lastUsed}{" "}
                <When iso={d.lastUsedAt} />
              </span>
            </p>
            <form class="inline" method="post" action={`${PATH}/devices/revoke`}>
              <input type="hidden" name="deviceId" value={d.id} />
              <button type="submit" class="secondary" aria-label={`${T.devices.revoke}: ${d.name}`}>
                {T.devices.revoke}
              </button>
            </form>
          </li>
        ))}
      </ul>
    </section>
  );
}

function ActivitySection(props: { activity: SecurityData["activity"] }) {
  if (props.activity.length === 0) {
    return (
      <section class="card" aria-labelledby="h-activity">
        <h2 id="h-activity">{T.activity.title}</h2>
        <p>{T.activity.none}</p>
      </section>
    );
  }
  return (
    <section class="card" aria-labelledby="h-activity">
      <h2 id="h-activity">{T.activity.title}</h2>
      <section class="scroll" tabindex={0} aria-labelledby="h-activity">
        <table>
          <thead>
            <tr>
              <th scope="col">{T.activity.time}</th>
              <th scope="col">{T.activity.location}</th>
              <th scope="col">{T.activity.device}</th>
              <th scope="col">{T.activity.outcome}</th>
              <th scope="col">{T.activity.risk}</th>
            </tr>
          </thead>
          <tbody>
            {props.activity.map((a) => (
              <tr>
                <td>
                  <When iso={a.at} />
                </td>
                <td>{[a.location, a.ip].filter(Boolean).join(" · ") || T.activity.unknown}</td>
                <td>{a.device ?? T.activity.unknown}</td>
                <td>{a.reason ? `${a.outcome} (${a.reason})` : a.outcome}</td>
                <td>{riskLabel(a.risk) ?? T.activity.riskNone}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </section>
  );
}

export function SecurityPage(props: {
  data: SecurityData;
  done?: Done | undefined;
  failed?: FormName | undefined;
  errors?: FormErrors;
}) {
  const errors = props.errors ?? NO_ERRORS;
  const errorsOf = (form: FormName) => (props.failed === form ? errors : NO_ERRORS);
  return (
    <Layout title={T.title}>
      <h1>{T.title}</h1>
      <p>
        <a href="/account">{T.back}</a>
      </p>
      {props.done ? (
        <p class="notice" role="status">
          {T.done[props.done]}
        </p>
      ) : null}
      {props.failed === "session" || props.failed === "device" ? <FormAlert errors={errors} /> : null}
      <PasswordSection errors={errorsOf("password")} />
      <TwoFactorSection on={props.data.me.mfaEnabled} failed={props.failed} errors={errors} />
      <SessionsSection sessions={props.data.sessions} />
      <DevicesSection devices={props.data.devices} />
      <ActivitySection activity={props.data.activity} />
    </Layout>
  );
}

/** The new authenticator's key: a QR code (an <img> data URL: the CSP allows `img-src data:`) and the key. */
export function SetupPage(props: {
  setup: { challengeId: string; secret: string; otpauthUri: string };
  errors: FormErrors;
  /** Where the code goes and where "cancel" leads: the account page's, or a login's `mfa_setup` step's. */
  confirmAction?: string;
  cancelHref?: string;
}) {
  const { setup } = props;
  const qr = `data:image/svg+xml;base64,${btoa(qrSvg(setup.otpauthUri))}`;
  return (
    <Layout title={T.twoFactor.setupTitle} narrow>
      <h1>{T.twoFactor.setupTitle}</h1>
      <p>{T.twoFactor.scan}</p>
      <p>
        <img class="qr" src={qr} alt={T.twoFactor.qrAlt} width="200" height="200" />
      </p>
      <p>
        {T.twoFactor.manualKey}: <code id="manual-key">{setup.secret}</code>
      </p>
      <FormAlert errors={props.errors} />
      <PostForm action={props.confirmAction ?? `${PATH}/2fa/confirm`}>
        <input type="hidden" name="challengeId" value={setup.challengeId} />
        <input type="hidden" name="secret" value={setup.secret} />
        <input type="hidden" name="otpauthUri" value={setup.otpauthUri} />
        <Field
          name="code"
          label={T.twoFactor.code}
          autocomplete="one-time-code"
          required
          errors={props.errors}
        />
        <button type="submit">{T.twoFactor.confirm}</button>
      </PostForm>
      <p>
        <a href={props.cancelHref ?? PATH}>{T.twoFactor.cancel}</a>
      </p>
    </Layout>
  );
}

/** Copy to the clipboard: the only thing on these pages that needs a script (the download link does not). */
const COPY_SCRIPT = `(() => {
  const button = document.getElementById("copy-codes");
  const codes = document.getElementById("recovery-codes");
  if (!button || !codes || !navigator.clipboard) return;
  button.hidden = false;
  button.addEventListener("click", () => {
    navigator.clipboard.writeText(codes.innerText.trim()).then(() => { button.textContent = button.dataset.copied; });
  });
})();`;

export function RecoveryCodesPage(props: {
  codes: string[];
  nonce: string | undefined;
  /** Where "continue" leads: the account page, or a login's next step. */
  continueHref?: string;
}) {
  const file = `data:text/plain;charset=utf-8,${encodeURIComponent(`${props.codes.join("\n")}\n`)}`;
  return (
    <Layout title={T.codes.title} narrow>
      <h1>{T.codes.title}</h1>
      <p>{T.codes.lead}</p>
      <pre id="recovery-codes" class="card">
        {props.codes.join("\n")}
      </pre>
      <p class="actions">
        <button type="button" id="copy-codes" class="secondary" data-copied={T.codes.copied} hidden>
          {T.codes.copy}
        </button>{" "}
        <a href={file} download={T.codes.fileName}>
          {T.codes.download}
        </a>
      </p>
      <p>
        <a href={props.continueHref ?? PATH}>{T.codes.continue}</a>
      </p>
      <script nonce={props.nonce}>{raw(COPY_SCRIPT)}</script>
    </Layout>
  );
}
