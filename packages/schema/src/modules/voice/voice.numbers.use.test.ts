import { afterAll, beforeAll, expect, it } from 'vitest';
import { acmeAndBeta, type ServiceWorld, type TenantFixture } from '../../../../../test/support/context.js';
import { failsWith } from '../../../../../test/support/errors.js';
import { insertQualification } from '../../../../../test/support/qualifications.js';
import { topUpBalance } from '../billing/billing.service.js';
import { importNumbers } from '../numbers/numbers.inventory.js';
import { createInstance } from '../instances/instances.service.js';
import { createPrivacyApp, moveNumbersToPool } from '../privacy/privacy.service.js';
import { createVoiceApp } from './voice.apps.js';
import { openVoiceNumbers } from './voice.numbers.js';

/** V1: a number opened for a voice app plays its messages and serves nothing else while open. */

let w: ServiceWorld;
let acme: TenantFixture;
let voiceNumberId: string;

beforeAll(async () => {
  ({ w, acme } = await acmeAndBeta());
  await insertQualification(w.db, w.clock, acme.tenantId, 'STANDARD');
  await topUpBalance(w.ctx(), { tenantId: acme.tenantId, amount: '100' });
  await importNumbers(w.ctx(), [{ number: '010 6711 0001', type: 'LOCAL', province: '北京', city: '北京', carrier: 'CHINA_TELECOM' }]);
  const app = await createVoiceApp(w.ctx(acme.admin), { name: 'Reminders' });
  const { numbers } = await openVoiceNumbers(w.ctx(acme.admin), { appId: app.id, count: 1 });
  voiceNumberId = numbers[0]!.number_id;
});
afterAll(() => w?.drop());

it('V1: an open voice number cannot join a privacy pool (NUMBER_IN_USE naming numberIds.0)', async () => {
  const { app } = await createPrivacyApp(w.ctx(acme.admin), { name: 'masking', mode: 'AXB' });
  await failsWith(moveNumbersToPool(w.ctx(acme.admin), app.id, [voiceNumberId]), 'NUMBER_IN_USE', 'numberIds.0');
  expect(await w.db.selectFrom('privacy_pool_numbers').select('number_id').execute()).toEqual([]);
});

it('V1: an open voice number cannot be a call-center instance’s number (NUMBER_IN_USE naming input.numberId)', async () => {
  await failsWith(createInstance(w.ctx(acme.admin), { name: 'Support', accessSlug: 'acme-voice-guard', numberId: voiceNumberId }), 'NUMBER_IN_USE', 'input.numberId');
  expect(await w.db.selectFrom('instances').select('id').execute()).toEqual([]);
});
