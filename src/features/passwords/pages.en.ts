/** Every word of the password pages (English). A second language is a second file with the same shape. */
export const PASSWORD_TEXT = {
  forgot: {
    title: "Forgot your password?",
    lead: "Enter your email address. If it belongs to an account, we mail you a link to set a new password.",
    email: "Email address",
    submit: "Send the link",
    sent: "If the address belongs to an account, a link is on its way. It works for one hour.",
    login: "Back to sign in",
  },
  reset: {
    title: "Set a new password",
    lead: "Choose a new password. You will be signed out everywhere and sign in with the new one.",
    password: "New password",
    submit: "Set password",
    again: "Ask for a new link",
  },
} as const;
