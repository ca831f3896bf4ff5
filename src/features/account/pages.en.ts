/** Every word of the account pages (English). A second language is a second file with the same shape. */
export const ACCOUNT_TEXT = {
  account: {
    title: "Your account",
    signedInAs: "Signed in as",
    name: "Name",
    team: "Team",
    role: "Role",
    noTeam: "No team",
    twoFactor: "Two-factor authentication",
    on: "On",
    off: "Off",
  },
} as const;
