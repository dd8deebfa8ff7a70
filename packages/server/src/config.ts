import { z } from 'zod';
import { defaultSettings, type Settings } from '@callplane/schema/core';

const Env = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z.string().url().optional(),
  REDIS_URL: z.string().optional(),
  CALLPLANE_DATA_DIR: z.string().default('.data'),
  CALLPLANE_CLOCK: z.enum(['system', 'manual']).default('system'),
  CALLPLANE_BOOTSTRAP_KEY: z.string().min(16, 'CALLPLANE_BOOTSTRAP_KEY needs at least 16 characters').optional(),
  CALLPLANE_DEMO: z.enum(['0', '1', 'true', 'false', '']).optional(),
  CALLPLANE_SIMULATOR: z.enum(['on', 'off']).default('on'),
  CALLPLANE_WORKER: z.enum(['inline', 'off']).default('inline'),
  CALLPLANE_MAX_DOCUMENT_BYTES: z.coerce.number().int().positive().default(defaultSettings.maxDocumentBytes),
  CALLPLANE_RESERVATION_MINUTES: z.coerce.number().int().positive().default(defaultSettings.reservationMinutes),
  CALLPLANE_ACTIVATION_SECONDS: z.coerce.number().int().min(0).default(defaultSettings.numberActivationSeconds),
  CALLPLANE_INSTANCE_PROVISION_SECONDS: z.coerce.number().int().min(0).default(defaultSettings.instanceProvisionSeconds),
  CALLPLANE_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(defaultSettings.webhookTimeoutMs),
  CALLPLANE_CALL_RETENTION_MONTHS: z.coerce.number().int().min(2).max(1200).default(defaultSettings.callRetentionMonths),
  CALLPLANE_EXPIRY_GRACE_DAYS: z.coerce.number().int().min(0).default(defaultSettings.expiryGraceDays),
  CALLPLANE_VOICE_MESSAGE_TIMEOUT_SECONDS: z.coerce.number().int().min(60).max(7 * 86_400).default(defaultSettings.voiceMessageTimeoutSeconds),
  SMTP_URL: z.string().url().optional(),
  SMTP_FROM: z.string().default('Callplane <no-reply@callplane.local>'),
  CALLPLANE_CORS_ORIGINS: z.string().default(''),
  CALLPLANE_WS_KEEPALIVE_MS: z.preprocess(
    (v) => (v === '' ? undefined : v), // an empty value is the default, not 0 (no pings)
    z.coerce
      .number({ message: 'expected milliseconds: 0 (no pings) or 1000 to 600000' })
      .int('expected whole milliseconds: 0 (no pings) or 1000 to 600000')
      .refine((ms) => ms === 0 || (ms >= 1000 && ms <= 600_000), 'expected 0 (no pings) or 1000 to 600000 milliseconds')
      .default(12_000),
  ),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface Config {
  port: number;
  host: string;
  databaseUrl?: string;
  redisUrl?: string;
  dataDir: string;
  manualClock: boolean;
  bootstrapKey?: string;
  demo: boolean;
  /** With the demo: a gentle traffic simulator inside the server (CALLPLANE_SIMULATOR=off: none). */
  simulator: boolean;
  inlineWorker: boolean;
  logLevel: string;
  settings: Settings;
  /** Outbox emails are sent over SMTP when set (N3). */
  smtpUrl?: string;
  smtpFrom: string;
  /** Origins other than the server's own that browsers may call the API from. */
  corsOrigins: string[];
  /** WebSocket keep-alive: a ping this often, and a socket whose pong is not back this long after it is terminated; 0: none. */
  wsKeepAliveMs: number;
}

/** Reads the environment once; a bad value names the variable and stops the start. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new Error(`invalid environment: ${i.path.join('.')}: ${i.message}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL || undefined,
    dataDir: e.CALLPLANE_DATA_DIR,
    manualClock: e.CALLPLANE_CLOCK === 'manual',
    bootstrapKey: e.CALLPLANE_BOOTSTRAP_KEY,
    demo: e.CALLPLANE_DEMO === '1' || e.CALLPLANE_DEMO === 'true',
    simulator: e.CALLPLANE_SIMULATOR === 'on',
    inlineWorker: e.CALLPLANE_WORKER === 'inline',
    logLevel: e.LOG_LEVEL,
    settings: { ...defaultSettings, maxDocumentBytes: e.CALLPLANE_MAX_DOCUMENT_BYTES, reservationMinutes: e.CALLPLANE_RESERVATION_MINUTES, numberActivationSeconds: e.CALLPLANE_ACTIVATION_SECONDS, expiryGraceDays: e.CALLPLANE_EXPIRY_GRACE_DAYS, instanceProvisionSeconds: e.CALLPLANE_INSTANCE_PROVISION_SECONDS, webhookTimeoutMs: e.CALLPLANE_WEBHOOK_TIMEOUT_MS, callRetentionMonths: e.CALLPLANE_CALL_RETENTION_MONTHS, voiceMessageTimeoutSeconds: e.CALLPLANE_VOICE_MESSAGE_TIMEOUT_SECONDS },
    smtpUrl: e.SMTP_URL || undefined,
    smtpFrom: e.SMTP_FROM,
    corsOrigins: e.CALLPLANE_CORS_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean),
    wsKeepAliveMs: e.CALLPLANE_WS_KEEPALIVE_MS,
  };
}
