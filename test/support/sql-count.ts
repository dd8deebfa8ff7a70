import pg from 'pg';

/**
 * Runs `fn` and counts the SQL statements this process sends while it runs that match `pattern`
 * (every pg client of the process: the app's pool included): for "one query, not N" tests.
 */
export async function countQueries(pattern: RegExp, fn: () => Promise<unknown>): Promise<number> {
  const original = pg.Client.prototype.query;
  let n = 0;
  pg.Client.prototype.query = function (this: pg.Client, ...args: any[]) {
    const text = typeof args[0] === 'string' ? args[0] : args[0]?.text;
    if (pattern.test(text ?? '')) n++;
    return (original as any).apply(this, args);
  } as typeof original;
  try {
    await fn();
  } finally {
    pg.Client.prototype.query = original;
  }
  return n;
}
