import { z } from "zod";

/** The value types the configuration schema is built from (each parses a variable's string). */

export const intInRange = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

type Ints<N extends number, T extends number[] = []> = T["length"] extends N ? T : Ints<N, [...T, number]>;

/** `a/b/c`: `count` integers in min..max (per network level, narrowest first). */
export const slashInts = <N extends number>(count: N, min: number, max: number, fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((s, ctx) => {
      const parts = s.trim().split("/").map(Number);
      if (parts.length !== count || parts.some((n) => !Number.isInteger(n) || n < min || n > max)) {
        ctx.addIssue({ code: "custom", message: `expected ${count} integers ${min}..${max} separated by /` });
        return z.NEVER;
      }
      return parts as Ints<N>;
    });

export const booleanString = (fallback: boolean) =>
  z
    .enum(["true", "false", "1", "0"])
    .default(fallback ? "true" : "false")
    .transform((v) => v === "true" || v === "1");

export const originList = z
  .string()
  .default("")
  .transform((s, ctx) => {
    const origins = s
      .split(",")
      .map((o) => o.trim())
      .filter(Boolean);
    for (const origin of origins) {
      if (!URL.canParse(origin) || new URL(origin).origin !== origin) {
        ctx.addIssue({ code: "custom", message: `not an origin: ${origin}` });
      }
    }
    return origins;
  });

/** `id:base64key,id2:base64key2`; the first key is the current one (used to encrypt). */
export const encryptionKeys = z.string().transform((s, ctx) => {
  const keys: { id: string; key: Uint8Array }[] = [];
  for (const part of s.split(",").map((p) => p.trim())) {
    const [id, b64] = part.split(":");
    let key: Uint8Array | undefined;
    try {
      key = b64 ? Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0)) : undefined;
    } catch {
      key = undefined;
    }
    if (!id || !/^[A-Za-z0-9_-]{1,16}$/.test(id) || key?.length !== 32) {
      ctx.addIssue({ code: "custom", message: "each key must be id:base64(32 bytes)" });
      return z.NEVER;
    }
    keys.push({ id, key });
  }
  return keys;
});

/** WCAG 2.x relative luminance of a `#rrggbb` colour. */
function luminance(hex: string): number {
  const channel = (i: number) => {
    const v = Number.parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16) / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2);
}

/** WCAG 2.x contrast ratio of two `#rrggbb` colours (1..21). */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/**
 * A brand colour `#rrggbb` that keeps the pages readable: text in it on `background`, and `background`-coloured
 * text on buttons filled with it, reach WCAG AA's 4.5:1.
 */
export const brandColour = (fallback: string, background: string) =>
  z
    .string()
    .default(fallback)
    .transform((s) => s.trim().toLowerCase())
    .refine((s) => /^#[0-9a-f]{6}$/.test(s), "must be a #rrggbb colour")
    .refine(
      (s) => !/^#[0-9a-f]{6}$/.test(s) || contrastRatio(s, background) >= 4.5,
      `must contrast 4.5:1 with ${background} (WCAG AA)`,
    );
