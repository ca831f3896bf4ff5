/**
 * The audit export's encoders: pure, one line per entry, so the export can stream a page at a time.
 * CSV follows RFC 4180 (CRLF line ends, a header row, a cell quoted when it holds `"`, `,`, CR or LF, quotes
 * doubled) and neutralises spreadsheet formulas (OWASP "CSV Injection"): a cell beginning with `=`, `+`, `-`,
 * `@`, tab or CR gets a leading `'`. JSON Lines: one JSON object per line, `\n`-terminated.
 */

/** An entry as the API shows it (GET /api/v1/admin/audit-logs items). */
export interface AuditItem {
  id: string;
  at: string;
  actor: { id: string; email: string | null } | null;
  action: string;
  target: { type: string | null; id: string } | null;
  teamId: string | null;
  ip: string | null;
  userAgent: string | null;
  reason: string | null;
  metadata: Record<string, unknown>;
}

export const CSV_COLUMNS = [
  "id",
  "at",
  "actor_id",
  "actor_email",
  "action",
  "target_type",
  "target_id",
  "team_id",
  "ip",
  "user_agent",
  "reason",
  "metadata",
] as const;

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One CSV cell: formula-neutralised first, then quoted if needed (so a leading `'` is inside the quotes). */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return "";
  let text = String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One CSV record with its CRLF. */
export function csvRecord(cells: readonly (string | number | null | undefined)[]): string {
  return `${cells.map(csvCell).join(",")}\r\n`;
}

export function csvHeader(): string {
  return csvRecord(CSV_COLUMNS);
}

export function csvLine(item: AuditItem): string {
  return csvRecord([
    item.id,
    item.at,
    item.actor?.id,
    item.actor?.email,
    item.action,
    item.target?.type,
    item.target?.id,
    item.teamId,
    item.ip,
    item.userAgent,
    item.reason,
    JSON.stringify(item.metadata),
  ]);
}

/** One JSON Lines record: the API's item shape; JSON.stringify escapes CR/LF, so a record is one line. */
export function jsonLine(item: AuditItem): string {
  return `${JSON.stringify(item)}\n`;
}
