// V3: minutes of the tenant's prepaid packages. A queued message holds one minute (reserved_minutes)
// on the unexpired package that expires first and still has one free; its outcome releases it and an
// answered message then deducts ceil(duration / 60 s) minutes, expiry first, spilling into the next.
//
// Lock order, the same everywhere, so that no two changes wait on each other in a cycle:
//   1. voice_messages rows (a report batch locks all of its messages in id order first);
//   2. voice_packages, in (expires_at, id) order, FOR UPDATE, all that a change may touch before it
//      changes any (lockPackagesFor): a release never locks its package ahead of the others.
// A minute held by another queued message is never taken: deductions take at most
// remaining − reserved of each package (the table's check refuses anything else anyway).
import { sql } from 'kysely';
import type { Tx } from '../../db/transaction.js';
import { DomainError } from '../../errors.js';
import type { VoicePackage } from './voice.table.js';

/** V3: talk time billed in whole minutes, a started minute counting whole (0 s → 0). */
export const billableMinutes = (durationSeconds: number): number => Math.ceil(durationSeconds / 60);

/** The tenant's packages unexpired at `at`, expiring first first, locked for this transaction. */
export function lockUnexpiredPackages(tx: Tx, tenantId: string, at: Date): Promise<VoicePackage[]> {
  return tx.trx
    .selectFrom('voice_packages')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('expires_at', '>', at)
    .orderBy('expires_at')
    .orderBy('id')
    .forUpdate()
    .execute();
}

/**
 * Every package a message's outcome may touch, locked in the one order before any is changed: the
 * packages of the messages' tenants unexpired at `from` (deductions) and the ones they hold a minute
 * on (releases, even when expired since). A report batch locks them all at once, so that its items
 * never take a lock out of order.
 */
export async function lockPackagesFor(tx: Tx, messages: readonly { tenant_id: string; reserved_package_id: string | null }[], from: Date): Promise<void> {
  if (!messages.length) return;
  const tenants = [...new Set(messages.map((m) => m.tenant_id))];
  const held = [...new Set(messages.flatMap((m) => (m.reserved_package_id ? [m.reserved_package_id] : [])))];
  await tx.trx
    .selectFrom('voice_packages')
    .select('id')
    .where('tenant_id', 'in', tenants)
    .where((eb) => (held.length ? eb.or([eb('expires_at', '>', from), eb('id', 'in', held)]) : eb('expires_at', '>', from)))
    .orderBy('expires_at')
    .orderBy('id')
    .forUpdate()
    .execute();
}

/** Holds one minute for a new message; none free anywhere is NO_MINUTES_LEFT (the caller writes nothing). */
export async function holdMinute(tx: Tx, tenantId: string): Promise<string> {
  const packages = await lockUnexpiredPackages(tx, tenantId, tx.now);
  const free = packages.find((p) => p.remaining_minutes - p.reserved_minutes >= 1);
  if (!free) throw new DomainError('NO_MINUTES_LEFT', 'no minute package of the tenant has a minute left: buy a package to send voice messages');
  await tx.trx.updateTable('voice_packages').set({ reserved_minutes: sql`reserved_minutes + 1`, updated_at: tx.now }).where('id', '=', free.id).execute();
  return free.id;
}

/** Gives back the minute a message held (its outcome came, or it timed out). */
export async function releaseMinute(tx: Tx, packageId: string): Promise<void> {
  await tx.trx
    .updateTable('voice_packages')
    .set({ reserved_minutes: sql`reserved_minutes - 1`, updated_at: tx.now })
    .where('id', '=', packageId)
    .where('reserved_minutes', '>', 0)
    .execute();
}

export interface Deduction {
  /** Minutes taken, per package, in the order taken. */
  usages: { packageId: string; minutes: number }[];
  /** What no package could cover (documented: not charged, never below 0). */
  unbilled: number;
}

/**
 * Deducts `minutes` for a message from the packages unexpired at `at`, expiring first first,
 * spilling into the next; writes the usages and a PACKAGE_USAGE_CHANGED per package touched.
 */
export async function deductMinutes(tx: Tx, m: { tenantId: string; messageId: string }, minutes: number, at: Date): Promise<Deduction> {
  const usages: Deduction['usages'] = [];
  let left = minutes;
  if (left > 0) {
    for (const p of await lockUnexpiredPackages(tx, m.tenantId, at)) {
      const take = Math.min(left, p.remaining_minutes - p.reserved_minutes);
      if (take <= 0) continue;
      const after = await tx.trx
        .updateTable('voice_packages')
        .set({ remaining_minutes: sql`remaining_minutes - ${take}`, updated_at: tx.now })
        .where('id', '=', p.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      await tx.trx.insertInto('voice_package_usages').values({ tenant_id: m.tenantId, package_id: p.id, message_id: m.messageId, minutes: take, created_at: tx.now }).execute();
      await emitPackageUsage(tx, after);
      usages.push({ packageId: p.id, minutes: take });
      left -= take;
      if (!left) break;
    }
  }
  return { usages, unbilled: left };
}

/** PACKAGE_USAGE_CHANGED: a package's remaining minutes changed (tenant data: no app, so no PARTNER key sees it). */
export async function emitPackageUsage(tx: Tx, p: VoicePackage): Promise<void> {
  await tx.emit({
    type: 'PACKAGE_USAGE_CHANGED',
    tenantId: p.tenant_id,
    subjectId: p.id,
    payload: {
      packageId: p.id,
      totalMinutes: p.total_minutes,
      remainingMinutes: p.remaining_minutes,
      expiresAt: p.expires_at.toISOString(),
      // the names the purchase's event uses (voice.packages.ts), so that one reader reads both
      total: p.total_minutes,
      remaining: p.remaining_minutes,
      reserved: p.reserved_minutes,
      change: 'USED',
    },
  });
}
