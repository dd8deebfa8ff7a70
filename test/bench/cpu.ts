import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { connect } from '@callplane/schema/core';

/** User + system CPU time so far, in µs, of the server process and of the PostgreSQL backends on the database (Linux /proc; 0 elsewhere). */
export async function cpuOf(databaseUrl: string, serverPid: number): Promise<{ server: number; postgres: number }> {
  const { db, close } = connect(databaseUrl, { max: 1 });
  try {
    const backends = await sql<{ pid: number }>`select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`.execute(db);
    const micros = (pid: number) => {
      try {
        const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        return ((Number(fields[11]) + Number(fields[12])) / 100) * 1e6; // utime + stime, in USER_HZ ticks
      } catch {
        return 0;
      }
    };
    return { server: micros(serverPid), postgres: backends.rows.reduce((sum, b) => sum + micros(b.pid), 0) };
  } finally {
    await close();
  }
}
