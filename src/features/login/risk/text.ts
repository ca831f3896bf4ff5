import { ACCOUNT_TEXT } from "../../account/pages.en";

const WORDS: Readonly<Record<string, string>> = ACCOUNT_TEXT.riskReasons;

/**
 * The reasons of a risk evaluation in words (account/pages.en.ts `riskReasons`), for people: the activity lists
 * and the approval mail. An unknown name (a reason retired since the row was written) is shown as itself.
 */
export function riskReasonWords(reasons: readonly string[]): string[] {
  return reasons.map((r) => WORDS[r] ?? r.replaceAll("_", " "));
}

/** A recorded evaluation as one short line for the activity lists: "60 · a country … , a device …" or "0". */
export function riskLabel(risk: { score: number; reasons: readonly string[] } | null): string | null {
  if (!risk) return null;
  const words = riskReasonWords(risk.reasons);
  return words.length > 0 ? `${risk.score} · ${words.join(", ")}` : String(risk.score);
}
