/** Every word of the login pages (English). A second language is a second file with the same shape. */
export const LOGIN_TEXT = {
  login: {
    title: "Sign in",
    email: "Email address",
    password: "Password",
    rememberMe: "Keep me signed in on this device",
    submit: "Sign in",
    forgot: "Forgot your password?",
    register: "New here? Create an account",
    verified: "Your email address is confirmed. Sign in to continue.",
    reset: "Your password was changed. Sign in with the new one.",
    expired: "Your sign-in took too long. Please start again.",
    unsupportedStep: (step: string) =>
      `This sign-in needs one more step (${step}) that these pages do not offer yet. Use your app to finish it.`,
  },
  team: {
    title: "Choose a team",
    lead: "Your account belongs to several teams. Which one do you want to work in?",
    legend: "Teams",
    role: (role: string) => `(${role})`,
    submit: "Continue",
    none: "Continue without a team",
  },
} as const;
