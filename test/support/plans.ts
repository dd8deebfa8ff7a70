import pg from 'pg';

type Plan = { 'Node Type': string; 'Index Name'?: string; 'Index Cond'?: string; 'Recheck Cond'?: string; Filter?: string; Plans?: Plan[] };
const nodes = (p: Plan): Plan[] => [p, ...(p.Plans ?? []).flatMap(nodes)];

/**
 * A bulk insert over `generate_series(1, N)` as statements of `size` rows each. Each commits on its
 * own, so no transaction stays open for long: events are readable only below the oldest open
 * writing transaction of the whole cluster (RT1), and a 20 000-row insert held other test files'
 * event cursors back for as long as it ran.
 */
export function inChunks(statement: string, size = 2_000): string[] {
  const m = /generate_series\(1, (\d+)\)/.exec(statement);
  if (!m) throw new Error('inChunks: the statement has no generate_series(1, N)');
  const n = Number(m[1]);
  return Array.from({ length: Math.ceil(n / size) }, (_, k) => statement.replace(m[0], `generate_series(${k * size + 1}, ${Math.min(n, (k + 1) * size)})`));
}

/** Runs statements on a connection of their own (bulk rows a test plans against, then ANALYZE). */
export async function runSql(databaseUrl: string, ...statements: string[]): Promise<void> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    for (const s of statements) await db.query(s);
  } finally {
    await db.end();
  }
}

/** The rows of one query, on a connection of its own (what a test checks an API answer against). */
export async function queryRows<R = any>(databaseUrl: string, text: string, values: readonly unknown[] = []): Promise<R[]> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    return (await db.query(text, values as unknown[])).rows as R[];
  } finally {
    await db.end();
  }
}

/** PostgreSQL's plan of a statement (as captureQueries saw it sent): its node types, the indexes it reads, their conditions (index and recheck) and the rows' filters. */
export async function planOf(databaseUrl: string, text: string, values: readonly unknown[]): Promise<{ types: string[]; indexes: string[]; indexConds: string[]; filters: string[] }> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const [{ 'QUERY PLAN': [top] }] = (await db.query(`explain (format json) ${text}`, values as unknown[])).rows as { 'QUERY PLAN': { Plan: Plan }[] }[];
    const plan = nodes(top!.Plan);
    const all = (k: 'Index Cond' | 'Recheck Cond' | 'Filter') => plan.flatMap((n) => (n[k] ? [n[k]!] : []));
    return { types: plan.map((n) => n['Node Type']), indexes: plan.flatMap((n) => (n['Index Name'] ? [n['Index Name']] : [])), indexConds: [...all('Index Cond'), ...all('Recheck Cond')], filters: all('Filter') };
  } finally {
    await db.end();
  }
}
