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

const ADMIN_ONLY = ["admin"] as const;
const TITLE = "Import";
/** The multipart envelope around a 5 MB file (boundaries, the CSRF field, part headers). */
const MULTIPART_OVERHEAD = 64 * 1024;
const MULTIPART = /^multipart\/form-data\s*;/i;

type Job = Awaited<ReturnType<typeof importJobView>>;

function UploadPage(props: { view: AdminView; errors?: FormErrors }) {
  return (
    <AdminShell view={props.view} title={TITLE}>
      <p>
        Invite users from a CSV file with the header <code>email,name,team,role</code> (team: its slug or id;
        role: a role name of that team), up to {MAX_IMPORT_ROWS.toLocaleString("en")} rows and 5 MB. Every row
        is checked first; the invitations are then mailed in the background. Uploading the same file again
        shows its import instead of inviting anyone twice.
      </p>
      <FormAlert errors={props.errors ?? { fields: {} }} />
      <form class="stack" method="post" action="/admin/import" enctype="multipart/form-data">
        <AdminCsrf token={props.view.csrf} />
        <label for="f-file">CSV file</label>
        <input id="f-file" type="file" name="file" accept=".csv,text/csv" required />
        <button type="submit">Upload and invite</button>
      </form>
    </AdminShell>
  );
}

const STATUS_COPY: Record<Job["status"], string> = {
  queued: "Queued",
  running: "Running",
  done: "Done",
  failed: "Failed (a part of the file could not be processed; upload it again to resume)",
};

function JobPage(props: { view: AdminView; job: Job }) {
  const { job } = props;
  const active = job.status === "queued" || job.status === "running";
  return (
    <AdminShell view={props.view} title={TITLE}>
      <h2>Import {job.id}</h2>
      <p role="status">
        Status: <strong>{STATUS_COPY[job.status]}</strong>
        {active ? " — this page refreshes every 2 seconds." : null}
      </p>
      <progress max={job.total} value={job.processed}>
        {job.processed} / {job.total}
      </progress>
      <table>
        <tbody>
          <tr>
            <th scope="row">Rows</th>
            <td>{job.total}</td>
          </tr>
          <tr>
            <th scope="row">Processed</th>
            <td>{job.processed}</td>
          </tr>
          <tr>
            <th scope="row">Invited</th>
            <td>{job.created}</td>
          </tr>
          <tr>
            <th scope="row">Skipped (already a member or invited)</th>
            <td>{job.skipped}</td>
          </tr>
          <tr>
            <th scope="row">Errors</th>
            <td>{job.errors.length}</td>
          </tr>
        </tbody>
      </table>
      {job.errors.length > 0 ? (
        <table>
          <caption>Rows not invited</caption>
          <thead>
            <tr>
              <th scope="col">Row</th>
              <th scope="col">Email</th>
              <th scope="col">Code</th>
              <th scope="col">Reason</th>
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
        <a href="/admin/import">Import another file</a>
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
    throw new AuthError("csrf_failed", { detail: "This form was sent from another site." });
  }
  const type = c.req.header("content-type") ?? "";
  if (!MULTIPART.test(type)) {
    throw new AuthError("unsupported_media_type", { detail: "Send the form as multipart/form-data." });
  }
  const principal = await pagePrincipal(c);
  if (!principal) return null;
  const bytes = await readBoundedBody(c.req.raw, MAX_IMPORT_BYTES + MULTIPART_OVERHEAD);
  let form: FormData;
  try {
    form = await new Response(bytes, { headers: { "content-type": type } }).formData();
  } catch {
    throw new AuthError("bad_request", { detail: "The form could not be read." });
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
    throw AuthError.validation([{ path: "body", message: "Choose a CSV file." }]);
  }
  const content = new Uint8Array(await file.arrayBuffer());
  if (content.byteLength > MAX_IMPORT_BYTES) {
    throw new AuthError("payload_too_large", {
      detail: `The file must not exceed ${MAX_IMPORT_BYTES} bytes (5 MB).`,
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
