import { beforeAll, describe, it } from 'vitest';

it('runs outside the broken block', () => {});
describe('a block whose set-up throws', () => {
  beforeAll(() => {
    throw new Error('set-up failed outside any test');
  });
  it('needs the set-up', () => {});
  it('needs it too', () => {});
});
