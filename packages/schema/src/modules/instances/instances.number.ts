// I1: which number an instance may be created with, and provisioned with.
import type { Kysely } from 'kysely';
import type { Actor } from '../../access/actor.js';
import { scopedFrom } from '../../access/scope.js';
import type { Database } from '../../db/database.js';
import type { ErrorCode } from '../../errors.js';
import { voiceNumberUse } from '../voice/voice.numbers.use.js';
import type { NumberRow } from '../numbers/numbers.table.js';

export interface NumberProblem {
  code: ErrorCode;
  reason: string;
}

/**
 * Why `n` cannot be the number of an instance of `tenantId` (null: it can): it must be an ACTIVE
 * number of the tenant, the number of no other instance (`self`: the instance being provisioned),
 * neither bought for another instance nor bound to another instance's flow. Reads go through the
 * reader's scope: another tenant's instances are not named.
 */
export async function numberProblem(
  reader: { db: Kysely<Database>; actor: Actor | null },
  n: NumberRow,
  tenantId: string,
  self: string | null,
): Promise<NumberProblem | null> {
  if (n.tenant_id !== tenantId)
    return { code: 'NUMBER_NOT_ACTIVE', reason: `${n.e164} is not one of the tenant's numbers (buy it first)` };
  if (n.status !== 'ACTIVE') return { code: 'NUMBER_NOT_ACTIVE', reason: `${n.e164} is ${n.status}: an instance needs an ACTIVE number` };
  let holding = scopedFrom(reader, 'instances').select('instances.name').where('instances.number_id', '=', n.id);
  if (self) holding = holding.where('instances.id', '!=', self);
  const holder = await holding.executeTakeFirst();
  if (holder) return inUse(`${n.e164} is the number of instance '${holder.name}'`);
  if (n.instance_id && n.instance_id !== self) {
    const owner = await scopedFrom(reader, 'instances').select('instances.name').where('instances.id', '=', n.instance_id).executeTakeFirst();
    return inUse(`${n.e164} belongs to instance '${owner?.name ?? 'another instance'}'`);
  }
  let bound = scopedFrom(reader, 'flow_numbers')
    .innerJoin('ivr_flows', 'ivr_flows.id', 'flow_numbers.flow_id')
    .innerJoin('instances', 'instances.id', 'flow_numbers.instance_id')
    .select(['ivr_flows.name as flow', 'instances.name as instance'])
    .where('flow_numbers.number_id', '=', n.id);
  if (self) bound = bound.where('flow_numbers.instance_id', '!=', self);
  const binding = await bound.executeTakeFirst();
  if (binding) return inUse(`${n.e164} is bound to flow '${binding.flow}' of instance '${binding.instance}'`);
  const voice = await voiceNumberUse(reader.db, n);
  if (voice) return { code: 'NUMBER_IN_USE', reason: voice };
  return null;
}

const inUse = (reason: string): NumberProblem => ({ code: 'NUMBER_IN_USE', reason: `${reason}: choose a number no instance uses` });
