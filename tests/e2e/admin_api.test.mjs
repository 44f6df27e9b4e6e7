// The admin API (docs/API.md "Admin API"): authentication, applications CRUD with RFC 7591 names,
// validation errors naming the field, API keys, and the JSON error shapes.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { after, before } from 'node:test';
import { ADMIN_KEY, GatehouseNode, defaultKickstart, nodeTest, pollUntil } from './lib/node.js';

const MAX_BODY = 16384;
let node;
let limited; // api_key_failures_per_ip = 3, addresses from X-Forwarded-For
const it = nodeTest(() => [node, limited].filter(Boolean));

before(async () => { node = await GatehouseNode.start({ config: { server: { max_body_bytes: MAX_BODY } } }); });
after(async () => {
  await node?.cleanup();
  await limited?.cleanup();
});

function assertApiError(res, status, error, field) {
  assert.equal(res.status, status, `expected ${status} ${error}, got ${res.status} ${res.text}`);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(res.json?.error, error, res.text);
  if (field !== undefined) assert.equal(res.json.field, field, res.text);
}

it('no key or a wrong key is 401 unauthorized', async () => {
  for (const [name, opts] of [
    ['no key', { key: null }],
    ['wrong key', { key: 'wrong-key-0123456789abcdef' }],
    ['empty bearer', { key: null, headers: { authorization: 'Bearer ' } }],
    ['Basic', { key: null, headers: { authorization: `Basic ${Buffer.from(`x:${ADMIN_KEY}`).toString('base64')}` } }],
  ]) {
    const res = await node.admin('GET', '/api/applications', undefined, opts);
    assertApiError(res, 401, 'unauthorized');
    assert.equal(typeof res.json.message, 'string', name);
  }
  const create = await node.admin('POST', '/api/applications', { client_name: 'x' }, { key: null });
  assertApiError(create, 401, 'unauthorized');
  const keys = await node.admin('GET', '/api/api-keys', undefined, { key: 'wrong-key-0123456789abcdef' });
  assertApiError(keys, 401, 'unauthorized');
});

it('the key alone as the Authorization value is accepted', async () => {
  const res = await node.admin('GET', '/api/applications', undefined, { key: null, headers: { authorization: ADMIN_KEY } });
  assert.equal(res.status, 200, res.text);
});

it('applications: create, read, update, delete', async () => {
  const created = await node.admin('POST', '/api/applications', {
    client_id: 'crud-app',
    client_name: 'CRUD',
    token_endpoint_auth_method: 'client_secret_post',
    scope: 'a:read a:write',
    redirect_uris: ['https://app.example/callback'],
  });
  assert.equal(created.status, 201, created.text);
  const app = created.json;
  assert.equal(app.client_id, 'crud-app');
  assert.equal(app.client_name, 'CRUD');
  assert.equal(typeof app.client_secret, 'string');
  assert.ok(app.client_secret.length >= 16, 'a generated secret of at least 16 characters');
  assert.deepEqual(app.grant_types, ['client_credentials']);
  assert.equal(app.token_endpoint_auth_method, 'client_secret_post');
  assert.equal(app.scope, 'a:read a:write');
  assert.deepEqual(app.redirect_uris, ['https://app.example/callback']);
  assert.equal(app.client_secret_expires_at, 0);
  assert.ok(Number.isInteger(app.client_id_issued_at));
  assert.ok(Math.abs(app.client_id_issued_at - Date.now() / 1000) < 300);
  assert.match(created.headers.get('location') ?? '', /\/api\/applications\/crud-app$/);

  const got = await node.admin('GET', '/api/applications/crud-app');
  assert.equal(got.status, 200, got.text);
  assert.equal(got.json.client_id, 'crud-app');
  assert.equal(got.json.client_name, 'CRUD');
  assert.equal(got.json.client_secret, undefined, 'the secret is never shown again');
  assert.ok(!got.text.includes(app.client_secret));

  const client = { client_id: 'crud-app', client_secret: app.client_secret, token_endpoint_auth_method: 'client_secret_post' };
  assert.equal((await node.token(client)).status, 200);

  // PUT replaces the metadata; left-out fields take their defaults.
  const put = await node.admin('PUT', '/api/applications/crud-app', { client_name: 'CRUD renamed', scope: 'a:read' });
  assert.equal(put.status, 200, put.text);
  assert.equal(put.json.client_name, 'CRUD renamed');
  assert.equal(put.json.scope, 'a:read');
  assert.equal(put.json.token_endpoint_auth_method, 'client_secret_basic', 'left out: the default');
  assert.equal(put.json.client_secret, undefined, 'no new secret was asked for');
  const afterPut = await node.admin('GET', '/api/applications/crud-app');
  assert.equal(afterPut.json.client_name, 'CRUD renamed');
  assert.equal(afterPut.json.scope, 'a:read');
  const basicClient = { ...client, token_endpoint_auth_method: 'client_secret_basic' };
  const tok = await node.token(basicClient);
  assert.equal(tok.status, 200, tok.text);
  assert.equal(tok.json.scope, 'a:read');

  // A client_secret member sets a new secret, returned once.
  const rotate = await node.admin('PUT', '/api/applications/crud-app', { client_name: 'CRUD renamed', scope: 'a:read', client_secret: 'a-brand-new-secret-0123' });
  assert.equal(rotate.status, 200, rotate.text);
  assert.equal(rotate.json.client_secret, 'a-brand-new-secret-0123');
  assert.equal((await node.token(basicClient)).status, 401, 'the old secret no longer works');
  assert.equal((await node.token({ ...basicClient, client_secret: 'a-brand-new-secret-0123' })).status, 200);

  const del = await node.admin('DELETE', '/api/applications/crud-app');
  assert.equal(del.status, 204, del.text);
  assert.equal(del.text, '');
  assertApiError(await node.admin('GET', '/api/applications/crud-app'), 404, 'not_found');
  assertApiError(await node.admin('DELETE', '/api/applications/crud-app'), 404, 'not_found');
  assertApiError(await node.admin('PUT', '/api/applications/crud-app', { client_name: 'x' }), 404, 'not_found');
  const gone = await node.token({ ...basicClient, client_secret: 'a-brand-new-secret-0123' });
  assert.equal(gone.status, 401, gone.text);
  assert.equal(gone.json.error, 'invalid_client');
});

it('a generated client_id and client_secret get a token', async () => {
  const app = await node.createApplication({ client_name: 'generated', scope: 'g:read' });
  assert.equal(typeof app.client_id, 'string');
  assert.ok(app.client_id.length > 0);
  assert.equal(typeof app.client_secret, 'string');
  const res = await node.token(app);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.scope, 'g:read');
  const other = await node.createApplication({ client_name: 'generated too' });
  assert.notEqual(other.client_id, app.client_id);
  assert.notEqual(other.client_secret, app.client_secret);
});

it('the list pages with total, offset and limit', async () => {
  for (let i = 0; i < 3; i++) await node.createApplication({ client_id: `page-${i}`, client_name: `page ${i}` });
  const all = await node.admin('GET', '/api/applications?offset=0&limit=500');
  assert.equal(all.status, 200, all.text);
  const total = all.json.total;
  assert.ok(Number.isInteger(total) && total >= 4, `total ${total}`);
  assert.equal(all.json.applications.length, total);
  for (const a of all.json.applications) assert.equal(a.client_secret, undefined);

  const seen = [];
  for (let offset = 0; offset < total; offset += 2) {
    const page = await node.admin('GET', `/api/applications?offset=${offset}&limit=2`);
    assert.equal(page.status, 200, page.text);
    assert.equal(page.json.total, total);
    assert.equal(page.json.offset, offset);
    assert.equal(page.json.limit, 2);
    assert.equal(page.json.applications.length, Math.min(2, total - offset));
    seen.push(...page.json.applications.map((a) => a.client_id));
  }
  assert.equal(new Set(seen).size, total, 'pages neither skip nor repeat');
  for (let i = 0; i < 3; i++) assert.ok(seen.includes(`page-${i}`));

  const past = await node.admin('GET', `/api/applications?offset=${total + 10}&limit=2`);
  assert.equal(past.status, 200, past.text);
  assert.deepEqual(past.json.applications, []);
  const dflt = await node.admin('GET', '/api/applications');
  assert.equal(dflt.status, 200);
  assert.equal(dflt.json.offset, 0);
  assert.equal(dflt.json.limit, 50);
  for (const bad of ['limit=0', 'limit=501', 'limit=abc', 'offset=-1']) {
    const res = await node.admin('GET', `/api/applications?${bad}`);
    assert.equal(res.status, 400, `${bad}: ${res.text}`);
    assert.equal(typeof res.json?.error, 'string');
  }
});

it('validation errors are 400 and name the field; nothing is created', async () => {
  const cases = [
    [{ grant_types: 'client_credentials' }, 'invalid_client_metadata', 'grant_types'],
    [{ grant_types: ['password'] }, 'invalid_client_metadata', 'grant_types'],
    [{ token_endpoint_auth_method: 'private_key_jwt' }, 'invalid_client_metadata', 'jwks'],
    [{ token_endpoint_auth_method: 'client_secret_jwt' }, 'invalid_client_metadata', 'token_endpoint_auth_method'],
    [{ redirect_uris: ['https://app.example/cb#fragment'] }, 'invalid_redirect_uri', 'redirect_uris'],
    [{ redirect_uris: ['not a uri'] }, 'invalid_redirect_uri', 'redirect_uris'],
    [{ access_token_signed_response_alg: 'HS256' }, 'invalid_client_metadata', 'access_token_signed_response_alg'],
    [{ access_token_signed_response_alg: 'none' }, 'invalid_client_metadata', 'access_token_signed_response_alg'],
    [{ scope: 'api:read bad"scope' }, 'invalid_client_metadata', 'scope'],
    [{ scope: 'api\\read' }, 'invalid_client_metadata', 'scope'],
    [{ access_token_audience: 'not-an-array' }, 'invalid_client_metadata', 'access_token_audience'],
    [{ client_name: 42 }, 'invalid_client_metadata', 'client_name'],
  ];
  let i = 0;
  for (const [body, error, field] of cases) {
    const clientId = `invalid-${i++}`;
    const res = await node.admin('POST', '/api/applications', { client_id: clientId, ...body });
    assertApiError(res, 400, error, field);
    assert.equal(typeof res.json.message, 'string');
    assertApiError(await node.admin('GET', `/api/applications/${clientId}`), 404, 'not_found');
  }
  // PUT validates the same way.
  await node.createApplication({ client_id: 'valid-put' });
  assertApiError(await node.admin('PUT', '/api/applications/valid-put', { access_token_signed_response_alg: 'HS256' }),
    400, 'invalid_client_metadata', 'access_token_signed_response_alg');
  const still = await node.admin('GET', '/api/applications/valid-put');
  assert.equal(still.status, 200);
  assert.notEqual(still.json.access_token_signed_response_alg, 'HS256');
});

it('a short client_secret is refused', async () => {
  const res = await node.admin('POST', '/api/applications', { client_id: 'short-secret', client_secret: 'short' });
  assertApiError(res, 400, 'invalid_client_metadata', 'client_secret');
});

it('a body that is not JSON is 400 invalid_json; JSON without its content type is 415', async () => {
  for (const body of ['{"client_name":', 'not json', '[1,2', '{"a":1}}']) {
    const res = await node.admin('POST', '/api/applications', body, { headers: { 'content-type': 'application/json' } });
    assertApiError(res, 400, 'invalid_json');
  }
  const arr = await node.admin('POST', '/api/applications', '[]', { headers: { 'content-type': 'application/json' } });
  assert.equal(arr.status, 400, arr.text);
  const res = await node.admin('POST', '/api/applications', JSON.stringify({ client_id: 'wrong-ct' }), { headers: { 'content-type': 'text/plain' } });
  assertApiError(res, 415, 'unsupported_media_type');
  const form = await node.admin('POST', '/api/applications', 'client_id=wrong-ct', { headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assertApiError(form, 415, 'unsupported_media_type');
  assertApiError(await node.admin('GET', '/api/applications/wrong-ct'), 404, 'not_found');
});

it('a duplicate client_id is 409 conflict and leaves the first one alone', async () => {
  const first = await node.createApplication({ client_id: 'dup-app', client_name: 'first' });
  const res = await node.admin('POST', '/api/applications', { client_id: 'dup-app', client_name: 'second' });
  assertApiError(res, 409, 'conflict');
  const got = await node.admin('GET', '/api/applications/dup-app');
  assert.equal(got.json.client_name, 'first');
  assert.equal((await node.token(first)).status, 200, 'the first secret still works');
});

it('concurrent creates of one client_id: exactly one 201, the others 409 conflict', async () => {
  const results = await Promise.all(Array.from({ length: 6 }, (_, i) =>
    node.admin('POST', '/api/applications', { client_id: 'race-app', client_name: `racer ${i}` })));
  const statuses = results.map((r) => r.status).sort();
  assert.deepEqual(statuses, [201, 409, 409, 409, 409, 409], results.map((r) => r.text).join('\n'));
  const winner = results.find((r) => r.status === 201).json;
  assert.equal((await node.token(winner)).status, 200, 'the secret returned by the winner is the one stored');
});

it('client secrets and API keys are not stored in the clear', async () => {
  const secret = `plain-secret-${Date.now()}-abcdefgh`;
  await node.createApplication({ client_id: 'hashed-secret', client_secret: secret });
  const key = (await node.admin('POST', '/api/api-keys', { description: 'hashed' })).json.key;
  assert.equal(typeof key, 'string');
  for (const f of [node.dbFile, `${node.dbFile}-wal`]) {
    if (!fs.existsSync(f)) continue;
    const db = await fsp.readFile(f);
    assert.equal(db.indexOf(secret), -1, `${f} holds a client secret in the clear`);
    assert.equal(db.indexOf(key), -1, `${f} holds an API key in the clear`);
    assert.equal(db.indexOf(ADMIN_KEY), -1, `${f} holds the kickstart API key in the clear`);
  }
});

it('a body over server.max_body_bytes is 413 request_too_large', async () => {
  const res = await node.admin('POST', '/api/applications', { client_id: 'big', client_name: 'x'.repeat(MAX_BODY + 1) });
  assertApiError(res, 413, 'request_too_large');
  assertApiError(await node.admin('GET', '/api/applications/big'), 404, 'not_found');
});

it('an unknown route is 404 not_found; a known route with another method is 405 with Allow', async () => {
  assertApiError(await node.admin('GET', '/api/nothing-here'), 404, 'not_found');
  assertApiError(await node.admin('GET', '/api/applications/a/b/c'), 404, 'not_found');
  const res = await node.admin('PATCH', '/api/applications', { client_name: 'x' });
  assertApiError(res, 405, 'method_not_allowed');
  const allow = (res.headers.get('allow') ?? '').toUpperCase();
  assert.match(allow, /\bGET\b/);
  assert.match(allow, /\bPOST\b/);
  const one = await node.admin('POST', '/api/applications/some-app', { client_name: 'x' });
  assertApiError(one, 405, 'method_not_allowed');
  const allowOne = (one.headers.get('allow') ?? '').toUpperCase();
  for (const m of ['GET', 'PUT', 'DELETE']) assert.match(allowOne, new RegExp(`\\b${m}\\b`));
});

it('API keys: created once, listed without the key, usable, deleted', async () => {
  const created = await node.admin('POST', '/api/api-keys', { description: 'ci robot' });
  assert.equal(created.status, 201, created.text);
  const { id, key, description, created_at: createdAt } = created.json;
  assert.ok(id !== undefined && id !== null && String(id).length > 0);
  assert.equal(typeof key, 'string');
  assert.ok(key.length >= 16);
  assert.equal(description, 'ci robot');
  assert.ok(createdAt !== undefined);

  const list = await node.admin('GET', '/api/api-keys');
  assert.equal(list.status, 200, list.text);
  assert.ok(Array.isArray(list.json.api_keys));
  const entry = list.json.api_keys.find((k) => String(k.id) === String(id));
  assert.ok(entry, 'the new key is listed');
  assert.equal(entry.description, 'ci robot');
  assert.equal(entry.key, undefined);
  assert.ok(!list.text.includes(key), 'the list never shows a key');
  assert.ok(!list.text.includes(ADMIN_KEY), 'nor the kickstart key');

  const withNew = await node.admin('GET', '/api/applications', undefined, { key });
  assert.equal(withNew.status, 200, withNew.text);

  const del = await node.admin('DELETE', `/api/api-keys/${encodeURIComponent(id)}`);
  assert.equal(del.status, 204, del.text);
  assertApiError(await node.admin('GET', '/api/applications', undefined, { key }), 401, 'unauthorized');
  assertApiError(await node.admin('DELETE', `/api/api-keys/${encodeURIComponent(id)}`), 404, 'not_found');
  assertApiError(await node.admin('DELETE', '/api/api-keys/no-such-key-id'), 404, 'not_found');
  const after = await node.admin('GET', '/api/api-keys');
  assert.ok(!after.json.api_keys.some((k) => String(k.id) === String(id)));
  // The key that did the deleting still works.
  assert.equal((await node.admin('GET', '/api/api-keys')).status, 200);
});

it('API keys carry a role and an expiry: a read_only key only reads, an expired key is refused', async () => {
  const now = Math.floor(Date.now() / 1000);
  const reader = await node.admin('POST', '/api/api-keys', { description: 'dashboards', role: 'read_only', expires_at: now + 3600 });
  assert.equal(reader.status, 201, reader.text);
  assert.equal(reader.json.role, 'read_only');
  assert.equal(reader.json.expires_at, now + 3600);
  const plain = await node.admin('POST', '/api/api-keys', {});
  assert.equal(plain.status, 201, plain.text);
  assert.equal(plain.json.role, 'admin', 'the default role');
  assert.equal(plain.json.expires_at, null, 'never expires by default');
  const listed = (await node.admin('GET', '/api/api-keys')).json.api_keys.find((k) => k.id === reader.json.id);
  assert.deepEqual([listed.role, listed.expires_at], ['read_only', now + 3600]);

  const key = reader.json.key;
  for (const path of ['/api/applications', '/api/api-keys', '/api/users', '/api/system/nodes', '/api/system/audit']) {
    assert.equal((await node.admin('GET', path, undefined, { key })).status, 200, path);
  }
  assertApiError(await node.admin('POST', '/api/applications', { client_name: 'x', grant_types: ['client_credentials'] }, { key }), 403, 'forbidden');
  assertApiError(await node.admin('POST', '/api/api-keys', { role: 'admin' }, { key }), 403, 'forbidden');
  assertApiError(await node.admin('DELETE', `/api/api-keys/${plain.json.id}`, undefined, { key }), 403, 'forbidden');
  assertApiError(await node.admin('POST', '/api/system/keys/rotate', undefined, { key }), 403, 'forbidden');
  assert.equal((await node.admin('GET', '/api/api-keys')).json.api_keys.filter((k) => k.id === plain.json.id).length, 1,
    'the refused delete changed nothing');
  const refused = (await node.admin('GET', '/api/system/audit?action=api_key.delete')).json.events
    .find((e) => e.actor === `api-key:${reader.json.id}`);
  assert.equal(refused?.status, 403, 'the refused change is audited');

  for (const [doc, field] of [[{ role: 'root' }, 'role'], [{ role: 1 }, 'role'], [{ expires_at: now - 10 }, 'expires_at'],
    [{ expires_at: String(now + 60) }, 'expires_at'], [{ expires_at: 1.5e12 * 1000 }, 'expires_at'], [{ scope: 'x' }, 'scope']]) {
    assertApiError(await node.admin('POST', '/api/api-keys', doc), 400, 'invalid_field', field);
  }

  // A key that expires in two seconds works until then, and is refused from then on.
  const brief = await node.admin('POST', '/api/api-keys', { description: 'brief', expires_at: Math.floor(Date.now() / 1000) + 2 });
  assert.equal(brief.status, 201, brief.text);
  assert.equal((await node.admin('GET', '/api/api-keys', undefined, { key: brief.json.key })).status, 200);
  await pollUntil(async () => (await node.admin('GET', '/api/api-keys', undefined, { key: brief.json.key })).status === 401,
    { what: 'the key to expire', deadlineMs: 10000, intervalMs: 250 });
});

it('failed API key attempts are limited per address (429 for a wrong key once over; a valid key still passes) and audited once per window', async () => {
  const kickstart = defaultKickstart();
  kickstart.api_keys.push({ key: 'expired-key-0123456789', description: 'old', role: 'admin', expires_at: 1 });
  limited = await GatehouseNode.start({
    kickstart,
    config: { server: { trusted_proxies: ['127.0.0.1', '::1'] }, rate_limits: { window: '1h', api_key_failures_per_ip: 3 } },
  });
  const from = (ip) => ({ 'x-forwarded-for': ip });
  const ip = '198.51.100.77';
  for (let i = 0; i < 3; i++) {
    assertApiError(await limited.admin('GET', '/api/applications', undefined, { key: `wrong-key-${i}-0123456789`, headers: from(ip) }),
      401, 'unauthorized');
  }
  const over = await limited.admin('GET', '/api/applications', undefined, { key: 'wrong-key-x-0123456789', headers: from(ip) });
  assertApiError(over, 429, 'too_many_requests');
  assert.ok(Number(over.headers.get('retry-after')) >= 1);
  // The right key from that address still works: others sharing the address are not locked out.
  assert.equal((await limited.admin('GET', '/api/applications', undefined, { headers: from(ip) })).status, 200);
  assertApiError(await limited.admin('GET', '/api/applications', undefined, { key: 'wrong-key-y-0123456789', headers: from(ip) }),
    429, 'too_many_requests');
  assert.equal((await limited.admin('GET', '/api/applications', undefined, { headers: from('198.51.100.78') })).status, 200,
    'another address is not affected');
  assertApiError(await limited.admin('GET', '/api/applications', undefined, { key: null, headers: from('198.51.100.79') }), 401,
    'unauthorized');
  const events = (await limited.admin('GET', '/api/system/audit?action=api_key.auth_failed')).json.events;
  const fromIp = events.filter((e) => e.client_address === ip);
  assert.equal(fromIp.length, 1, `one audit row for the address in this window: ${JSON.stringify(events)}`);
  assert.equal(fromIp[0].actor, 'anonymous');
  assert.equal(fromIp[0].status, 401);
  assert.equal(fromIp[0].target, '/api/applications');
  assert.ok(!JSON.stringify(events).includes('wrong-key'), 'never the presented key');
  assert.ok(!events.some((e) => e.client_address === '198.51.100.79'), 'a request without any key is not a failed attempt');
  // An expired key (from a kickstart file, expired since 1970) is refused and audited under its id.
  assertApiError(await limited.admin('GET', '/api/api-keys', undefined, { key: 'expired-key-0123456789', headers: from('198.51.100.80') }),
    401, 'unauthorized');
  const old = (await limited.admin('GET', '/api/api-keys')).json.api_keys.find((k) => k.description === 'old');
  assert.equal(old.expires_at, 1);
  const expired = (await limited.admin('GET', '/api/system/audit?action=api_key.auth_failed.expired')).json.events;
  assert.equal(expired.length, 1, JSON.stringify(expired));
  assert.equal(expired[0].actor, `api-key:${old.id}`);
  assert.equal(expired[0].client_address, '198.51.100.80');
});

it('the node keeps serving after all of this', async () => {
  const res = await node.request('/api/status');
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.status, 'ok');
});
