import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM, type Actor } from '@callplane/schema';
import { startTestApp, type TestApp } from '../support/app.js';
import { gid } from '../support/graphql.js';
import { filedQualification } from '../support/qualifications.js';

// documents of at most 1 KiB: the server then takes request bodies up to 4 KiB + 1 MiB
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ settings: { maxDocumentBytes: 1024 } });
});
afterAll(() => t?.stop());

const LIMIT = 4 * 1024 + 1024 * 1024;
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1]);

/** A body sent in chunks, without Content-Length (Transfer-Encoding: chunked). */
function chunked(parts: Uint8Array[]): { body: ReadableStream<Uint8Array>; duplex: 'half' } {
  return { body: new ReadableStream({ pull: (c) => (parts.length ? c.enqueue(parts.shift()!) : c.close()) }), duplex: 'half' };
}
const post = (init: RequestInit & { duplex?: 'half' }, key = t.operatorKey) =>
  fetch(`${t.url}/graphql`, { method: 'POST', ...init, headers: { authorization: `Bearer ${key}`, ...init.headers } });

describe('GraphQL request bodies over HTTP (read by the server within its limit)', () => {
  it('a multipart upload arrives whole', async () => {
    const acme = await t.tenant('Body Acme');
    const world = { ctx: (actor: Actor | null = SYSTEM) => ({ ...t.app.systemContext(), actor }) };
    const q = await filedQualification(world, acme, 'STANDARD', false);
    const form = new FormData();
    form.append('operations', JSON.stringify({
      query: `mutation($q: ID!, $file: Upload!) { uploadQualificationDocument(qualificationId: $q, documentType: SECURITY_SERVICE_AGREEMENT, file: $file) { sizeBytes sha256 } }`,
      variables: { q: gid('Qualification', q), file: null },
    }));
    form.append('map', JSON.stringify({ 0: ['variables.file'] }));
    form.append('0', new Blob([PNG], { type: 'image/png' }), 'agreement.png');
    const body = await (await post({ body: form }, acme.keys.admin)).json();
    expect(body.errors).toBeUndefined();
    expect(body.data.uploadQualificationDocument).toEqual({ sizeBytes: PNG.length, sha256: createHash('sha256').update(PNG).digest('hex') });
  });

  it('a chunked body without Content-Length is read; one over the limit is refused with 413', async () => {
    const query = new TextEncoder().encode(JSON.stringify({ query: '{ viewer { role } }' }));
    const small = await post({ headers: { 'content-type': 'application/json' }, ...chunked([query.slice(0, 5), query.slice(5)]) });
    expect(await small.json()).toEqual({ data: { viewer: { role: 'OPERATOR' } } });

    const big = await post({ headers: { 'content-type': 'application/json' }, ...chunked(Array.from({ length: 5 }, () => new Uint8Array(LIMIT / 4))) });
    expect(big.status).toBe(413);
    expect((await big.json()).errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('a JSON body is answered from the parsed object; a body that is not a JSON object says what is wrong with it', async () => {
    const json = { 'content-type': 'application/json' };
    const viewer = await post({ headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify({ query: 'query($n: Int) { viewer { role } tenants(first: $n) { edges { node { id } } } }', variables: { n: 0 } }) });
    expect(await viewer.json()).toEqual({ data: { viewer: { role: 'OPERATOR' }, tenants: { edges: [] } } });

    const broken = await post({ headers: json, body: '{"query": "{ viewer { role } }"' });
    expect(broken.status).toBe(400);
    expect((await broken.json()).errors[0].message).toBe('POST body sent invalid JSON.');

    for (const body of ['null', '"{ viewer { role } }"']) {
      const res = await post({ headers: json, body });
      expect(res.status, body).toBe(400);
      expect((await res.json()).errors[0].message, body).toMatch(/^POST body is expected to be object but received (null|string)$/);
    }
    expect((await (await post({ headers: json, body: '{}' })).json()).errors[0].message).toBe('Must provide query string.');
  });
});
