import { STRENGTH_METER_JS } from "./generated/strength-meter";

/** The meter's words, weakest first (zxcvbn scores 0..4). */
const LABELS = ["Very weak", "Weak", "Fair", "Good", "Strong"] as const;
const TEXT = { strength: "Password strength" } as const;

/** FNV-1a (32 bit), as for the stylesheet (ui/assets.ts): the bundle's name changes whenever it does. */
function fingerprint(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, "0");
}

/** The estimator bundle (zxcvbn-ts and its common dictionaries, ~230 KiB gzipped), cached immutable. */
export const STRENGTH_METER_PATH = `/assets/strength.${fingerprint(STRENGTH_METER_JS)}.js`;
export { STRENGTH_METER_JS };

/**
 * The meter under a new-password field: hidden until the estimator runs (without JavaScript nothing shows;
 * the server's rules decide either way). `inputs` name the form's other fields whose values weaken a password.
 */
export function StrengthMeter(props: { id: string }) {
  return (
    <div class="strength" id={props.id} data-labels={LABELS.join("|")} hidden>
      <meter min="0" max="4" low={2} high={3} optimum={4} value="0" aria-label={TEXT.strength} />
      <span data-label aria-live="polite" />
    </div>
  );
}

/**
 * The loader a page with a new-password field gets (a few hundred bytes, with the response's nonce; added by
 * renderPage only to such pages): the estimator is fetched when someone focuses the field, so visitors who never
 * type a new password download nothing.
 */
export function strengthLoaderScript(nonce: string | undefined): string {
  const src = JSON.stringify(STRENGTH_METER_PATH);
  const script = `(() => {
  const fields = document.querySelectorAll("input[data-strength]");
  if (fields.length === 0) return;
  const nonce = document.currentScript && document.currentScript.nonce;
  let loaded = false;
  const load = () => {
    if (loaded) return;
    loaded = true;
    const s = document.createElement("script");
    s.src = ${src};
    if (nonce) s.nonce = nonce;
    document.head.appendChild(s);
  };
  for (const f of fields) { f.addEventListener("focus", load, { once: true }); f.addEventListener("input", load, { once: true }); }
})();`;
  const attribute = nonce ? ` nonce="${nonce.replace(/[^A-Za-z0-9+/=_-]/g, "")}"` : "";
  return `<script${attribute}>${script}</script>`;
}
