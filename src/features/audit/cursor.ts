/**
 * The audit list's keyset cursor: the (at, id) of the last entry of a page, base64url-encoded so clients treat
 * it as opaque. Ids are random (platform/audit.ts), not time-ordered, so the id only breaks ties between entries
 * of the same millisecond; (at DESC, id DESC) is a total order, so no entry is skipped or repeated across pages.
 */
export interface AuditCursor {
  at: number;
  id: string;
}

export function encodeCursor(cursor: AuditCursor): string {
  return btoa(`${cursor.at}.${cursor.id}`).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
}

/** The cursor, or null when it was not made by encodeCursor (the caller answers 422). */
export function decodeCursor(value: string): AuditCursor | null {
  let text: string;
  try {
    text = atob(value.replaceAll("-", "+").replaceAll("_", "/"));
  } catch {
    return null;
  }
  const m = /^(\d{1,15})\.([\w-]{1,64})$/.exec(text);
  return m?.[1] && m[2] ? { at: Number(m[1]), id: m[2] } : null;
}
