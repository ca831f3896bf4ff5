import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../http/app-env";
import { createRouter, json, problem } from "../../http/router";
import { renderPage } from "../../ui/render";
import { devMailbox } from "./mailbox";
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

async function mails(c: Context<AppEnv>, to: string | undefined): Promise<DevMail[]> {
  const result = await devMailbox(c.var.ctx, to);
  c.header("Cache-Control", "no-store");
  return result;
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
