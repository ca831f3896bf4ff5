import { describe, expect, it } from "vitest";
import {
  type AuditItem,
  CSV_COLUMNS,
  csvCell,
  csvHeader,
  csvLine,
  csvRecord,
  jsonLine,
} from "../../src/features/audit/encoders";
import { decodeCursor, encodeCursor } from "../../src/platform/pagination";

const item: AuditItem = {
  id: "a1",
  at: "2026-01-02T03:04:05.000Z",
  actor: { id: "u1", email: "ann@example.com" },
  action: "login.failed",
  target: { type: "user", id: "u1" },
  teamId: null,
  ip: "203.0.113.7",
  userAgent: 'Mozilla/5.0 (X11; "quoted"), comma',
  reason: "line one\nline two",
  metadata: { reason: "wrong_password", n: 1 },
};

/** A minimal RFC 4180 parser (quoted fields, doubled quotes, CRLF records), to read back what was written. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(cell);
      cell = "";
    } else if (ch === "\r" && text[i + 1] === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      i++;
    } else cell += ch;
  }
  return rows;
}

describe("CSV cells (RFC 4180)", () => {
  it("leaves plain values alone and writes null as an empty cell", () => {
    expect(csvCell("login.failed")).toBe("login.failed");
    expect(csvCell(42)).toBe("42");
    expect(csvCell(null)).toBe("");
    expect(csvCell(undefined)).toBe("");
  });

  it("quotes a cell holding a comma, a quote, CR or LF, and doubles the quotes", () => {
    expect(csvCell("a,b")).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell("a\nb")).toBe('"a\nb"');
    expect(csvCell("a\rb")).toBe('"a\rb"');
    expect(csvCell('"')).toBe('""""');
  });

  it("ends every record with CRLF and writes the header row first", () => {
    expect(csvRecord(["a", "b"])).toBe("a,b\r\n");
    expect(csvHeader()).toBe(`${CSV_COLUMNS.join(",")}\r\n`);
  });
});

describe("CSV formula injection", () => {
  it.each([
    ['=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'],
    ["+1+1", "'+1+1"],
    ["-2+3", "'-2+3"],
    ["@SUM(A1)", "'@SUM(A1)"],
    ["\tcmd", "'\tcmd"],
  ])("prefixes %j with a quote", (value, expected) => {
    const cell = csvCell(value);
    expect(cell.startsWith('"') ? parseCsv(`${cell}\r\n`)[0]?.[0] : cell).toBe(expected);
  });

  it("prefixes a leading CR and then quotes the cell (the quote sits inside the quotes)", () => {
    expect(csvCell("\r=1")).toBe('"\'\r=1"');
  });

  it("leaves a sign in the middle alone", () => {
    expect(csvCell("a=b")).toBe("a=b");
    expect(csvCell("user@example.com")).toBe("user@example.com");
  });

  it("neutralises every column, including the JSON metadata and the user agent", () => {
    const line = csvLine({ ...item, userAgent: "=cmd|' /C calc'!A0", reason: "@evil" });
    const [cells] = parseCsv(line);
    expect(cells?.[CSV_COLUMNS.indexOf("user_agent")]).toBe("'=cmd|' /C calc'!A0");
    expect(cells?.[CSV_COLUMNS.indexOf("reason")]).toBe("'@evil");
  });
});

describe("an entry as CSV and as JSON Lines", () => {
  it("reads back cell for cell", () => {
    const [cells] = parseCsv(csvLine(item));
    expect(cells).toEqual([
      "a1",
      "2026-01-02T03:04:05.000Z",
      "u1",
      "ann@example.com",
      "login.failed",
      "user",
      "u1",
      "",
      "203.0.113.7",
      'Mozilla/5.0 (X11; "quoted"), comma',
      "line one\nline two",
      '{"reason":"wrong_password","n":1}',
    ]);
  });

  it("writes one JSON object per line that parses back to the item", () => {
    const line = jsonLine(item);
    expect(line.endsWith("\n")).toBe(true);
    expect(line.slice(0, -1).includes("\n")).toBe(false);
    expect(JSON.parse(line)).toEqual(item);
  });
});

describe("the keyset cursor", () => {
  it("round-trips (at, id) and is URL-safe", () => {
    const cursor = encodeCursor({ at: 1767225600123, id: "ab12cd" });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor)).toEqual({ at: 1767225600123, id: "ab12cd" });
  });

  it("refuses anything it did not make", () => {
    expect(decodeCursor("50")).toBeNull();
    expect(decodeCursor("%%%")).toBeNull();
    expect(decodeCursor(btoa("x.y"))).toBeNull();
  });
});
