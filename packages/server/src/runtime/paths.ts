import { isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout's root: relative paths in the environment (CALLPLANE_DATA_DIR) are read from here, not from the cwd. */
export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

export const fromRoot = (path: string) => resolve(repoRoot, path);

/** A path as the user would type it: relative to the checkout when inside it. */
export function shown(path: string): string {
  const rel = relative(repoRoot, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}
