import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Log } from '../logger.js';
import { repoRoot } from './paths.js';

const dashboardPackage = join(repoRoot, 'packages', 'dashboard');
export const dashboardDist = join(dashboardPackage, 'dist');

/**
 * The built dashboard's folder, building it first when dist/index.html is missing (a fresh
 * checkout). Returns null, with one clear log line, when it cannot be built: the API still runs.
 * CALLPLANE_DASHBOARD_BUILD=0 skips the build (tests, API-only installs).
 */
export async function ensureDashboard(log: Log, env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  if (existsSync(join(dashboardDist, 'index.html'))) return dashboardDist;
  if (env.CALLPLANE_DASHBOARD_BUILD === '0') {
    log.info('dashboard not built and CALLPLANE_DASHBOARD_BUILD=0: serving the API only (build it with `pnpm build`)');
    return null;
  }
  const vite = join(dashboardPackage, 'node_modules', 'vite', 'bin', 'vite.js');
  if (!existsSync(join(dashboardPackage, 'index.html')) || !existsSync(vite)) {
    log.warn('dashboard not available (packages/dashboard has no buildable app, or `pnpm install` was not run): serving the API only');
    return null;
  }
  log.info('building the dashboard (first start, packages/dashboard/dist is missing): vite build …');
  const started = Date.now();
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(process.execPath, [vite, 'build'], { cwd: dashboardPackage, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', (err) => resolve({ code: -1, output: err.message }));
    child.on('close', (c) => resolve({ code: c, output }));
  });
  if (code === 0 && existsSync(join(dashboardDist, 'index.html'))) {
    log.info(`dashboard built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return dashboardDist;
  }
  log.warn({ output: output.trim().split('\n').slice(-20).join('\n') }, `dashboard build failed (exit ${code}): serving the API only; run \`pnpm build\` to see why`);
  return null;
}
