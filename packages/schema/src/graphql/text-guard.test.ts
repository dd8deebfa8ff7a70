import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { unstorableText } from './text-guard.js';

const doc = parse('query($v: String) { viewer { role } }');
const field = (variables: unknown) => unstorableText(doc, variables)?.extensions.field ?? null;

describe('the text guard: every string input PostgreSQL cannot store is refused, naming where it is', () => {
  it('names the variable path of a bad value, in objects and lists; a bad key names the object holding it (or itself at the top)', () => {
    expect(field({ n: 'fine', events: [{ eventId: 'a' }, { eventId: 'b', userData: 'ok' }] })).toBeNull();
    expect(field({ n: 'Acme\u0000Ltd' })).toBe('n');
    expect(field({ events: [{ eventId: 'a' }, { eventId: 'b', userData: 'x\ud800' }] })).toBe('events.1.userData');
    expect(field({ i: { deep: { list: ['ok', '\udc00'] } } })).toBe('i.deep.list.1');
    expect(field({ 'k\u0000': 'v' })).toBe('k\u0000');
    expect(field({ i: { ['bad\ud800']: 1 } })).toBe('i');
    expect(field({ events: [{ eventId: 'a' }, { ['x\u0000']: 1 }] })).toBe('events.1');
    expect(field('\u0000')).toBe('variables');
  });
});
