import { createHash, randomBytes } from 'node:crypto';

/**
 * Generated keys look like `cp_<prefix>_<secret>`. Only the prefix (to list and recognise a
 * key) and a SHA-256 of the whole key (to look it up) are stored; the key is shown once.
 */
export function generateKey(): { prefix: string; full: string } {
  const prefix = randomBytes(6).toString('hex');
  return { prefix, full: `cp_${prefix}_${randomBytes(24).toString('base64url')}` };
}

/** The listing prefix of any key, generated or supplied (CALLPLANE_BOOTSTRAP_KEY). */
export function prefixOf(full: string): string {
  const m = /^cp_([0-9a-f]{12})_/.exec(full);
  return m ? m[1]! : `h${hashKey(full).slice(0, 11)}`;
}

export const hashKey = (full: string) => createHash('sha256').update(full).digest('hex');
