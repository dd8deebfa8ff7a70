import { sql } from 'kysely';
import { createApiKey, createUser, type IssuedKey, type ServiceContext } from '@callplane/schema/core';
import { hashKey } from '@callplane/schema/core';

export interface OperatorAccess {
  /** A key generated because no usable OPERATOR key existed: shown once. */
  generated: IssuedKey | null;
  /** What became of CALLPLANE_BOOTSTRAP_KEY, when set. */
  bootstrapKey: 'created' | 'present' | 'revoked' | 'expired' | null;
}

// Two processes starting at once on an empty database must not both make a key.
const LOCK = 0x63706b31; // "cpk1"

/**
 * Makes sure someone can log in: the key of CALLPLANE_BOOTSTRAP_KEY exists (found by its hash, so
 * a restart does not duplicate it; a revoked one stays revoked), and when no usable OPERATOR key
 * exists at all, one is generated.
 */
export async function ensureOperatorAccess(ctx: ServiceContext, opts: { bootstrapKey?: string }): Promise<OperatorAccess> {
  return ctx.db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${LOCK})`.execute(trx);
    const tx: ServiceContext = { ...ctx, db: trx };
    const now = ctx.clock.now();
    let bootstrapKey: OperatorAccess['bootstrapKey'] = null;
    if (opts.bootstrapKey) {
      const found = await trx.selectFrom('api_keys').selectAll().where('secret_hash', '=', hashKey(opts.bootstrapKey.trim())).executeTakeFirst();
      if (found && found.role !== 'OPERATOR') throw new Error(`CALLPLANE_BOOTSTRAP_KEY is already the key of a ${found.role} user: choose another secret`);
      if (!found) {
        await createApiKey(tx, { userId: (await operatorUser(tx, 'Bootstrap operator')).id, secret: opts.bootstrapKey.trim(), label: 'CALLPLANE_BOOTSTRAP_KEY' });
        bootstrapKey = 'created';
      } else bootstrapKey = found.revoked_at ? 'revoked' : found.expires_at && found.expires_at <= now ? 'expired' : 'present';
    }
    const usable = await trx
      .selectFrom('api_keys')
      .select('id')
      .where('role', '=', 'OPERATOR')
      .where('revoked_at', 'is', null)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .executeTakeFirst();
    const generated = usable ? null : await createApiKey(tx, { userId: (await operatorUser(tx, 'Operator')).id, label: 'first start' });
    return { generated, bootstrapKey };
  });
}

async function operatorUser(ctx: ServiceContext, name: string) {
  const existing = await ctx.db.selectFrom('users').selectAll().where('role', '=', 'OPERATOR').where('name', '=', name).orderBy('created_at').executeTakeFirst();
  return existing ?? createUser(ctx, { tenantId: null, name, email: 'operator@callplane.local', role: 'OPERATOR' });
}

/** The plain-text notice printed once for a generated key (not a log line: meant to be copied). */
export function operatorKeyNotice(secret: string, baseUrl: string): string {
  const rule = '─'.repeat(72);
  return [
    rule,
    ' First start: an OPERATOR key was created. It is shown only this once — keep it:',
    '',
    `   ${secret}`,
    '',
    ` Log in: open ${baseUrl}/ and paste the key into the dashboard, or call the API with`,
    `   Authorization: Bearer ${secret}`,
    ` (GraphiQL at ${baseUrl}/graphql; more keys: pnpm callplane key create --role OPERATOR)`,
    rule,
    '',
  ].join('\n');
}

export function bootstrapKeyNotice(state: OperatorAccess['bootstrapKey']): string | null {
  switch (state) {
    case 'created':
      return 'CALLPLANE_BOOTSTRAP_KEY: OPERATOR key created';
    case 'present':
      return 'CALLPLANE_BOOTSTRAP_KEY: OPERATOR key present';
    case 'revoked':
      return 'CALLPLANE_BOOTSTRAP_KEY names a revoked key: it stays revoked; set a new secret to get a working key';
    case 'expired':
      return 'CALLPLANE_BOOTSTRAP_KEY names an expired key: set a new secret to get a working key';
    default:
      return null;
  }
}
