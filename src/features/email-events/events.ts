/**
 * The providers' delivery events, read into one shape (pure). What counts as what (docs/email-delivery.md,
 * "Bounces and complaints"):
 * - Resend: `email.bounced` is a hard bounce (Resend: "permanently rejected"), unless its `bounce.type` says
 *   `Transient`; `email.complained` a complaint; `email.delivered`, `email.delivery_delayed` are recorded on the
 *   outbox row only. The event id is the Standard Webhooks message id (`webhook-id`/`svix-id`).
 * - Postmark: `RecordType` `Bounce` with a `Type` of HardBounce, BadEmailAddress, ManuallyDeactivated or
 *   Unsubscribe (or `Inactive: true`: Postmark deactivated the address) is a hard bounce; SpamNotification and
 *   SpamComplaint are complaints; other bounce types (SoftBounce, Transient, DnsError, AutoResponder, …) are
 *   soft; `SpamComplaint` is a complaint; `Delivery` is recorded. Postmark sends no event id: a bounce or
 *   complaint has its own `ID`, a delivery is identified by its message and recipient.
 * Anything else is `ignored` (answered 200, so the provider does not retry it).
 */
export type EmailEventKind = "hard_bounce" | "soft_bounce" | "complaint" | "delivered" | "delayed";

export interface EmailEvent {
  kind: EmailEventKind;
  eventId: string;
  /** The provider's id of the mail (matched against the outbox's `provider_message_id`). */
  providerMessageId: string | null;
  /** The outbox id the mail carried in its metadata (Postmark echoes it back). */
  outboxId: string | null;
  /** The recipient the event names, when it names one. */
  address: string | null;
}

export type ParsedEvent = { ok: true; event: EmailEvent } | { ok: false; ignored: string };

type Json = Record<string, unknown>;

const str = (value: unknown): string | null =>
  typeof value === "string" && value.length > 0 && value.length <= 320 ? value : null;

const obj = (value: unknown): Json =>
  value && typeof value === "object" && !Array.isArray(value) ? (value as Json) : {};

const RESEND_KINDS: Record<string, EmailEventKind> = {
  "email.bounced": "hard_bounce",
  "email.complained": "complaint",
  "email.delivered": "delivered",
  "email.delivery_delayed": "delayed",
};

export function parseResendEvent(body: unknown, eventId: string): ParsedEvent {
  const payload = obj(body);
  const type = str(payload.type) ?? "(none)";
  let kind = RESEND_KINDS[type];
  if (!kind) return { ok: false, ignored: type };
  const data = obj(payload.data);
  if (kind === "hard_bounce" && str(obj(data.bounce).type)?.toLowerCase() === "transient")
    kind = "soft_bounce";
  const to = Array.isArray(data.to) ? str(data.to[0]) : str(data.to);
  return {
    ok: true,
    event: { kind, eventId, providerMessageId: str(data.email_id), outboxId: null, address: to },
  };
}

const POSTMARK_HARD = new Set(["HardBounce", "BadEmailAddress", "ManuallyDeactivated", "Unsubscribe"]);
const POSTMARK_COMPLAINT = new Set(["SpamNotification", "SpamComplaint"]);

export function parsePostmarkEvent(body: unknown): ParsedEvent {
  const payload = obj(body);
  const recordType = str(payload.RecordType) ?? "(none)";
  const messageId = str(payload.MessageID);
  const outboxId = str(obj(payload.Metadata).outboxId);
  const id = typeof payload.ID === "number" || typeof payload.ID === "string" ? String(payload.ID) : null;
  if (recordType === "Bounce" || recordType === "SpamComplaint") {
    if (!id) return { ok: false, ignored: `${recordType} without ID` };
    const type = str(payload.Type) ?? "";
    const kind: EmailEventKind =
      recordType === "SpamComplaint" || POSTMARK_COMPLAINT.has(type)
        ? "complaint"
        : POSTMARK_HARD.has(type) || payload.Inactive === true
          ? "hard_bounce"
          : "soft_bounce";
    const address = str(payload.Email) ?? str(payload.Recipient);
    return {
      ok: true,
      event: { kind, eventId: `${recordType}:${id}`, providerMessageId: messageId, outboxId, address },
    };
  }
  if (recordType === "Delivery") {
    const recipient = str(payload.Recipient);
    if (!messageId) return { ok: false, ignored: "Delivery without MessageID" };
    return {
      ok: true,
      event: {
        kind: "delivered",
        eventId: `Delivery:${messageId}:${recipient ?? ""}`,
        providerMessageId: messageId,
        outboxId,
        address: recipient,
      },
    };
  }
  return { ok: false, ignored: recordType };
}
