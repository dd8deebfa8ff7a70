import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { callStatusItem, type StoredCallEvent } from '../calls/calls.status.js';
import type { Cdr } from '../calls/calls.table.js';
import { smsItem } from '../sms/sms.report.js';
import type { Sms } from '../sms/sms.table.js';
import { voiceStatusItem } from '../voice/voice.push.js';
import type { VoiceMessage } from '../voice/voice.table.js';
import { cdrItem } from './webhooks.cdr.js';
import { deliveryBody } from './webhooks.post.js';
import type { Delivery } from './webhooks.table.js';

/** C3, C4: the README's description of the push bodies names exactly the fields the code sends. */

const readme = readFileSync(new URL('../../../../../README.md', import.meta.url), 'utf8');
const bodies = readme.slice(readme.indexOf('The body is JSON'), readme.indexOf('## Running it for real'));

/** The field names (camelCase in backticks) of the README's bullet that starts with **`title`**. */
function documented(title: string): string[] {
  const bullet = bodies.split('\n- ').find((b) => b.startsWith(`**${title}**`)) ?? '';
  return [...new Set([...bullet.matchAll(/`([a-z][A-Za-z]*)`/g)].map((m) => m[1]!))].sort();
}

const at = new Date('2026-12-01T09:00:00Z');
const keys = (o: object) => Object.keys(o).sort();

describe('C3/C4: the README describes the webhook bodies', () => {
  it('C3: the envelope and the CDR and call-status items have the fields the README lists', () => {
    const envelope = JSON.parse(deliveryBody({ id: 'd', kind: 'CDR', app_id: 'a', payload: [] } as unknown as Delivery));
    expect(keys(envelope)).toEqual(['appId', 'deliveryId', 'items', 'kind']);
    for (const k of keys(envelope)) expect(bodies.slice(0, bodies.indexOf('\n- '))).toContain(`"${k}"`);
    expect(documented('CDR')).toEqual(keys(cdrItem({ ended_at: at } as unknown as Cdr, 'CREATED')));
    const stored = { call: {}, e: { eventId: 'e', type: 'CALLIN', occurredAt: at } } as unknown as StoredCallEvent;
    expect(documented('Call status')).toEqual(keys(callStatusItem(stored)));
  });

  it('C4: the SMS item has the fields the README lists, and the README example is one', () => {
    const item = smsItem({ sent_at: at, created_at: at } as unknown as Sms);
    expect(documented('SMS')).toEqual(keys(item));
    const example = JSON.parse(bodies.slice(bodies.indexOf('```json') + 7, bodies.lastIndexOf('```')));
    expect(example.kind).toBe('SMS');
    expect(keys(example.items[0])).toEqual(keys(item));
  });

  it('V3: the voice message outcome item has the fields the README lists', () => {
    expect(documented('Voice message outcome')).toEqual(keys(voiceStatusItem({ queued_at: at, reported_at: at } as unknown as VoiceMessage, '+862155500001')));
  });
});
