import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { type DevMailRow, listDevMail } from "../../email/providers/mailbox-store";
import type { AppEnv } from "../../http/app-env";
import { createRouter, json, problem } from "../../http/router";
import { isDevelopment } from "../../platform/config";
import { normalizeEmail } from "../../platform/email-address";
import { AuthError } from "../../platform/errors";
import { renderPage } from "../../ui/render";
import { DevMailboxPage } from "./mailbox-page";
import { DevMail } from "./schemas";

const list = createRoute({
  method: "get",
  path: "/api/v1/dev/mailbox",
  tags: ["Development"],
  summary: "The dev mailbox (development and test only; 404 in production)",
  request: { query: z.object({ to: z.string().max(320).optional() }) },
  responses: {
    200: json(z.array(DevMail), "Mails, newest first"),
    404: problem("not_found outside development"),
  },
});

function toDevMail(row: DevMailRow): DevMail {
  return {
    id: row.id,
    to: row.toAddress,
    template: row.template,
    subject: row.subject,
    text: row.text,
    html: row.html,
    links: JSON.parse(row.links) as string[],
    codes: JSON.parse(row.codes) as string[],
    createdAt: new Date(row.createdAt).toISOString(),
  };
}

async function mails(c: Context<AppEnv>, to: string | undefined): Promise<DevMail[]> {
  const ctx = c.var.ctx;
  if (!isDevelopment(ctx.config)) throw new AuthError("not_found");
  const rows = await listDevMail(ctx.db, to ? normalizeEmail(to) : undefined);
  c.header("Cache-Control", "no-store");
  return rows.map(toDevMail);
}

export function devMailboxRoutes() {
  const router = createRouter().openapi(list, async (c) =>
    c.json(await mails(c, c.req.valid("query").to), 200),
  );
  router.get("/dev/mailbox", async (c) => {
    const to = c.req.query("to");
    return renderPage(c, <DevMailboxPage mails={await mails(c, to)} to={to ?? ""} />);
  });
  return router;
}
