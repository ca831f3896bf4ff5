import { Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { assertFreshAuthentication } from "../../auth/step-up";
import { csrfKey, verifyCsrfToken } from "../../crypto/csrf";
import type { AppEnv } from "../../http/app-env";
import { readCookie } from "../../http/cookies";
import { CSRF_FIELD, pageCsrfToken, pagePrincipal } from "../../http/page-principal";
import { AuthError } from "../../platform/errors";
import { FormAlert, type FormErrors, formErrors } from "../../ui/form";
import { renderPage } from "../../ui/render";
import { AdminCsrf, AdminShell, type AdminView, adminViewOf, holdsRole } from "../admin/page-kit";
import { isStepUpChallenge, stepUpPrompt } from "../step-up/pages";
import { MAX_IMPORT_BYTES, readBoundedBody } from "./bounded-body";
import { importJobView, MAX_IMPORT_ROWS, startImport } from "./import-job";
import { IMPORT_TEXT as T } from "./pages.en";

const ADMIN_ONLY = ["admin"] as const;
/** The multipart envelope around a 5 MB file (boundaries, the CSRF field, part headers). */
const MULTIPART_OVERHEAD = 64 * 1024;
const MULTIPART = /^multipart\/form-data\s*;/i;

type Job = Awaited<ReturnType<typeof importJobView>>;

function UploadPage(props: { view: AdminView; errors?: FormErrors }) {
  return (
    <AdminShell view={props.view} title={T.title}>
      <p>
        {T.upload.introLead} <code>{T.upload.header}</code>{" "}
        {T.upload.intro(MAX_IMPORT_ROWS.toLocaleString("en"))}
      </p>
      <FormAlert errors={props.errors ?? { fields: {} }} />
      <form class="stack" method="post" action="/admin/import" enctype="multipart/form-data">
        <AdminCsrf token={props.view.csrf} />
        <label for="f-file">{T.upload.file}</label>
        <input id="f-file" type="file" name="file" accept=".csv,text/csv" required />
        <button type="submit">{T.upload.submit}</button>
      </form>
    </AdminShell>
  );
}

function JobPage(props: { view: AdminView; job: Job }) {
  const { job } = props;
  const active = job.status === "queued" || job.status === "running";
  const counts = [
    [T.job.rows, job.total],
    [T.job.processed, job.processed],
    [T.job.invited, job.created],
    [T.job.skipped, job.skipped],
    [T.job.errors, job.errors.length],
  ] as const;
  return (
    <AdminShell view={props.view} title={T.title}>
      <h2>{T.job.heading(job.id)}</h2>
      <p role="status">
        {T.job.status} <strong>{T.status[job.status]}</strong>
        {active ? T.job.refreshing : null}
      </p>
      <progress max={job.total} value={job.processed}>
        {job.processed} / {job.total}
      </progress>
      <table>
        <tbody>
          {counts.map(([label, count]) => (
            <tr>
              <th scope="row">{label}</th>
              <td>{count}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {job.errors.length > 0 ? (
        <table>
          <caption>{T.job.notInvited}</caption>
          <thead>
            <tr>
              <th scope="col">{T.job.row}</th>
              <th scope="col">{T.job.email}</th>
              <th scope="col">{T.job.code}</th>
              <th scope="col">{T.job.reason}</th>
            </tr>
          </thead>
          <tbody>
            {job.errors.map((e) => (
              <tr>
                <td>{e.row}</td>
                <td>{e.email}</td>
                <td>
                  <code>{e.code}</code>
                </td>
                <td>{e.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <p>
        <a href="/admin/import">{T.job.another}</a>
      </p>
    </AdminShell>
  );
}

/**
 * The upload's form POST: multipart (a file input needs it), so the pages' form-encoded reader does not apply;
 * the same checks are made here — same origin (Sec-Fetch-Site / Origin), the session's CSRF token in the form,
 * the admin role — and the body is limited while it is read like the API's.
 */
async function readUpload(c: Parameters<typeof adminViewOf>[0]) {
  const site = c.req.header("sec-fetch-site");
  const origin = c.req.header("origin");
  const crossSite = site !== undefined && site !== "same-origin" && site !== "none";
  const foreignOrigin =
    origin !== undefined &&
    origin !== new URL(c.req.url).origin &&
    origin !== c.var.config.PUBLIC_ORIGIN &&
    !(origin === "null" && site === "same-origin");
  if (crossSite || foreignOrigin) {
    throw new AuthError("csrf_failed", { detail: T.refusals.crossSite });
  }
  const type = c.req.header("content-type") ?? "";
  if (!MULTIPART.test(type)) {
    throw new AuthError("unsupported_media_type", { detail: T.refusals.multipart });
  }
  const principal = await pagePrincipal(c);
  if (!principal) return null;
  const bytes = await readBoundedBody(c.req.raw, MAX_IMPORT_BYTES + MULTIPART_OVERHEAD);
  let form: FormData;
  try {
    form = await new Response(bytes, { headers: { "content-type": type } }).formData();
  } catch {
    throw new AuthError("bad_request", { detail: T.refusals.unreadable });
  }
  const given = form.get(CSRF_FIELD);
  const cookie = readCookie(c, "csrf");
  const keys = await Promise.all(c.var.ctx.config.ENCRYPTION_KEYS.map((k) => csrfKey(k.key, k.id)));
  if (typeof given !== "string" || given !== cookie || !(await verifyCsrfToken(keys, principal.sid, given))) {
    throw new AuthError("csrf_failed");
  }
  if (!holdsRole(principal, ADMIN_ONLY)) throw new AuthError("forbidden");
  // An admin write: a recent two-factor authentication (RFC 9470 step-up), as the API's upload route.
  await assertFreshAuthentication(c.var.ctx, principal);
  const file = form.get("file");
  if (!file || typeof file === "string" || file.size === 0) {
    throw AuthError.validation([{ path: "body", message: T.refusals.noFile }]);
  }
  const content = new Uint8Array(await file.arrayBuffer());
  if (content.byteLength > MAX_IMPORT_BYTES) {
    throw new AuthError("payload_too_large", {
      detail: T.refusals.tooLarge(MAX_IMPORT_BYTES),
    });
  }
  return { principal, content };
}

/** `/admin/import` (admin): the upload form, and `/admin/import/:jobId`: the job's progress and errors. */
export function userImportPages() {
  return new Hono<AppEnv>()
    .get("/admin/import", async (c) => {
      const view = await adminViewOf(c, ADMIN_ONLY);
      if (view instanceof Response) return view;
      return renderPage(c, <UploadPage view={view} />);
    })
    .post("/admin/import", async (c) => {
      try {
        const upload = await readUpload(c);
        if (!upload) return c.redirect("/login", 303);
        const { jobId } = await startImport(c.var.ctx, {
          adminId: upload.principal.userId,
          file: upload.content,
        });
        return c.redirect(`/admin/import/${encodeURIComponent(jobId)}`, 303);
      } catch (error) {
        if (!(error instanceof AuthError) || error.status >= 500) throw error;
        if (error.code === "csrf_failed" || error.code === "forbidden") throw error;
        if (isStepUpChallenge(error)) return stepUpPrompt(c, error, "/admin/import");
        const principal = await pagePrincipal(c);
        if (!principal) throw error;
        const view = { principal, csrf: pageCsrfToken(c) };
        const errors = formErrors(error);
        const message = errors.form ?? Object.values(errors.fields).join(" ");
        return renderPage(
          c,
          <UploadPage view={view} errors={{ form: message, fields: {} }} />,
          error.status as ContentfulStatusCode,
        );
      }
    })
    .get("/admin/import/:jobId", async (c) => {
      const view = await adminViewOf(c, ADMIN_ONLY);
      if (view instanceof Response) return view;
      const job = await importJobView(c.var.ctx, c.req.param("jobId"));
      // A plain HTTP refresh (no script) while the job runs.
      if (job.status === "queued" || job.status === "running") c.header("Refresh", "2");
      return renderPage(c, <JobPage view={view} job={job} />);
    });
}
