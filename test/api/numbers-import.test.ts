import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importNumbersCsv } from '@callplane/server/cli/numbers-import.ts';
import { serviceWorld } from '../support/context.js';

let w: Awaited<ReturnType<typeof serviceWorld>>;
const dir = mkdtempSync(join(tmpdir(), 'callplane-numbers-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

beforeAll(async () => {
  w = await serviceWorld();
});
afterAll(() => w?.drop());

describe('N1: `pnpm callplane numbers import <file.csv>`', () => {
  it('N1: imports a CSV (BOM, Chinese regions, 400 tiers), reports bad rows by CSV line, and a second import adds nothing', async () => {
    const csv = file(
      'inventory.csv',
      '\uFEFFnumber,type,province,city,carrier,tier\n' +
        '010-12345678,LOCAL,北京,北京,CHINA_TELECOM,\n' +
        '\n' +
        '13800138000,MOBILE,广东,深圳,CHINA_MOBILE,\n' +
        '400-810-8888,TOLL_FREE_400,北京,北京,CHINA_UNICOM,PLATINUM\n' +
        '12345,LOCAL,北京,北京,CHINA_TELECOM,\n' +
        '0755-86013388,PBX,广东,深圳,CHINA_TELECOM,\n' +
        '0755-86013389,LOCAL,,,CHINA_TELECOM,\n',
    );
    const seen: number[] = [];
    const progress = { start: (n: number) => seen.push(n), advance: (n: number) => seen.push(n), stop: () => seen.push(-1) };
    const first = await importNumbersCsv(w.ctx(), csv, { progress });
    expect(first.created).toBe(3);
    expect(first.errors.map((e) => `${e.row}:${e.field}`)).toEqual(['6:number', '7:type', '8:province', '8:city']);
    expect(seen).toEqual([6, 6, -1]);
    const tf = await w.db.selectFrom('numbers').selectAll().where('e164', '=', '+864008108888').executeTakeFirstOrThrow();
    expect(tf).toMatchObject({ type: 'TOLL_FREE_400', tier: 'PLATINUM', province: '北京', status: 'AVAILABLE' });
    const dry = await importNumbersCsv(w.ctx(), csv, { dryRun: true });
    expect(dry).toMatchObject({ created: 0, skipped: 3 });
    const again = await importNumbersCsv(w.ctx(), csv);
    expect(again).toMatchObject({ created: 0, skipped: 3 });
  });

  it('N1: a file without the needed header columns is refused, naming what is needed', async () => {
    const csv = file('bad.csv', 'phone,kind\n010-12345678,LOCAL\n');
    await expect(importNumbersCsv(w.ctx(), csv)).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'file', message: expect.stringMatching(/number, type/) });
    await expect(importNumbersCsv(w.ctx(), join(dir, 'missing.csv'))).rejects.toMatchObject({ field: 'file' });
  });
});
