/**
 * Every word of the user-import pages `/admin/import` and `/admin/import/:jobId` (English), with the copy of the
 * upload form's own refusals. A second language is a second file with the same shape.
 */
export const IMPORT_TEXT = {
  title: "Import",
  upload: {
    introLead: "Invite users from a CSV file with the header",
    header: "email,name,team,role",
    intro: (maxRows: string) =>
      `(team: its slug or id; role: a role name of that team), up to ${maxRows} rows and 5 MB. Every row is checked first; the invitations are then mailed in the background. Uploading the same file again shows its import instead of inviting anyone twice.`,
    file: "CSV file",
    submit: "Upload and invite",
  },
  status: {
    queued: "Queued",
    running: "Running",
    done: "Done",
    failed: "Failed (a part of the file could not be processed; upload it again to resume)",
  },
  job: {
    heading: (id: string) => `Import ${id}`,
    status: "Status:",
    refreshing: " — this page refreshes every 2 seconds.",
    rows: "Rows",
    processed: "Processed",
    invited: "Invited",
    skipped: "Skipped (already a member or invited)",
    errors: "Errors",
    notInvited: "Rows not invited",
    row: "Row",
    email: "Email",
    code: "Code",
    reason: "Reason",
    another: "Import another file",
  },
  refusals: {
    crossSite: "This form was sent from another site.",
    multipart: "Send the form as multipart/form-data.",
    unreadable: "The form could not be read.",
    noFile: "Choose a CSV file.",
    tooLarge: (bytes: number) => `The file must not exceed ${bytes} bytes (5 MB).`,
  },
} as const;
