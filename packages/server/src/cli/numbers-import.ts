import { createReadStream, existsSync } from 'node:fs';
import type { Command } from 'commander';
import { parse } from 'csv-parse';
import { Presets, SingleBar } from 'cli-progress';
import { ValidationError, type ServiceContext } from '@callplane/schema/core';
import { importNumbers, type ImportResult, type NumberImportRow } from '@callplane/schema/core';
import { withSession } from './session.js';

/** Rows sent to the service at a time: one transaction each, so a huge file never holds one long transaction. */
const BATCH = 500;
const COLUMNS = ['number', 'type', 'province', 'city', 'carrier', 'tier'] as const;

export interface CsvImportProgress {
  start(total: number): void;
  advance(by: number): void;
  stop(): void;
}

/**
 * N1: imports a CSV inventory file (header row: number,type,province,city,carrier[,tier]; `e164`
 * is accepted for `number`). Error rows name their CSV line. Idempotent like the service.
 */
export async function importNumbersCsv(
  ctx: ServiceContext,
  file: string,
  opts: { dryRun?: boolean; progress?: CsvImportProgress } = {},
): Promise<ImportResult> {
  if (!existsSync(file)) throw new ValidationError('file', `${file} does not exist`);
  const rows: NumberImportRow[] = [];
  const parser = createReadStream(file).pipe(
    parse({ bom: true, trim: true, skip_empty_lines: true, relax_column_count: true, info: true, columns: (header: string[]) => header.map(headerName) }),
  );
  for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
    if (rows.length === 0 && !('number' in record && 'type' in record))
      throw new ValidationError('file', `the header row needs the columns ${COLUMNS.join(', ')} (tier for 400 numbers)`);
    rows.push({ ...record, number: record.number ?? '', type: record.type ?? '', row: info.lines });
  }
  const total: ImportResult = { created: 0, skipped: 0, errors: [] };
  opts.progress?.start(rows.length);
  try {
    for (let i = 0; i < rows.length; i += BATCH) {
      const batch = rows.slice(i, i + BATCH);
      const r = await importNumbers(ctx, batch, { dryRun: opts.dryRun });
      total.created += r.created;
      total.skipped += r.skipped;
      total.errors.push(...r.errors);
      opts.progress?.advance(batch.length);
    }
  } finally {
    opts.progress?.stop();
  }
  return total;
}

const headerName = (h: string) => {
  const name = h.trim().toLowerCase();
  return name === 'e164' ? 'number' : name;
};

function progressBar(): CsvImportProgress {
  const bar = new SingleBar(
    { format: '  importing [{bar}] {percentage}% | {value}/{total} rows | {eta}s left', stream: process.stderr, hideCursor: true },
    Presets.shades_classic,
  );
  return { start: (total) => bar.start(total, 0), advance: (by) => bar.increment(by), stop: () => bar.stop() };
}

/** `pnpm callplane numbers import <file.csv>` */
export function registerNumbersCommands(program: Command): void {
  const numbers = program.command('numbers').description('the number inventory (N1)');
  numbers
    .command('import')
    .description('add numbers from a CSV file to stock; columns number,type,province,city,carrier[,tier]; importing again adds nothing')
    .argument('<file.csv>')
    .option('--dry-run', 'check every row and count, without adding anything')
    .action((file: string, opts: { dryRun?: boolean }) =>
      withSession(async ({ ctx }) => {
        const r = await importNumbersCsv(ctx, file, { dryRun: opts.dryRun, progress: progressBar() });
        const verb = opts.dryRun ? 'would add' : 'added';
        console.log(`${verb} ${r.created} number(s); ${r.skipped} already present; ${r.errors.length} error(s)`);
        for (const e of r.errors) console.log(`  line ${e.row}: ${e.field}: ${e.message}`);
        if (r.errors.length) process.exitCode = 1;
      }),
    );
}
