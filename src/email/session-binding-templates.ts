import type { TemplateDefinition } from "./blocks";

/**
 * The mail of session binding (auth/session-binding.ts, features/sessions/binding-mismatch.ts): a session was
 * used from a client its binding refuses, so it was revoked. Data: name?, device?, ip?, location? (the client
 * that was refused), resetUrl?.
 */
export const SESSION_BINDING_TEMPLATES = {
  session_binding: {
    links: ["resetUrl"],
    subject: () => "Security alert: we ended a sign-in on your account",
    body: (f, product) => {
      const resetUrl = f.optUrl("resetUrl");
      return [
        {
          kind: "p",
          text:
            `A sign-in to your ${product} account was used from another device or network than the one it ` +
            "started on, which can mean its cookies or tokens were copied. To protect you, we ended that sign-in.",
        },
        ...f.details(),
        {
          kind: "p",
          text: "If this was you (a new browser, or a different network), simply sign in again.",
        },
        ...(resetUrl === undefined
          ? [{ kind: "p" as const, text: "If it wasn't you, change your password right away." }]
          : [
              { kind: "p" as const, text: "If it wasn't you, someone may have copied your sign-in." },
              { kind: "button" as const, label: "Reset your password", url: resetUrl },
            ]),
      ];
    },
    footer: (_f, product) =>
      `You received this email because a sign-in to your ${product} account was used from a device or ` +
      "network it was not bound to. If this wasn't you, reset your password.",
  },
} as const satisfies Record<string, TemplateDefinition>;
