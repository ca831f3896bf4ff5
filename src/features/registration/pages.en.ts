/** Every word of the registration pages (English). A second language is a second file with the same shape. */
export const REGISTRATION_TEXT = {
  register: {
    title: "Create your account",
    lead: "Register and create your team. You become its owner.",
    email: "Email address",
    password: "Password",
    passwordHint: "At least 8 characters; a long phrase is best.",
    name: "Your name (optional)",
    teamName: "Team name",
    submit: "Create account",
    login: "Already registered? Sign in",
  },
  sent: {
    title: "Check your inbox",
    lines: [
      "We sent you a link to confirm your email address. Open it and press the button on the page.",
      "The link works for 24 hours. Nothing arrived? Look in your spam folder, or register again to get a new link.",
    ],
    login: "Go to sign in",
  },
} as const;
