/** Every word of the abuse-signals page `/admin/abuse` (English). A second language is a second file. */
export const ABUSE_TEXT = {
  title: "Abuse signals",
  intro:
    "Networks under a credential-stuffing, password-spraying or sign-up-burst signal right now. Their logins must pass the CAPTCHA and are throttled; their sign-ups are refused. Other networks are unaffected. A signal ends by itself once the network stops.",
  none: "No network is under a signal now.",
  columns: { kind: "Signal", network: "Network", since: "Since", until: "Lasts until" },
  kind: {
    credential_stuffing: "Credential stuffing",
    password_spraying: "Password spraying",
    signup_burst: "Sign-up burst",
  },
  level: { ip: "Address", prefix: "Address block", asn: "Network (ASN)" },
  network: (level: string, key: string) => `${level}: ${key}`,
  utc: (iso: string) => `${String(iso).slice(0, 16).replace("T", " ")} UTC`,
  count: (n: number) => (n === 1 ? "1 signal" : `${n} signals`),
  docs: "How the signals work and which settings tune them: docs/abuse-signals.md.",
} as const;
