import { afterAll, beforeAll, expect, it } from 'vitest';
import { json, startServer, type TestServer, WELL_KNOWN } from '../../test/servers.js';
import { createMetadataVerifier } from './metadata.js';

let rs: TestServer;
beforeAll(async () => {
  rs = await startServer((request, response) => {
    if (request.path === `${WELL_KNOWN}/one`) return json(response, 200, { resource: `${rs.origin}/one` });
    if (request.path === `${WELL_KNOWN}/two`) return json(response, 200, { resource: `${rs.origin}/two` });
    if (request.path === WELL_KNOWN) return json(response, 200, { resource: `${rs.origin}/` });
    json(response, 404, {});
  });
});
afterAll(() => rs.close());

const fetches = () => rs.seen.filter((entry) => entry.path.startsWith(WELL_KNOWN)).length;

it('verifies path resources and keeps at most maxEntries documents', async () => {
  const verify = createMetadataVerifier(fetch, [], { maxEntries: 1 });
  const before = fetches();
  const one = await verify(`${rs.origin}${WELL_KNOWN}/one`, new URL(`${rs.origin}/one/x`));
  expect(one.href).toBe(`${rs.origin}/one`);
  await verify(`${rs.origin}${WELL_KNOWN}/one`, new URL(`${rs.origin}/one/y`));
  expect(fetches() - before).toBe(1); // cached
  await verify(`${rs.origin}${WELL_KNOWN}/two`, new URL(`${rs.origin}/two`));
  await verify(`${rs.origin}${WELL_KNOWN}/one`, new URL(`${rs.origin}/one`));
  expect(fetches() - before).toBe(3); // /one was evicted by /two
});

it('keeps no more bytes than maxCacheBytes', async () => {
  const verify = createMetadataVerifier(fetch, [], { maxCacheBytes: 10 }); // smaller than any document
  const before = fetches();
  await verify(`${rs.origin}${WELL_KNOWN}`, new URL(`${rs.origin}/a`));
  await verify(`${rs.origin}${WELL_KNOWN}`, new URL(`${rs.origin}/b`));
  expect(fetches() - before).toBe(2);
});

it('refuses a document describing a sibling path', async () => {
  const verify = createMetadataVerifier(fetch, []);
  await expect(verify(`${rs.origin}${WELL_KNOWN}/one`, new URL(`${rs.origin}/two/x`))).rejects.toMatchObject({
    code: 'resource_mismatch',
  });
});

it('refuses a metadata URL that is not a URL, or carries credentials', async () => {
  const verify = createMetadataVerifier(fetch, []);
  const called = new URL(`${rs.origin}/a`);
  await expect(verify('not a url', called)).rejects.toMatchObject({ code: 'metadata_not_allowed' });
  const withCredentials = `http://user:pw@${new URL(rs.origin).host}${WELL_KNOWN}`;
  await expect(verify(withCredentials, called)).rejects.toMatchObject({ code: 'metadata_not_allowed' });
});
