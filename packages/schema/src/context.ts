import type { Kysely } from 'kysely';
import type { Actor } from './access/actor.js';
import type { Clock } from './clock.js';
import type { Database } from './db/database.js';
import type { EventBus } from './modules/events/events.bus.js';

/** What every domain service needs; it knows nothing of GraphQL or HTTP. */
export interface ServiceContext {
  db: Kysely<Database>;
  clock: Clock;
  bus: EventBus;
  /** null for system work (jobs, CLI). */
  actor: Actor | null;
  settings: Settings;
}

/** Tunables read by the rules; the server fills them from the environment. */
export interface Settings {
  maxDocumentBytes: number;
  reservationMinutes: number;
  /** Subscriptions re-read the events table this often when no bus notice came (RT2 safety net). */
  eventPollMs: number;
  /** N4: an EXPIRED number stays the tenant's (renewable) this long, then goes back to stock. */
  expiryGraceDays: number;
  /** N3: a paid application's numbers take effect (ACTIVE) this many seconds after payment. */
  numberActivationSeconds: number;
  /** I1: a new call-center instance is CREATING this many seconds before its provisioning job makes it RUNNING. */
  instanceProvisionSeconds: number;
  /** advanceClock waits this long for the jobs due by the new time, then answers JOBS_STILL_RUNNING. */
  advanceClockTimeoutMs: number;
  /** A resolved API key is used this long without asking the database again; a revocation ends it at once through the bus. */
  actorCacheMs: number;
  /** C3: a webhook delivery succeeds on a 2xx answer within this many milliseconds. */
  webhookTimeoutMs: number;
  /** C2, P9: months of call events and CDRs kept besides the current one (whole monthly partitions are dropped after). */
  callRetentionMonths: number;
  /** V3: a voice message still QUEUED or DELIVERING this long after it was sent becomes FAILED, its held minute released. */
  voiceMessageTimeoutSeconds: number;
}

export const defaultSettings: Settings = {
  maxDocumentBytes: 10 * 1024 * 1024,
  reservationMinutes: 30,
  eventPollMs: 5000,
  expiryGraceDays: 7,
  numberActivationSeconds: 60,
  instanceProvisionSeconds: 30,
  advanceClockTimeoutMs: 30_000,
  actorCacheMs: 2000,
  webhookTimeoutMs: 5000,
  callRetentionMonths: 13,
  voiceMessageTimeoutSeconds: 3600,
};
