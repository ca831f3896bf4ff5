import { createRoute, z } from "@hono/zod-openapi";
import { platformRoute, platformWriteRoute } from "../../auth/guards";
import { createRouter, json, problem } from "../../http/router";
import { AuthError } from "../../platform/errors";
import { readBoundedBody } from "./bounded-body";
import { importJobView, startImport } from "./import-job";

/** The import upload takes CSV; the JSON body rules of /api/* do not apply to it (app.tsx). */
export const USER_IMPORT_PATH = "/api/v1/admin/users/import";

const CSV_TYPE = /^text\/csv\s*(?:;|$)/i;

const RowErrorSchema = z
  .object({
    row: z.number().int().openapi({ description: "Data row, counted from 1 (the header excluded)" }),
    email: z.string(),
    code: z.string().openapi({ example: "unknown_team" }),
    message: z.string(),
  })
  .openapi("ImportRowError");

const ImportJob = z
  .object({
    id: z.string(),
    status: z.enum(["queued", "running", "done", "failed"]),
    total: z.number().int(),
    processed: z.number().int(),
    created: z.number().int(),
    skipped: z.number().int(),
    errors: z.array(RowErrorSchema),
  })
  .openapi("ImportJob");

const upload = createRoute({
  method: "post",
  path: USER_IMPORT_PATH,
  tags: ["Admin"],
  summary:
    "Invite users from a CSV (`email,name,team,role`, ≤ 10,000 rows, ≤ 5 MB); runs in the background; the same file again answers the same job (admin)",
  ...platformWriteRoute("admin"),
  request: {
    body: {
      required: true,
      content: { "text/csv": { schema: z.string().openapi({ example: "email,name,team,role\r\n" }) } },
    },
  },
  responses: {
    202: json(z.object({ jobId: z.string() }).openapi("ImportAccepted"), "The job (new or existing)"),
    401: problem("unauthorized"),
    403: problem("forbidden (not an admin)"),
    413: problem("payload_too_large (over 5 MB)"),
    415: problem("unsupported_media_type (not text/csv)"),
    422: problem("validation_failed (header, no rows, over 10,000 rows, malformed CSV, not UTF-8)"),
  },
});

const status = createRoute({
  method: "get",
  path: `${USER_IMPORT_PATH}/{jobId}`,
  tags: ["Admin"],
  summary: "An import job's progress and per-row errors (admin)",
  ...platformRoute("admin"),
  request: { params: z.object({ jobId: z.string().min(1).max(64) }) },
  responses: {
    200: json(ImportJob, "The job"),
    401: problem("unauthorized"),
    403: problem("forbidden (not an admin)"),
    404: problem("not_found"),
  },
});

export function userImportRoutes() {
  return createRouter()
    .openapi(upload, async (c) => {
      if (!CSV_TYPE.test(c.req.header("content-type") ?? ""))
        throw new AuthError("unsupported_media_type", { detail: "Send the file as text/csv." });
      const file = await readBoundedBody(c.req.raw);
      const { jobId } = await startImport(c.var.ctx, { adminId: c.var.auth.userId, file });
      c.header("Location", `${USER_IMPORT_PATH}/${jobId}`);
      return c.json({ jobId }, 202);
    })
    .openapi(status, async (c) => {
      c.header("Cache-Control", "no-store");
      return c.json(await importJobView(c.var.ctx, c.req.valid("param").jobId), 200);
    });
}
