import { ERROR_CODES } from '../errors.js';
import { builder } from './builder.js';

/** The codes of `extensions.code`, in the SDL so that clients can switch on them. */
builder.enumType('ErrorCode', {
  description: 'Every `extensions.code` an error of this API carries; `extensions.field` names the input at fault, where one is.',
  values: Object.fromEntries(Object.entries(ERROR_CODES).map(([code, description]) => [code, { description }])),
});
