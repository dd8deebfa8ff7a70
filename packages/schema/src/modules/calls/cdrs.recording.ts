// P9: a CDR's recording, for GET /recordings/<cdr id>. The platform stores no audio yet: the switch
// reports where it keeps the recording (recordingUrl), and the download answers with that reference.
import type { ServiceContext } from '../../context.js';
import { findScoped } from '../../access/scope.js';
import { NotFoundError } from '../../errors.js';

export interface CdrRecording {
  cdrId: string;
  recordingUrl: string;
  /** I5: the instance's analysis add-on was on when the call ended. */
  forAnalysis: boolean;
}

/**
 * The recording reference of a CDR the key may read (through the cdrs policy): another tenant's or
 * another app's CDR is NOT_FOUND like a missing one; a visible CDR without a recording too.
 */
export async function recordingOfCdr(ctx: ServiceContext, cdrId: string): Promise<CdrRecording> {
  const cdr = await findScoped(ctx, 'cdrs', cdrId);
  if (!cdr) throw new NotFoundError('CDR', 'id');
  if (!cdr.recording_url) throw new NotFoundError('recording of this CDR', 'id');
  return { cdrId: cdr.id, recordingUrl: cdr.recording_url, forAnalysis: cdr.recording_for_analysis };
}
