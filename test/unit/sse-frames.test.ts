import { describe, expect, it } from "vitest";
import { BACKEND_EVENT_TYPE, RESERVED_NAMESPACES } from "../../src/features/events/backend-publish";
import { GATEHOUSE_EVENTS, isGatehouseEventType } from "../../src/features/events/catalogue";
import { eventFrame, eventPayloadJson, sseComment, sseFrame } from "../../src/features/events/sse";

describe("SSE frames (WHATWG HTML §9.2)", () => {
  it("writes fields in order and ends with a blank line", () => {
    expect(sseFrame({ retry: 3000 })).toBe("retry: 3000\n\n");
    expect(sseFrame({ id: "7", event: "deploy.finished", data: '{"ok":true}' })).toBe(
      'id: 7\nevent: deploy.finished\ndata: {"ok":true}\n\n',
    );
  });

  it("splits multi-line data into data: lines and refuses line breaks in other fields", () => {
    expect(sseFrame({ data: "a\nb\r\nc" })).toBe("data: a\ndata: b\ndata: c\n\n");
    expect(() => sseFrame({ event: "x\nid: 9" })).toThrow(TypeError);
    expect(() => sseFrame({ id: "1\r" })).toThrow(TypeError);
    expect(() => sseFrame({ id: "1\0" })).toThrow(TypeError);
    expect(() => sseFrame({ retry: -1 })).toThrow(TypeError);
  });

  it("comments cannot break out of their line", () => {
    expect(sseComment("heartbeat")).toBe(": heartbeat\n\n");
    expect(sseComment("a\n\ndata: x")).toBe(": a data: x\n\n");
  });

  it("an event's data line is its JSON payload, one line, with an ISO time", () => {
    const event = {
      id: 3,
      type: "a.b",
      dataJson: '{"s":"x\\ny"}',
      time: Date.UTC(2026, 0, 2),
      source: "team" as const,
    };
    expect(eventPayloadJson(event)).toBe(
      '{"type":"a.b","data":{"s":"x\\ny"},"time":"2026-01-02T00:00:00.000Z","source":"team"}',
    );
    const frame = eventFrame(event);
    expect(frame.split("\n").filter((l) => l.startsWith("data: "))).toHaveLength(1);
    expect(JSON.parse(frame.split("\n")[2]?.slice(6) ?? "")).toEqual({
      type: "a.b",
      data: { s: "x\ny" },
      time: "2026-01-02T00:00:00.000Z",
      source: "team",
    });
  });
});

describe("event types", () => {
  it("the catalogue has Gatehouse's types, all in reserved namespaces", () => {
    for (const type of ["member.joined", "api_key.revoked", "virtuozzo.failed", "spend.warning"]) {
      expect(isGatehouseEventType(type)).toBe(true);
    }
    expect(isGatehouseEventType("deploy.finished")).toBe(false);
    expect(isGatehouseEventType("toString")).toBe(false);
    for (const type of Object.keys(GATEHOUSE_EVENTS)) {
      expect(RESERVED_NAMESPACES.has(type.split(".")[0] as string)).toBe(true);
      expect(BACKEND_EVENT_TYPE.test(type)).toBe(true);
    }
  });

  it("a backend's type is a short dotted lower-case name", () => {
    for (const ok of ["deploy.finished", "invoice.paid", "a.b.c", "build-2.done_now"]) {
      expect(BACKEND_EVENT_TYPE.test(ok)).toBe(true);
    }
    for (const bad of ["nodot", "Deploy.done", ".a", "a.", "a..b", "a b.c", "ready", "end", "reset"]) {
      expect(BACKEND_EVENT_TYPE.test(bad)).toBe(false);
    }
  });
});
