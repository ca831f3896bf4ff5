import { z } from "@hono/zod-openapi";

/** A mail as the dev mailbox shows it (JSON and page). */
export const DevMail = z
  .object({
    id: z.string(),
    to: z.string(),
    template: z.string(),
    subject: z.string(),
    text: z.string(),
    html: z.string(),
    links: z.array(z.string()),
    codes: z.array(z.string()),
    createdAt: z.string().openapi({ format: "date-time" }),
  })
  .openapi("DevMail");

export type DevMail = z.infer<typeof DevMail>;
