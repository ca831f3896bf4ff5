/** Every word of the inline step-up ("Confirm it's you") form (English). A second language is a second file. */
export const STEP_UP_TEXT = {
  title: "Confirm it's you",
  why: "This is a sensitive change. Please confirm it's you to continue.",
  password: "Your password",
  code: "Code from your authenticator app (or a recovery code)",
  submit: "Confirm",
  after:
    "Once confirmed, you return to the page: press your button again. You will not be asked again for a few minutes.",
  cancel: "Cancel",
} as const;
