import { Command, InvalidArgumentError } from 'commander';
import { composeModules, createTenant, DomainError } from '@callplane/schema/core';
import { createUserKey, formatKeyTable, listKeys, revokeKey } from './cli/keys.js';
import { step, withSession } from './cli/session.js';
import { runWorker } from './cli/worker.js';
import { describeMigrations } from './runtime/database.js';
import { demoSeedNotice, seedDemo } from './demo.js';
import { registerNumbersCommands } from './cli/numbers-import.js';
import { registerSimulateCommand } from './simulator/command.js';

// every command works with the modules' jobs, order-line effects and checks (seed-demo pays orders)
composeModules();

/** `pnpm callplane <command>`: administration next to (or without) a running server, on the same database. */
const program = new Command('callplane')
  .description('Callplane administration. Uses DATABASE_URL, or the embedded PostgreSQL under CALLPLANE_DATA_DIR (default .data/) like `pnpm start`.')
  .showHelpAfterError();

program
  .command('migrate')
  .description('apply pending database migrations (the server also does this at start)')
  .action(() =>
    withSession(async ({ applied }) => {
      console.log(applied.length ? `applied ${applied.length} migration(s): ${describeMigrations(applied)}` : 'the database is up to date');
    }),
  );

const key = program.command('key').description('API keys (stored hashed; a secret is shown once)');
key
  .command('create')
  .description('create a user with one API key and print the key once')
  .requiredOption('--role <ROLE>', 'OPERATOR, TENANT_ADMIN, SUPERVISOR or PARTNER')
  .option('--tenant <id-or-name>', 'the tenant (required except for OPERATOR)')
  .option('--name <name>', "the user's name")
  .option('--email <email>', "the user's email")
  .option('--label <label>', 'a label for the key')
  .option('--expires-in-days <days>', 'the key expires after this many days')
  .option('--json', 'print {secret, keyId, prefix, userId, role, tenantId} as JSON')
  .action((opts) =>
    withSession(async ({ ctx }) => {
      const { user, key, secret, tenant } = await createUserKey(ctx, opts);
      if (opts.json) {
        console.log(JSON.stringify({ secret, keyId: key.id, prefix: key.prefix, userId: user.id, role: key.role, tenantId: key.tenant_id }));
        return;
      }
      console.log(`Created ${key.role} user ${user.name} <${user.email}>${tenant ? ` in tenant "${tenant.name}"` : ''} and key ${key.prefix} (id ${key.id}).`);
      console.log(`The key is shown only this once:\n\n  ${secret}\n\nUse it as  Authorization: Bearer ${secret}  or paste it into the dashboard.`);
    }),
  );
key
  .command('list')
  .description('list keys (never their secrets)')
  .option('--prefix <prefix>', 'only keys whose prefix starts with this')
  .action((opts) =>
    withSession(async ({ ctx }) => {
      const rows = await listKeys(ctx, opts.prefix);
      process.stdout.write(rows.length ? formatKeyTable(rows, ctx.clock.now()) : 'no keys\n');
    }),
  );
key
  .command('revoke')
  .description('revoke a key by its prefix, its id or the key itself; its open subscriptions end')
  .argument('<prefix-or-id>')
  .action((ref: string) =>
    withSession(async ({ ctx }) => {
      const revoked = await revokeKey(ctx, ref);
      console.log(`revoked key ${revoked.prefix} (${revoked.role}, id ${revoked.id})`);
    }),
  );

program
  .command('tenant')
  .description('tenants')
  .command('create')
  .description('create a tenant and print its id')
  .argument('<name>')
  .option('--time-zone <zone>', 'IANA time zone for its months', 'Asia/Shanghai')
  .action((name: string, opts) =>
    withSession(async ({ ctx }) => {
      const t = await createTenant(ctx, { name, timeZone: opts.timeZone });
      console.log(`created tenant "${t.name}" with id ${t.id}`);
      console.log(`add its first admin: pnpm callplane key create --role TENANT_ADMIN --tenant ${t.id}`);
    }),
  );

program
  .command('seed-demo')
  .description('seed the demo tenant "Demo Telecom Ltd" with users and keys (idempotent; the same as CALLPLANE_DEMO=1)')
  .action(() =>
    withSession(async ({ ctx }) => {
      const seed = await step('seeding the demo tenant', () => seedDemo(ctx));
      process.stdout.write(demoSeedNotice(seed));
    }),
  );

program
  .command('worker')
  .description('run background jobs in this process (for servers started with CALLPLANE_WORKER=off, or more throughput)')
  .option('--concurrency <n>', 'jobs at once', (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a positive integer');
    return n;
  }, 2)
  .action((opts) => runWorker(opts));

registerNumbersCommands(program);
registerSimulateCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof DomainError) process.stderr.write(`error: ${err.message}${err.field ? ` (${err.field})` : ''}\n`);
  else process.stderr.write(`error: ${(err as Error)?.message ?? String(err)}\n`);
  process.exitCode = 1;
}
