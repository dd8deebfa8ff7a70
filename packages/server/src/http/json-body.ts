import type { IncomingMessage } from 'node:http';

const JSON_TYPE = /^application\/(graphql\+)?json(;|,|$)/; // as yoga matches a JSON request

/**
 * What yoga is handed as a POST's body, read by server.ts within its limit: for a JSON request
 * the parsed object, else the bytes. @whatwg-node/server decides how to use a given body with
 * `Object.keys(body)`, which for a Buffer lists every byte (a 500-event report is ~100 000 keys);
 * a parsed object is used as is (`request.json()` answers it). A body that is not a JSON object
 * with a field (bad JSON, an array, `null`) goes on as bytes, so yoga says what is wrong with it.
 */
export function yogaBody(req: IncomingMessage, body: Buffer): unknown {
  if (!JSON_TYPE.test(req.headers['content-type'] ?? '')) return body;
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return body;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return body;
  for (const _ in value) return value;
  return body;
}
