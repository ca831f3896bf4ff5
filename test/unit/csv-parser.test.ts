import { describe, expect, it } from "vitest";
import { parseCsv } from "../../src/features/user-import/csv";

function records(text: string) {
  const result = parseCsv(text);
  if (!result.ok) throw new Error(`parse failed: ${result.reason}`);
  return result.records;
}

describe("parseCsv (RFC 4180)", () => {
  it("reads simple records separated by CRLF or LF", () => {
    expect(records("a,b,c\r\n1,2,3\r\n")).toEqual([
      ["a", "b", "c"],
      ["1", "2", "3"],
    ]);
    expect(records("a,b\n1,2")).toEqual([
      ["a", "b"],
      ["1", "2"],
    ]);
    expect(records("a,b\r1,2\r")).toEqual([
      ["a", "b"],
      ["1", "2"],
    ]);
  });

  it("drops a leading BOM and the empty line after the final line break", () => {
    expect(records("\uFEFFemail,name\r\nx@example.com,X\r\n")).toEqual([
      ["email", "name"],
      ["x@example.com", "X"],
    ]);
    expect(records("a\n\n")).toEqual([["a"]]);
    expect(records("")).toEqual([]);
  });

  it("reads quoted fields with commas, escaped quotes and line breaks", () => {
    expect(records('"a,b","say ""hi""","line\r\nbreak"\r\nx,"",y')).toEqual([
      ["a,b", 'say "hi"', "line\r\nbreak"],
      ["x", "", "y"],
    ]);
    expect(records('""""')).toEqual([['"']]);
  });

  it("keeps empty fields, including a trailing one", () => {
    expect(records("a,,c\n,,\nx,")).toEqual([
      ["a", "", "c"],
      ["", "", ""],
      ["x", ""],
    ]);
  });

  it("keeps spaces as data (RFC 4180: spaces are part of a field)", () => {
    expect(records(" a , b ")).toEqual([[" a ", " b "]]);
  });

  it("refuses an unterminated quoted field, naming the line it starts on", () => {
    expect(parseCsv('a,b\n1,"open\nstill open')).toEqual({
      ok: false,
      reason: "unterminated_quote",
      line: 2,
    });
  });

  it("refuses a quote inside an unquoted field or text after a closing quote", () => {
    expect(parseCsv('a,b"c')).toEqual({ ok: false, reason: "stray_quote", line: 1 });
    expect(parseCsv('a\n"b"c')).toEqual({ ok: false, reason: "stray_quote", line: 2 });
  });

  it("stops at one record more than maxRecords", () => {
    expect(parseCsv("h\n1\n2\n", { maxRecords: 3 })).toMatchObject({ ok: true });
    expect(parseCsv("h\n1\n2\n3\n", { maxRecords: 3 })).toEqual({
      ok: false,
      reason: "too_many_records",
      limit: 3,
    });
  });

  it("counts lines inside quoted fields for later errors", () => {
    expect(parseCsv('"a\nb",c\nd"')).toEqual({ ok: false, reason: "stray_quote", line: 3 });
  });
});
