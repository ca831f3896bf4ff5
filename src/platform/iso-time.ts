/** An epoch-milliseconds timestamp as ISO 8601 (API answers), null stays null. */
export function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
