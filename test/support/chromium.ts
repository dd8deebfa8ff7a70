import { existsSync } from 'node:fs';
import sparticuz from '@sparticuz/chromium';

export interface ChromiumChoice {
  executablePath: string;
  /** Which browser the browser tests use, for the run's log. */
  description: string;
}

const DEBIAN = '/usr/bin/chromium';

/**
 * The browser the browser tests drive: `CHROMIUM_PATH` when set, else Debian's Chromium when it is
 * installed, else the headless Chromium shipped inside the @sparticuz/chromium package, unpacked
 * from node_modules to the temporary folder (once: later runs reuse it). Nothing is downloaded.
 * Called once per run, from the global setup, so that test files never unpack it side by side.
 */
export async function findChromium(): Promise<ChromiumChoice> {
  const chosen = process.env.CHROMIUM_PATH;
  if (chosen) return { executablePath: chosen, description: `${chosen} (CHROMIUM_PATH)` };
  if (existsSync(DEBIAN)) return { executablePath: DEBIAN, description: `${DEBIAN} (the system's Chromium)` };
  const executablePath = await sparticuz.executablePath();
  return {
    executablePath,
    description: `${executablePath}, unpacked from the @sparticuz/chromium package (no ${DEBIAN}; set CHROMIUM_PATH for another browser)`,
  };
}
