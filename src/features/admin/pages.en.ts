/**
 * Every word of the platform-administration users pages and their frame (English): the shell and navigation
 * (page-kit.tsx), the landing, search, detail and confirmation views (page-views.tsx), the account actions'
 * labels, warnings and done notices (page-actions.ts). A second language is a second file with the same shape.
 */
export const ADMIN_TEXT = {
  shell: {
    titleSuffix: "Admin",
    home: "Administration",
    nav: "Administration",
  },
  sections: {
    users: "Users",
    audit: "Audit",
    analytics: "Analytics",
    import: "Import",
    abuse: "Abuse signals",
  },
  landing: {
    title: "Administration",
    roles: (roles: string) => `Signed in with the platform roles: ${roles}.`,
  },
  none: "—",
  any: "Any",
  on: "on",
  off: "off",
  search: {
    q: "Email or name starts with",
    status: "Status",
    platformRole: "Platform role",
    sort: "Sort by",
    order: "Order",
    teamId: "Member of team (id)",
    createdFrom: "Created from (UTC day)",
    createdTo: "Created until (UTC day)",
    submit: "Search",
    summary: (total: number, page: number, pages: number) => `${total} users · page ${page} of ${pages}`,
    pages: "Pages",
    previous: "Previous page",
    next: "Next page",
  },
  columns: {
    email: "Email",
    name: "Name",
    status: "Status",
    mfa: "2FA",
    platformRoles: "Platform roles",
    created: "Created (UTC)",
    lastLogin: "Last sign-in (UTC)",
  },
  detail: {
    team: (slug: string, role: string) => `${slug} (${role})`,
    name: "Name",
    status: "Status",
    mfa: "Two-factor authentication",
    platformRoles: "Platform roles",
    teams: "Teams",
    dates: "Created · last sign-in (UTC)",
    sessions: "Sessions",
    trustedDevices: "Trusted devices",
    loginActivity: "Login activity",
    risk: (label: string) => `risk ${label}`,
    audit: "Audit",
    empty: "None.",
  },
  confirm: {
    heading: (action: string, email: string) => `${action}: ${email}`,
    platformRoles: "Platform roles",
    reason: "Reason (kept in the audit log)",
    reasonOptional: "Reason (optional, kept in the audit log)",
    cancel: "Cancel",
  },
  actions: {
    lock: {
      label: "Lock account",
      warning:
        "The user is signed out everywhere at once and cannot sign in until unlocked. They are emailed.",
    },
    unlock: {
      label: "Unlock account",
      warning: "The user can sign in again. They are emailed.",
    },
    "revoke-sessions": {
      label: "Sign out everywhere",
      warning: "Every session of the user ends at once. They are emailed.",
    },
    "reset-2fa": {
      label: "Reset two-factor authentication",
      warning:
        "The authenticator and recovery codes stop working; the user sets 2FA up again. They are emailed.",
    },
    "resend-verification": {
      label: "Resend verification email",
      warning: "A fresh verification link is emailed to the address.",
    },
    roles: {
      label: "Change platform roles",
      warning: "The user's sessions end; a new role requires two-factor authentication at the next sign-in.",
    },
    erase: {
      label: "Erase user",
      warning:
        "Personal data is removed for good; audit entries stay with the user pseudonymised. Teams the user is alone in are deleted.",
    },
  },
  done: {
    lock: "The account is locked.",
    unlock: "The account is unlocked.",
    "revoke-sessions": "Every session ended.",
    "reset-2fa": "Two-factor authentication was reset.",
    "resend-verification": "A verification email is on its way.",
    roles: "Platform roles saved.",
    erased: "The user was erased.",
  },
} as const;
