import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

export interface ChromiumChoice {
  executablePath: string;
  /** Which browser the browser tests use, for the run's log. */
  description: string;
}

const DEBIAN = '/usr/bin/chromium';

/**
 * The browser the browser tests drive: `CHROMIUM_PATH` when set, else Debian's Chromium when it is
 * installed, else the headless Chromium shipped inside the @sparticuz/chromium package. Nothing is
 * downloaded. Called once per run, from the global setup.
 */
export async function findChromium(): Promise<ChromiumChoice> {
  const chosen = process.env.CHROMIUM_PATH;
  if (chosen) return { executablePath: chosen, description: `${chosen} (CHROMIUM_PATH)` };
  if (existsSync(DEBIAN)) return { executablePath: DEBIAN, description: `${DEBIAN} (the system's Chromium)` };
  const { executablePath, version } = await packagedChromium();
  return {
    executablePath,
    description: `${executablePath}, unpacked from @sparticuz/chromium ${version} (no ${DEBIAN}; set CHROMIUM_PATH for another browser)`,
  };
}

/**
 * The package's `executablePath()` unpacks into os.tmpdir() and reuses whatever `chromium` it finds
 * there, even one cut short. So it runs in a child process whose TMPDIR is a fresh folder, renamed
 * to `callplane-chromium-<version>` once complete: later runs reuse it, and neither an interrupted
 * unpack nor two runs unpacking at once leave a broken browser behind.
 */
async function packagedChromium(): Promise<{ executablePath: string; version: string }> {
  const entry = createRequire(import.meta.url).resolve('@sparticuz/chromium');
  const { version } = JSON.parse(readFileSync(join(dirname(entry), '../../package.json'), 'utf8')) as { version: string };
  const dir = join(tmpdir(), `callplane-chromium-${version}`);
  if (!existsSync(join(dir, 'chromium'))) {
    const partial = mkdtempSync(`${dir}.partial-`);
    try {
      const unpack = `require(${JSON.stringify(entry)}).executablePath().then((p) => process.stdout.write(p))`;
      await promisify(execFile)(process.execPath, ['-e', unpack], { env: { ...process.env, TMPDIR: partial } });
      renameSync(partial, dir);
    } catch (err) {
      rmSync(partial, { recursive: true, force: true });
      if (!existsSync(join(dir, 'chromium'))) throw err; // else another run finished first
    }
  }
  return { executablePath: join(dir, 'chromium'), version };
}
