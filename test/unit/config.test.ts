import { describe, expect, it } from "vitest";
import devVars from "../../.dev.vars.example?raw";
import readme from "../../README.md?raw";
import { CONFIG_VARIABLES } from "../../src/platform/config";
import wranglerToml from "../../wrangler.toml?raw";

/**
 * The configuration variables have one list: the zod schema in src/platform/config/index.ts. Everything else that
 * names them — wrangler.toml's vars, .dev.vars.example, the README's table — is checked against it here.
 */
const schema = new Set<string>(CONFIG_VARIABLES);

function readmeTableNames(): Set<string> {
  const section = readme.split("## Configuration")[1]?.split("\n## ")[0] ?? "";
  const names = new Set<string>();
  for (const line of section.split("\n")) {
    const first = /^\| ([^|]+) \|/.exec(line)?.[1];
    for (const m of first?.matchAll(/`([A-Z][A-Z0-9_]+)`/g) ?? []) names.add(m[1] as string);
  }
  return names;
}

function tomlVarSections(): Map<string, Set<string>> {
  const sections = new Map<string, Set<string>>();
  let current: Set<string> | undefined;
  for (const raw of wranglerToml.split("\n")) {
    const line = raw.trim();
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      current = header[1]?.endsWith("vars") ? new Set() : undefined;
      if (current) sections.set(header[1] as string, current);
      continue;
    }
    const key = /^([A-Z][A-Z0-9_]*)\s*=/.exec(line)?.[1];
    if (current && key) current.add(key);
  }
  return sections;
}

describe("configuration variables: one list", () => {
  it("the README's table documents exactly the schema's variables", () => {
    const documented = readmeTableNames();
    expect([...schema].filter((v) => !documented.has(v))).toEqual([]);
    expect([...documented].filter((v) => !schema.has(v))).toEqual([]);
  });

  it("wrangler.toml sets only variables the schema knows", () => {
    const sections = tomlVarSections();
    expect([...sections.keys()]).toEqual(["vars", "env.production.vars", "env.staging.vars"]);
    for (const names of sections.values()) {
      expect([...names].filter((v) => !schema.has(v))).toEqual([]);
      expect(names.has("ENVIRONMENT")).toBe(true);
    }
  });

  it(".dev.vars.example holds only variables the schema knows", () => {
    const names = [...devVars.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1] as string);
    expect(names.length).toBeGreaterThan(0);
    expect(names.filter((v) => !schema.has(v))).toEqual([]);
  });
});
