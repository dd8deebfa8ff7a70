import pg from 'pg';

/** A statement this process sent: its text and parameters. */
export interface SentQuery {
  text: string;
  values: unknown[];
}

/**
 * Runs `fn` and returns the SQL statements this process sends while it runs that match `pattern`
 * (every pg client of the process: the app's pool included).
 */
export async function captureQueries(pattern: RegExp, fn: () => Promise<unknown>): Promise<SentQuery[]> {
  const original = pg.Client.prototype.query;
  const sent: SentQuery[] = [];
  pg.Client.prototype.query = function (this: pg.Client, ...args: any[]) {
    const text = typeof args[0] === 'string' ? args[0] : args[0]?.text;
    if (pattern.test(text ?? '')) sent.push({ text, values: (typeof args[0] === 'string' ? args[1] : args[0]?.values) ?? [] });
    return (original as any).apply(this, args);
  } as typeof original;
  try {
    await fn();
  } finally {
    pg.Client.prototype.query = original;
  }
  return sent;
}

/** How many statements matching `pattern` `fn` sends: for "one query, not N" tests. */
export async function countQueries(pattern: RegExp, fn: () => Promise<unknown>): Promise<number> {
  return (await captureQueries(pattern, fn)).length;
}
