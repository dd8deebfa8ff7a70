import { existsSync, readFileSync } from 'node:fs';
import { fromRoot, shown } from './paths.js';

/**
 * Reads `.env` at the checkout's root (or CALLPLANE_ENV_FILE; `none` reads nothing) into
 * `env`. Variables already set win, so `PORT=5000 pnpm start` overrides the file. Returns the
 * file read, or null.
 */
export function loadEnvFile(env: NodeJS.ProcessEnv = process.env): string | null {
  const name = env.CALLPLANE_ENV_FILE ?? '.env';
  if (!name || name === 'none') return null;
  const file = fromRoot(name);
  if (!existsSync(file)) {
    if (env.CALLPLANE_ENV_FILE) throw new Error(`CALLPLANE_ENV_FILE: ${file} does not exist`);
    return null;
  }
  for (const [i, raw] of readFileSync(file, 'utf8').split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) throw new Error(`${shown(file)}:${i + 1}: expected NAME=value`);
    let value = m[2]!;
    const quoted = /^(["'])(.*)\1$/.exec(value);
    value = quoted ? quoted[2]! : value.replace(/\s+#.*$/, '');
    if (env[m[1]!] === undefined) env[m[1]!] = value;
  }
  return shown(file);
}
