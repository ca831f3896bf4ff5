/**
 * A strict RFC 4180 CSV reader (https://www.rfc-editor.org/rfc/rfc4180#section-2), pure and allocation-light:
 * fields separated by commas, records by CRLF (a bare LF or CR is accepted too, as spreadsheets write them),
 * fields optionally enclosed in double quotes, a quote inside a quoted field escaped by doubling it, line
 * breaks and commas allowed inside quoted fields. A leading UTF-8 BOM is dropped (Excel writes one). Blank
 * records — an empty line, notably the empty line after a final line break — are not records.
 *
 * Deliberately strict where RFC 4180 says a field "may" be quoted: a quote inside an unquoted field or text
 * after a closing quote is refused (reason `stray_quote`) rather than guessed at, and an unterminated quoted
 * field is `unterminated_quote`. `maxRecords` stops the reader as soon as it sees one record more than allowed
 * (`too_many_records`), so an oversized file costs no more than the limit.
 */

export type CsvFailure =
  | { reason: "unterminated_quote"; line: number }
  | { reason: "stray_quote"; line: number }
  | { reason: "too_many_records"; limit: number };

export type CsvResult = { ok: true; records: string[][] } | ({ ok: false } & CsvFailure);

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;

export function parseCsv(input: string, options: { maxRecords?: number } = {}): CsvResult {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const max = options.maxRecords ?? Number.POSITIVE_INFINITY;
  const records: string[][] = [];
  let record: string[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;

  const endRecord = (): boolean => {
    const blank = record.length === 1 && record[0] === "";
    if (!blank) records.push(record);
    record = [];
    return records.length <= max;
  };

  while (i <= n) {
    // At the start of a field.
    if (i < n && text.charCodeAt(i) === QUOTE) {
      const startLine = line;
      let value = "";
      let from = i + 1;
      let j = from;
      for (;;) {
        if (j >= n) return { ok: false, reason: "unterminated_quote", line: startLine };
        const c = text.charCodeAt(j);
        if (c === QUOTE) {
          if (text.charCodeAt(j + 1) === QUOTE) {
            value += text.slice(from, j + 1);
            j += 2;
            from = j;
            continue;
          }
          value += text.slice(from, j);
          j += 1;
          break;
        }
        if (c === LF || (c === CR && text.charCodeAt(j + 1) !== LF)) line += 1;
        j += 1;
      }
      record.push(value);
      i = j;
      const next = i < n ? text.charCodeAt(i) : -1;
      if (next !== -1 && next !== COMMA && next !== LF && next !== CR) {
        return { ok: false, reason: "stray_quote", line };
      }
    } else {
      let j = i;
      while (j < n) {
        const c = text.charCodeAt(j);
        if (c === COMMA || c === LF || c === CR) break;
        if (c === QUOTE) return { ok: false, reason: "stray_quote", line };
        j += 1;
      }
      record.push(text.slice(i, j));
      i = j;
    }
    // After a field: a comma, a record end, or the end of the text.
    if (i >= n) {
      if (!endRecord()) return { ok: false, reason: "too_many_records", limit: max };
      break;
    }
    const c = text.charCodeAt(i);
    if (c === COMMA) {
      i += 1;
      if (i === n) record.push("");
      if (i === n) {
        if (!endRecord()) return { ok: false, reason: "too_many_records", limit: max };
        break;
      }
      continue;
    }
    // CRLF, LF or CR ends the record.
    i += c === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
    line += 1;
    if (!endRecord()) return { ok: false, reason: "too_many_records", limit: max };
    if (i === n) break;
  }
  return { ok: true, records };
}
