/** Every event type; modules add theirs here so the GraphQL enum and filters know them. */
export const EVENT_TYPES = [
  'TENANT_CREATED',
  'API_KEY_REVOKED',
  'QUALIFICATION_STATUS_CHANGED',
  'NUMBERS_IMPORTED',
  'NUMBER_STATUS_CHANGED',
  'NUMBER_RENEWED',
  'NUMBER_AUTO_RENEW_CHANGED',
  'ORDER_STATUS_CHANGED',
  'BALANCE_CHANGED',
  'TARIFF_CHANGED',
  'APPLICATION_STATUS_CHANGED',
  'UNSUBSCRIBE_BATCH_STATUS_CHANGED',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];
