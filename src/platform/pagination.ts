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
