import { it } from 'vitest';

it('is collected before the file throws', () => {});
throw new Error('this suite fails while loading');
