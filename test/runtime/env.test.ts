import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@callplane/server/config.ts';
import { loadEnvFile } from '@callplane/server/runtime/env.ts';
import { repoRoot } from './process.js';

const dir = mkdtempSync(join(tmpdir(), 'callplane-env-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('.env (see .env.example)', () => {
  it('is read at start; variables already set win; comments, quotes and export are understood', () => {
    const file = join(dir, 'test.env');
    writeFileSync(
      file,
      ['# a comment', '', 'PORT=5050', 'export LOG_LEVEL=warn', 'CALLPLANE_BOOTSTRAP_KEY="a secret with # and spaces"', "REDIS_URL='redis://127.0.0.1:6379' ", 'HOST=127.0.0.1 # inline comment', 'CALLPLANE_CLOCK=manual'].join('\n'),
    );
    const env: NodeJS.ProcessEnv = { CALLPLANE_ENV_FILE: file, CALLPLANE_CLOCK: 'system' };
    expect(loadEnvFile(env)).toBe(file);
    const config = loadConfig(env);
    expect(config).toMatchObject({ port: 5050, host: '127.0.0.1', logLevel: 'warn', bootstrapKey: 'a secret with # and spaces', redisUrl: 'redis://127.0.0.1:6379', manualClock: false });
  });

  it('none reads nothing; a named file that is missing is an error; a bad line names its line', () => {
    expect(loadEnvFile({ CALLPLANE_ENV_FILE: 'none' })).toBeNull();
    expect(() => loadEnvFile({ CALLPLANE_ENV_FILE: join(dir, 'missing.env') })).toThrow(/does not exist/);
    const bad = join(dir, 'bad.env');
    writeFileSync(bad, 'PORT=1\nnot a setting\n');
    expect(() => loadEnvFile({ CALLPLANE_ENV_FILE: bad })).toThrow(/:2: expected NAME=value/);
  });

  it('every variable the server reads is documented in .env.example, and only those', () => {
    const example = readFileSync(join(repoRoot, '.env.example'), 'utf8');
    const documented = new Set([...example.matchAll(/^#?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
    const config = readFileSync(join(repoRoot, 'packages/server/src/config.ts'), 'utf8');
    const read = new Set([...config.matchAll(/^\s+([A-Z][A-Z0-9_]+): z\./gm)].map((m) => m[1]));
    for (const name of read) expect(documented, `${name} is missing from .env.example`).toContain(name);
    const runtimeOnly = new Set(['CALLPLANE_DASHBOARD_BUILD', 'CALLPLANE_ENV_FILE']);
    for (const name of documented) expect(read.has(name) || runtimeOnly.has(name), `${name} in .env.example is read by nothing`).toBe(true);
  });
});
