/**
 * Every word of the analytics page `/admin/analytics` and the overview at the top of `/admin` (English), with the
 * number formats they show. A second language is a second file with the same shape.
 */
export const ANALYTICS_TEXT = {
  title: "Analytics",
  form: {
    from: "From (UTC day)",
    to: "To (UTC day)",
    submit: "Show",
  },
  range: (from: string, to: string) => `${from} to ${to}`,
  percent: (v: number) => `${(v * 100).toFixed(1)} %`,
  totals: {
    logins: "Sign-in attempts",
    successful: "Successful",
    failed: "Failed",
    suspicious: "Suspicious",
    deviceApprovals: "Device approvals",
    passwordResets: "Password resets",
    lockouts: "Lockouts",
    avgSession: "Average session",
  },
  share: (count: number, percent: string) => `${count} (${percent})`,
  shareOfSuccessful: (count: number, percent: string) => `${count} (${percent} of successful)`,
  shareOfAttempts: (count: number, percent: string) => `${count} (${percent} of attempts)`,
  minutes: (minutes: number) => `${minutes} min`,
  perDay: "Per day",
  perDayTable: "The figures per day",
  daily: {
    day: "Day",
    successful: "Successful",
    failed: "Failed",
    suspicious: "Suspicious",
    lockouts: "Lockouts",
  },
  chart: {
    label: (first: string, last: string, peak: number) =>
      `Sign-ins per day from ${first} to ${last}: successes and failures (peak ${peak})`,
    legend: "— successes · - - failures",
  },
  overview: {
    metrics: {
      loginSuccesses: "Sign-ins",
      loginFailures: "Failed sign-ins",
      suspiciousLogins: "Suspicious sign-ins",
      lockouts: "Lockouts",
    },
    title: (today: string) => `Today (${today}, UTC)`,
    compare: (yesterday: number, weekAverage: number) =>
      `Yesterday ${yesterday} · 7-day average ${weekAverage}`,
    more: "Rates, sessions and any date range",
    trendLabel: (label: string, first: string, values: string) =>
      `${label} per day from ${first} to today: ${values}`,
    trendEnd: (peak: number) => `today · peak ${peak}`,
  },
} as const;
