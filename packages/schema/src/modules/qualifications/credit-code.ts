// Q1: the unified social credit code (GB 32100-2015).
import { ValidationError } from '../../errors.js';

/** The code's 31 characters: digits and capitals without I, O, S, V, Z; a character's value is its index. */
const CREDIT_CODE_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const CREDIT_CODE_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** The check character (18th) for the first 17 characters of a credit code. */
export function creditCodeCheckCharacter(first17: string): string {
  if (first17.length !== 17) throw new RangeError('expected the first 17 characters of a credit code');
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const value = CREDIT_CODE_ALPHABET.indexOf(first17[i]!);
    if (value < 0) throw new RangeError(`'${first17[i]}' is not a credit code character`);
    sum += value * CREDIT_CODE_WEIGHTS[i]!;
  }
  const check = 31 - (sum % 31);
  return CREDIT_CODE_ALPHABET[check === 31 ? 0 : check]!;
}

/** Normalises (spaces removed, upper case) and validates a code; the error says what is wrong. */
export function parseCreditCode(raw: string, field = 'input.creditCode'): string {
  const code = raw.replace(/\s+/g, '').toUpperCase();
  if (code.length !== 18)
    throw new ValidationError(field, `the unified social credit code has 18 characters; this one has ${code.length}`);
  const bad = [...code].find((c) => !CREDIT_CODE_ALPHABET.includes(c));
  if (bad)
    throw new ValidationError(field, `the unified social credit code cannot contain '${bad}' (only digits and capitals other than I, O, S, V, Z)`);
  const expected = creditCodeCheckCharacter(code.slice(0, 17));
  if (code[17] !== expected)
    throw new ValidationError(
      field,
      `the unified social credit code's check character is wrong (GB 32100-2015): it ends in '${code[17]}', expected '${expected}'; check the code for a typo`,
    );
  return code;
}
