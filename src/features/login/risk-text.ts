import { ACCOUNT_TEXT } from "../account/pages.en";

const WORDS: Readonly<Record<string, string>> = ACCOUNT_TEXT.riskReasons;

/**
 * The reasons of a risk evaluation in words (account/pages.en.ts `riskReasons`), for people: the activity lists
 * and the approval mail. An unknown name (a reason retired since the row was written) is shown as itself.
 */
export function riskReasonWords(reasons: readonly string[]): string[] {
  return reasons.map((r) => WORDS[r] ?? r.replaceAll("_", " "));
}
