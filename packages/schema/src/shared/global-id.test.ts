import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import { describe, expect, it } from 'vitest';
import { globalId } from './global-id.js';

describe('global ids without GraphQL (C3: webhook bodies)', () => {
  it('C3: globalId gives what the relay plugin gives and reads back (node(id:) takes the ids a webhook body carries)', () => {
    for (const [type, id] of [['Cdr', '0b6c7a1e-2f3d-4c5e-8a9b-1234567890ab'], ['PrivacyBinding', 'c2e4'], ['Sms', 'ü:1']] as const) {
      expect(globalId(type, id)).toBe(encodeGlobalID(type, id));
      expect(decodeGlobalID(globalId(type, id))).toEqual({ typename: type, id });
    }
  });
});
