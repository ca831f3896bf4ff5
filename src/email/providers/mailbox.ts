import type { Db } from "../../db/client";
import type { EmailProvider, OutgoingEmail } from "../types";
import { storeDevMail } from "./mailbox-store";

/** Development provider: "delivers" into the dev mailbox table (`/dev/mailbox`, `/api/v1/dev/mailbox`). */
export function mailboxProvider(deps: { db: Db; now: () => number }): EmailProvider {
  return {
    async send(email: OutgoingEmail) {
      await storeDevMail(deps.db, {
        id: email.id,
        toAddress: email.to,
        template: email.template,
        subject: email.subject,
        text: email.text,
        html: email.html,
        links: JSON.stringify(email.links),
        codes: JSON.stringify(email.codes),
        createdAt: deps.now(),
      });
      return { providerMessageId: `mailbox:${email.id}` };
    },
  };
}
