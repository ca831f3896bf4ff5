/**
 * Lists of a team's members, roles, invitations and keys are small (bounded by the team), so they are read whole
 * and paged in memory; the cursor is the offset of the next page, opaque to clients (../shared/API.md: `?cursor=&limit=`,
 * default 50, max 200, `nextCursor` null on the last page).
 */
export function paginate<T>(items: readonly T[], cursor: string | undefined, limit: number) {
  const start = cursor && /^\d{1,6}$/.test(cursor) ? Number(cursor) : 0;
  const page = items.slice(start, start + limit);
  const next = start + limit;
  return { items: page, nextCursor: next < items.length ? String(next) : null };
}

/**
 * A keyset cursor for lists read page by page from D1 (the audit log, the email suppressions): the (at, id) of the
 * last entry of a page, base64url-encoded so clients treat it as opaque. With (at DESC, id DESC) as the order (a
 * total order: the id breaks ties within a millisecond), no entry is skipped or repeated across pages.
 */
export interface KeysetCursor {
  at: number;
  id: string;
}

export function encodeCursor(cursor: KeysetCursor): string {
  return btoa(`${cursor.at}.${cursor.id}`).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
}

/** The cursor, or null when it was not made by encodeCursor (the caller answers 422). */
export function decodeCursor(value: string): KeysetCursor | null {
  let text: string;
  try {
    text = atob(value.replaceAll("-", "+").replaceAll("_", "/"));
  } catch {
    return null;
  }
  const m = /^(\d{1,15})\.([\w-]{1,64})$/.exec(text);
  return m?.[1] && m[2] ? { at: Number(m[1]), id: m[2] } : null;
}
