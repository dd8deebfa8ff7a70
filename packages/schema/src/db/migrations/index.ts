import type { Migration } from 'kysely';
import * as foundation from './2026_11_25_0001_foundation.js';
import * as qualifications from './2026_11_25_0002_qualifications.js';
import * as numbers from './2026_11_25_0003_numbers.js';
import * as applications from './2026_11_25_0004_applications.js';
import * as appScope from './2026_11_30_0005_app_scope.js';
import * as manualClock from './2026_11_30_0006_manual_clock.js';
import * as instances from './2026_12_01_0007_instances.js';
import * as privacy from './2026_12_01_0008_privacy.js';
import * as calls from './2026_12_01_0009_calls.js';
import * as webhooks from './2026_12_01_0010_webhooks.js';
import * as sms from './2026_12_01_0011_sms.js';
import * as voice from './2026_12_01_0012_voice.js';
import * as statements from './2026_12_01_0013_statements.js';
import * as voiceMore from './2026_12_01_0014_voice_more.js';
import * as statementsMore from './2026_12_01_0016_statements_more.js';
import * as voicePush from './2026_12_01_0017_voice_push.js';
import * as callIngest from './2026_12_01_0018_call_ingest.js';
import * as cdrsCalledIdx from './2026_12_01_0019_cdrs_called_idx.js';
import * as callRows from './2026_12_01_0020_call_rows.js';
import * as eventRuns from './2026_12_01_0021_event_runs.js';
import * as callIndexes from './2026_12_01_0022_call_indexes.js';
import * as cdrIndexes from './2026_12_01_0023_cdr_indexes.js';
import * as outboxLz4 from './2026_12_01_0024_outbox_lz4.js';
import * as switchCallOrder from './2026_12_01_0025_switch_call_order.js';
import * as cdrEndIndexes from './2026_12_01_0026_cdr_end_indexes.js';
import * as openDeliveries from './2026_12_01_0027_open_deliveries.js';
import * as deliveryCounts from './2026_12_01_0028_delivery_counts.js';
import * as callsFillfactor from './2026_12_01_0029_calls_fillfactor.js';

/** Every migration, keyed by its dated name; files are frozen once shipped. */
export const migrations: Record<string, Migration> = {
  '2026_11_25_0001_foundation': foundation,
  '2026_11_25_0002_qualifications': qualifications,
  '2026_11_25_0003_numbers': numbers,
  '2026_11_25_0004_applications': applications,
  '2026_11_30_0005_app_scope': appScope,
  '2026_11_30_0006_manual_clock': manualClock,
  '2026_12_01_0007_instances': instances,
  '2026_12_01_0008_privacy': privacy,
  '2026_12_01_0009_calls': calls,
  '2026_12_01_0010_webhooks': webhooks,
  '2026_12_01_0011_sms': sms,
  '2026_12_01_0012_voice': voice,
  '2026_12_01_0013_statements': statements,
  '2026_12_01_0014_voice_more': voiceMore,
  '2026_12_01_0016_statements_more': statementsMore,
  '2026_12_01_0017_voice_push': voicePush,
  '2026_12_01_0018_call_ingest': callIngest,
  '2026_12_01_0019_cdrs_called_idx': cdrsCalledIdx,
  '2026_12_01_0020_call_rows': callRows,
  '2026_12_01_0021_event_runs': eventRuns,
  '2026_12_01_0022_call_indexes': callIndexes,
  '2026_12_01_0023_cdr_indexes': cdrIndexes,
  '2026_12_01_0024_outbox_lz4': outboxLz4,
  '2026_12_01_0025_switch_call_order': switchCallOrder,
  '2026_12_01_0026_cdr_end_indexes': cdrEndIndexes,
  '2026_12_01_0027_open_deliveries': openDeliveries,
  '2026_12_01_0028_delivery_counts': deliveryCounts,
  '2026_12_01_0029_calls_fillfactor': callsFillfactor,
};
