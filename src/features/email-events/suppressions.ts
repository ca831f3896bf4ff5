import type { RequestContext } from "../../platform/context";
import { AuthError } from "../../platform/errors";
import { decodeCursor, encodeCursor } from "../../platform/pagination";
import { commit } from "../../platform/unit-of-work";
import { suppressionLookups } from "./address-key";
import {
  deleteSuppression,
  findSuppression,
  findSuppressionById,
  type SuppressionRow,
  suppressionPage,
} from "./store";

/**
 * The suppression list (docs/email-delivery.md): addresses a provider reported as hard-bounced or complaining.
 * The consumer asks `suppressionOf` before every send (one indexed D1 read); platform admins and support list
 * the entries; a platform admin lifts one (audited), after which the address is mailed again.
 */

/** The entry suppressing this address, if any. */
export async function suppressionOf(
  ctx: RequestContext,
  address: string,
): Promise<SuppressionRow | undefined> {
  return findSuppression(ctx.db, await suppressionLookups(ctx.config.ENCRYPTION_KEYS, address));
}

export interface SuppressionView {
  id: string;
  address: string;
  reason: SuppressionRow["reason"];
  provider: string;
  events: number;
  outboxId: string | null;
  createdAt: string;
  updatedAt: string;
}

function view(row: SuppressionRow): SuppressionView {
  return {
    id: row.id,
    address: row.maskedAddress,
    reason: row.reason,
    provider: row.provider,
    events: row.events,
    outboxId: row.outboxId,
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}

/**
 * A page of the list, newest first; `email` narrows it to that address (found by its keyed hash: the list holds
 * no plain address to search).
 */
export async function listSuppressions(
  ctx: RequestContext,
  input: { cursor?: string | undefined; limit: number; email?: string | undefined },
): Promise<{ items: SuppressionView[]; nextCursor: string | null }> {
  if (input.email !== undefined) {
    const row = await suppressionOf(ctx, input.email);
    return { items: row ? [view(row)] : [], nextCursor: null };
  }
  const after = input.cursor === undefined ? null : decodeCursor(input.cursor);
  if (input.cursor !== undefined && !after) {
    throw AuthError.validation([{ path: "cursor", message: "Not a cursor of this list." }]);
  }
  const rows = await suppressionPage(ctx.db, { after, limit: input.limit + 1 });
  const page = rows.slice(0, input.limit);
  const last = page.at(-1);
  return {
    items: page.map(view),
    nextCursor: rows.length > input.limit && last ? encodeCursor({ at: last.createdAt, id: last.id }) : null,
  };
}

/** Lifts a suppression: the address is mailed again. Audited with the admin's reason. */
export async function liftSuppression(
  ctx: RequestContext,
  input: { id: string; actorId: string; reason: string },
): Promise<void> {
  const row = await findSuppressionById(ctx.db, input.id);
  if (!row) throw new AuthError("not_found");
  await commit(ctx, {
    writes: [deleteSuppression(ctx.db, row.id)],
    audit: {
      action: "email.suppression_lifted",
      actorId: input.actorId,
      target: { type: "email_suppression", id: row.id },
      reason: input.reason,
      metadata: { address: row.maskedAddress, suppressedFor: row.reason, provider: row.provider },
    },
  });
}
