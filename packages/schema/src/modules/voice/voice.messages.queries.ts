// V3: the voice messages a key may see (scopedFrom: the tenant's for its admin and supervisors, the
// app's own for a PARTNER key), by app and status.
import type { ServiceContext } from '../../context.js';
import { scopedFrom, validIds } from '../../access/scope.js';
import type { VoiceMessageStatus } from './voice.table.js';

export interface VoiceMessageFilter {
  appId?: string | null;
  status?: VoiceMessageStatus | null;
}

export function voiceMessagesQuery(ctx: ServiceContext, f: VoiceMessageFilter = {}) {
  let q = scopedFrom(ctx, 'voice_messages').selectAll();
  if (f.appId) q = validIds([f.appId]).length ? q.where('voice_messages.app_id', '=', f.appId) : q.where((eb) => eb.val(false));
  if (f.status) q = q.where('voice_messages.status', '=', f.status);
  return q;
}
