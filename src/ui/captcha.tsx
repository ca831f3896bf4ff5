import type { Config } from "../platform/config";
import {
  DUMMY_TURNSTILE_TOKEN,
  passesEveryToken,
  type TurnstileAction,
} from "../platform/outbound/turnstile";

/** Cloudflare's widget script; the CSP lets it in by this response's nonce and frames from its origin. */
export const TURNSTILE_SCRIPT = "https://challenges.cloudflare.com/turnstile/v0/api.js";

/** What a form carries for Turnstile (../shared/API.md "Turnstile"). */
export type Captcha =
  | { kind: "dummy" }
  | { kind: "widget"; siteKey: string; action: TurnstileAction; nonce: string | undefined };

/**
 * The form's Turnstile field. With the always-pass test secret (development) the dummy token in a hidden field
 * and no widget, so no page requests anything off its own origin. Otherwise the widget — only where the
 * endpoint requires it (registration always; login and the second factor once the API answered
 * `captcha_required`: adaptive, most people never see it), rendered with the endpoint's `action`, which
 * siteverify's answer must name (platform/outbound/turnstile.ts).
 */
export function captchaFor(
  config: Pick<Config, "TURNSTILE_SECRET_KEY" | "TURNSTILE_SITE_KEY">,
  input: { action: TurnstileAction; required: boolean; nonce: string | undefined },
): Captcha | undefined {
  if (passesEveryToken(config.TURNSTILE_SECRET_KEY)) return { kind: "dummy" };
  if (!input.required || !config.TURNSTILE_SITE_KEY) return undefined;
  return { kind: "widget", siteKey: config.TURNSTILE_SITE_KEY, action: input.action, nonce: input.nonce };
}

/** The field itself: the widget writes its token into the form as `turnstileToken`. */
export function CaptchaField(props: { captcha: Captcha | undefined }) {
  const { captcha } = props;
  if (!captcha) return null;
  if (captcha.kind === "dummy")
    return <input type="hidden" name="turnstileToken" value={DUMMY_TURNSTILE_TOKEN} />;
  return (
    <>
      <div
        class="cf-turnstile"
        data-sitekey={captcha.siteKey}
        data-action={captcha.action}
        data-response-field-name="turnstileToken"
        data-theme="auto"
        data-size="flexible"
      />
      <script nonce={captcha.nonce} src={TURNSTILE_SCRIPT} async defer />
    </>
  );
}
