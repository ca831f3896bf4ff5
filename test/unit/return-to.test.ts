import { describe, expect, it } from "vitest";
import { safeReturnTo } from "../../src/features/login/pages/return-to";

const ALLOWED = ["https://auth.example.com", "https://app.example.com"];

describe("return_to (open-redirect protection)", () => {
  it("keeps paths on this origin and URLs of allowed origins", () => {
    expect(safeReturnTo("/account", ALLOWED)).toBe("/account");
    expect(safeReturnTo("/teams/t1?tab=members", ALLOWED)).toBe("/teams/t1?tab=members");
    expect(safeReturnTo("https://app.example.com/dashboard?x=1#top", ALLOWED)).toBe(
      "https://app.example.com/dashboard?x=1#top",
    );
    expect(safeReturnTo("HTTPS://APP.EXAMPLE.COM/", ALLOWED)).toBe("https://app.example.com/");
  });

  it("drops every other target", () => {
    for (const bad of [
      undefined,
      "",
      "//evil.example/",
      "/\\evil.example/",
      "https://evil.example/",
      "https://app.example.com.evil.example/",
      "https://app.example.com@evil.example/",
      "https://user:pw@app.example.com/",
      "http://app.example.com/",
      "javascript:alert(1)",
      "data:text/html,hi",
      "/account\n/x",
      "app.example.com/dashboard",
      `/${"a".repeat(3000)}`,
    ]) {
      expect(safeReturnTo(bad, ALLOWED), String(bad)).toBeNull();
    }
  });
});
