import { afterAll, it } from 'vitest';

afterAll(() => {
  throw new Error('clean-up failed outside any test');
});
it('passes before the clean-up', () => {});
