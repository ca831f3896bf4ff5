/**
 * Gatehouse's own team event types: what Gatehouse itself publishes to a team's event stream (GET /api/v1/events).
 * These names are reserved: a team's backend publishing through POST /api/v1/teams/:teamId/events may use any
 * other short dotted name, never one of these (422), so a subscriber can trust that a `member.removed` came from
 * Gatehouse. Event data carries ids, names and roles only — never a secret, never another person's email.
 */
export const GATEHOUSE_EVENTS = {
  "member.joined": "A user joined the team (invitation accepted). data: { userId, name, role }",
  "member.removed": "A member was removed from the team or left it. data: { userId }",
  "member.role_changed": "A member's role changed. data: { userId, role, previousRole }",
  "invitation.sent": "An invitation was sent. data: { invitationId, role }",
  "invitation.accepted": "An invitation was accepted. data: { invitationId, userId, role }",
  "api_key.created": "An API key was created. data: { keyId, name, prefix }",
  "api_key.revoked": "An API key was revoked. data: { keyId }",
  "ownership.transferred": "The team's ownership moved to another member. data: { fromUserId, toUserId }",
  "virtuozzo.connected": "A Virtuozzo connection was set up. data: { connectionId }",
  "virtuozzo.refreshed": "A Virtuozzo connection's credentials were refreshed. data: { connectionId }",
  "virtuozzo.failed": "A Virtuozzo connection failed and needs attention. data: { connectionId, reason }",
  "virtuozzo.disconnected": "A Virtuozzo connection was removed. data: { connectionId }",
  "plan.changed": "The team's plan changed. data: { plan, previousPlan }",
  "limits.changed": "The team's limits changed. data: { limits }",
  "spend.warning": "The team's spend crossed a warning threshold. data: { threshold, period }",
} as const;

export type GatehouseEventType = keyof typeof GATEHOUSE_EVENTS;

/** True when `type` is one of Gatehouse's own (reserved) event types. */
export function isGatehouseEventType(type: string): type is GatehouseEventType {
  return Object.hasOwn(GATEHOUSE_EVENTS, type);
}
