// P7: the documented result codes of the privacy-number API, carried as `extensions.resultCode`
// next to the symbolic `extensions.code` and the `field` naming the parameter.
import { DomainError, type ErrorCode } from '../../errors.js';

export const RESULT_CODES = {
  INVALID_INPUT: '1010002',
  PRIVACY_NUMBER_NOT_IN_APP: '1011001',
  PRIVACY_POOL_EXHAUSTED: '1011002',
  PRIVACY_AX_NOT_BOUND: '1011004',
  PRIVACY_AXB_NOT_BOUND: '1012001',
  PRIVACY_ALREADY_BOUND: '1012010',
  PRIVACY_WRONG_MODE: '1010040',
} as const satisfies Partial<Record<ErrorCode, string>>;

export type PrivacyErrorCode = keyof typeof RESULT_CODES;

/** A privacy error: its symbolic code, the documented result code, and the parameter at fault. */
export class PrivacyError extends DomainError {
  readonly resultCode: string;
  constructor(code: PrivacyErrorCode, field: string | null, message: string) {
    super(code, `${RESULT_CODES[code]}: ${message}`, field, { resultCode: RESULT_CODES[code] });
    this.name = 'PrivacyError';
    this.resultCode = RESULT_CODES[code];
  }
}

/** 1010002 invalid request: the message names the bad parameter. */
export const invalid = (field: string, message: string) => new PrivacyError('INVALID_INPUT', field, `invalid request: ${field}: ${message}`);
export const wrongMode = (field: string | null, message: string) => new PrivacyError('PRIVACY_WRONG_MODE', field, message);
export const notInApp = (field: string, message: string) => new PrivacyError('PRIVACY_NUMBER_NOT_IN_APP', field, message);
export const alreadyBound = (field: string | null, message: string) => new PrivacyError('PRIVACY_ALREADY_BOUND', field, message);
