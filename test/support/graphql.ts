import { expect } from 'vitest';
import type { GqlResult } from './app.js';

/** The Relay global id of a row: base64 of `Type:id`. */
export const gid = (type: string, id: string) => Buffer.from(`${type}:${id}`).toString('base64');

/** The row id inside a Relay global id. */
export const fromGlobal = (id: string) => Buffer.from(id, 'base64').toString().split(':')[1]!;

/** The data of a result that must have no errors. */
export function ok<T = any>(r: GqlResult<T>): T {
  expect(r.errors).toBeUndefined();
  return r.data as T;
}
