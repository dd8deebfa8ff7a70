import { z } from 'zod';

/**
 * Lengths count characters as a person counts them: Unicode code points, so an emoji or a CJK
 * character is one (a flag or a family emoji, several code points, counts several).
 */
export function characterCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** A Pothos `validate` option: a string of `min` to `max` characters (code points). */
export function textLength(max: number, min = 0) {
  return {
    schema: z
      .string()
      .refine((s) => characterCount(s) >= min, { message: `must have at least ${min} character${min === 1 ? '' : 's'}` })
      .refine((s) => characterCount(s) <= max, { message: `must have at most ${max} characters (Unicode code points)` }),
  };
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** NUL and lone surrogates cannot be stored as UTF-8 text: refused at the edge (graphql/text-guard.ts). */
export function isStorableText(s: string): boolean {
  return !s.includes('\u0000') && !LONE_SURROGATE.test(s);
}
