import { type DevMailRow, listDevMail } from "../../email/providers/mailbox-store";
import { isDevelopment } from "../../platform/config";
import type { RequestContext } from "../../platform/context";
import { normalizeEmail } from "../../platform/email-address";
import { AuthError } from "../../platform/errors";
import type { DevMail } from "./schemas";

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

/** The mails the dev mailbox provider stored, newest first, optionally for one address; 404 in production. */
export async function devMailbox(ctx: RequestContext, to: string | undefined): Promise<DevMail[]> {
  if (!isDevelopment(ctx.config)) throw new AuthError("not_found");
  const rows = await listDevMail(ctx.db, to ? normalizeEmail(to) : undefined);
  return rows.map(toDevMail);
}
