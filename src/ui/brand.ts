/**
 * The branding every page shows: product name and support address. Gatehouse's own look is the default;
 * configuration variables for them come with the mails' branding (issue 16, item 6).
 */
export const BRAND = {
  productName: "Gatehouse",
  supportEmail: "support@gatehouse.local",
} as const;
