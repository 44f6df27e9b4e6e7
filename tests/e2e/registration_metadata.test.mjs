// Client registration metadata (RFC 7591 §2, OpenID Connect Dynamic Client Registration §2) through
// the kickstart file and the admin API, and the versioned admin resources (ETag / If-Match / 412)
// of applications and users. One node for the whole file.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { GatehouseNode, defaultKickstart, nodeTest } from './lib/node.js';

const PORTAL = {
  client_id: 'portal',
  client_secret: 'portal-secret-0123456789',
  client_name: 'Portal',
  'client_name#de': 'Portal (deutsch)',
  response_types: ['code'],
  grant_types: ['authorization_code', 'refresh_token'],
  redirect_uris: ['https://portal.example.com/cb'],
  client_uri: 'https://portal.example.com/',
  contacts: ['ops@example.com', 'security@example.com'],
  application_type: 'web',
  subject_type: 'public',
  scope: 'openid profile',
};
// A CAS service (issue 13): the CAS members are kept in the registration like mfa_policy.
const WIKI = {
  client_id: 'wiki',
  client_name: 'Wiki',
  cas_services: [
    { match: 'exact', url: 'https://wiki.example.com/login' },
    { match: 'prefix', url: 'https://wiki.example.com/app' },
    { match: 'regex', url: 'https://(www\\.)?wiki\\.example\\.com/.*' },
  ],
  cas_proxy_callbacks: [{ match: 'prefix', url: 'https://wiki.example.com/pgt' }],
  cas_attributes: ['email', 'preferred_username'],
  cas_sso: false,
  cas_logout_url: 'https://wiki.example.com/slo',
};
const USER = { username: 'grace', password: 'grace-password-0123', email: 'grace@example.com', name: 'Grace Hopper' };

let node;
const it = nodeTest(() => [node]);

before(async () => {
  const kickstart = defaultKickstart();
  kickstart.applications.push({ ...PORTAL }, { ...structuredClone(WIKI), client_secret: 'wiki-secret-0123456789' });
  kickstart.users = [{ ...USER }];
  node = await GatehouseNode.start({ kickstart, config: { passwords: { memory_kib: 256, iterations: 1 } } });
});
after(async () => {
  await node?.cleanup();
});

/** A valid code-flow application document; `extra` adds or overrides members. */
const codeApp = (extra = {}) => ({
  client_name: 'Registered', grant_types: ['authorization_code'], redirect_uris: ['https://app.example.com/cb'], ...extra,
});

function assertMetadataError(res, field, ...mentions) {
  assert.equal(res.status, 400, res.text);
  assert.equal(res.json.error, 'invalid_client_metadata', res.text);
  assert.equal(res.json.field, field, res.text);
  for (const m of mentions) assert.ok(res.json.message.includes(m), `the message names ${m}: ${res.text}`);
}

// ---------------------------------------------------------------------------------------------
// Point 1: registration metadata

it('a kickstart application with response_types and informational members starts the node and reads back', async () => {
  const res = await node.admin('GET', `/api/applications/${PORTAL.client_id}`);
  assert.equal(res.status, 200, res.text);
  const app = res.json;
  assert.deepEqual(app.response_types, ['code']);
  assert.deepEqual(app.grant_types, PORTAL.grant_types);
  assert.equal(app.client_uri, PORTAL.client_uri);
  assert.deepEqual(app.contacts, PORTAL.contacts);
  assert.equal(app.application_type, 'web');
  assert.equal(app.subject_type, 'public');
  assert.equal(app['client_name#de'], PORTAL['client_name#de']);
  assert.equal(app.client_secret, undefined, 'the secret is never read back');
});

it('the same members are accepted by POST /api/applications and kept', async () => {
  const created = await node.createApplication(codeApp({
    response_types: ['code'], client_uri: 'https://app.example.com/', contacts: ['a@example.com'],
    application_type: 'native', subject_type: 'public', 'client_name#fr': 'Enregistrée', jwks_uri: null,
  }));
  const res = await node.admin('GET', `/api/applications/${created.client_id}`);
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.json.response_types, ['code']);
  assert.equal(res.json.application_type, 'native');
  assert.equal(res.json['client_name#fr'], 'Enregistrée');
  assert.deepEqual(res.json.contacts, ['a@example.com']);
  assert.equal(res.json.jwks_uri, undefined, 'a null no-op member is not stored');
});

it('response_types ["code"] without grant_types implies the authorization_code grant', async () => {
  const created = await node.createApplication({
    client_name: 'Implied', response_types: ['code'], redirect_uris: ['https://app.example.com/cb'],
  });
  assert.deepEqual(created.grant_types, ['authorization_code']);
  assert.deepEqual(created.response_types, ['code']);
  const plain = await node.createApplication({ client_name: 'Plain' });
  assert.deepEqual(plain.grant_types, ['client_credentials'], 'the historical default without response_types');
  assert.deepEqual(plain.response_types, []);
});

it('members Gatehouse cannot honour are refused by value, naming the member and the value', async () => {
  assertMetadataError(await node.admin('POST', '/api/applications', codeApp({ jwks_uri: 'https://x' })), 'jwks_uri', 'https://x');
  assertMetadataError(await node.admin('POST', '/api/applications', codeApp({ subject_type: 'pairwise' })), 'subject_type', 'pairwise');
  assertMetadataError(await node.admin('POST', '/api/applications', codeApp({ response_types: ['token'] })), 'response_types', 'token');
  const list = await node.admin('GET', '/api/applications?limit=500');
  assert.equal(list.json.applications.filter((a) => a.client_name === 'Registered').length, 1, 'nothing was written');
});

it('response_types ["code"] without the authorization_code grant is refused (RFC 7591 §2.1)', async () => {
  const res = await node.admin('POST', '/api/applications', {
    client_name: 'Inconsistent', response_types: ['code'], grant_types: ['client_credentials'],
  });
  assertMetadataError(res, 'response_types', 'authorization_code');
});

it('an unknown member name is refused, not ignored', async () => {
  const res = await node.admin('POST', '/api/applications', {
    client_name: 'Typo', grant_types: ['authorization_code'], redirect_uri: 'https://app.example.com/cb',
  });
  assertMetadataError(res, 'redirect_uri', 'is not a client metadata member');
});

const CAS_MEMBERS = ['cas_services', 'cas_proxy_callbacks', 'cas_attributes', 'cas_sso', 'cas_logout_url'];

it('CAS members: a kickstart CAS service reads back with them', async () => {
  const res = await node.admin('GET', `/api/applications/${WIKI.client_id}`);
  assert.equal(res.status, 200, res.text);
  for (const m of CAS_MEMBERS) assert.deepEqual(res.json[m], WIKI[m], m);
});

it('CAS members: POST and PUT keep them, GET shows them, and bad ones are refused by name', async () => {
  const { client_id: _id, ...doc } = WIKI;
  const created = await node.createApplication({ ...doc, client_name: 'CAS app' });
  let res = await node.admin('GET', `/api/applications/${created.client_id}`);
  assert.equal(res.status, 200, res.text);
  for (const m of CAS_MEMBERS) assert.deepEqual(res.json[m], WIKI[m], m);

  const replaced = { client_name: 'CAS app', cas_services: [{ match: 'prefix', url: 'http://intranet.example.com/' }] };
  res = await node.admin('PUT', `/api/applications/${created.client_id}`, replaced);
  assert.equal(res.status, 200, res.text);
  res = await node.admin('GET', `/api/applications/${created.client_id}`);
  assert.deepEqual(res.json.cas_services, replaced.cas_services);
  assert.equal(res.json.cas_sso, undefined, 'a member left out of PUT is gone');

  const bad = (extra) => node.admin('POST', '/api/applications', { client_name: 'CAS bad', ...extra });
  assertMetadataError(await bad({ cas_services: [{ match: 'regex', url: 'https://(wiki' }] }), 'cas_services', 'regular expression');
  assertMetadataError(await bad({ cas_services: [{ match: 'prefix', url: 'https://u@wiki.example.com/' }] }), 'cas_services', 'user information');
  assertMetadataError(await bad({ cas_services: [{ match: 'glob', url: 'https://wiki.example.com/' }] }), 'cas_services', 'regex');
  assertMetadataError(await bad({ cas_proxy_callbacks: [{ match: 'exact', url: 'http://wiki.example.com/pgt' }] }), 'cas_proxy_callbacks', 'https');
  assertMetadataError(await bad({ cas_attributes: ['<script>'] }), 'cas_attributes', 'claim names');
  assertMetadataError(await bad({ cas_sso: 'yes' }), 'cas_sso', 'true or false');
  assertMetadataError(await bad({ cas_logout_url: 'javascript:alert(1)' }), 'cas_logout_url');
  const list = await node.admin('GET', '/api/applications?limit=500');
  assert.equal(list.json.applications.filter((a) => a.client_name === 'CAS bad').length, 0, 'nothing was written');
});

it('a kickstart file with a refused member does not start a node', async () => {
  const kickstart = defaultKickstart();
  kickstart.applications.push({ ...PORTAL, client_id: 'bad', subject_type: 'pairwise' });
  const refused = await GatehouseNode.create({ kickstart });
  try {
    refused.spawn();
    const exit = await refused.waitExit();
    assert.notEqual(exit.code, 0, 'the node refused to start');
    assert.match(refused.output(), /subject_type/);
  } finally {
    await refused.cleanup();
  }
});

// ---------------------------------------------------------------------------------------------
// Point 9: ETag / If-Match / 412

it('applications: GET gives an ETag; a stale If-Match is 412 and changes nothing; the current one succeeds', async () => {
  const created = await node.createApplication({ client_name: 'Versioned', scope: 'api:read' });
  const id = created.client_id;
  const first = await node.admin('GET', `/api/applications/${id}`);
  assert.equal(first.status, 200, first.text);
  const etag1 = first.headers.get('etag');
  assert.match(etag1 ?? '', /^"[^"]+"$/, 'a strong ETag');

  const ok = await node.admin('PUT', `/api/applications/${id}`, { client_name: 'Versioned 2', scope: 'api:read' },
    { headers: { 'if-match': etag1 } });
  assert.equal(ok.status, 200, ok.text);
  const etag2 = ok.headers.get('etag');
  assert.ok(etag2 && etag2 !== etag1, 'the ETag changes with the version');

  const stale = await node.admin('PUT', `/api/applications/${id}`, { client_name: 'Lost update', scope: 'api:write' },
    { headers: { 'if-match': etag1 } });
  assert.equal(stale.status, 412, stale.text);
  assert.equal(stale.json.error, 'precondition_failed');

  const now = await node.admin('GET', `/api/applications/${id}`);
  assert.equal(now.json.client_name, 'Versioned 2', 'the stale write changed nothing');
  assert.equal(now.json.scope, 'api:read');
  assert.equal(now.headers.get('etag'), etag2);
});

it('users: GET gives an ETag; a stale If-Match on PUT or deactivate is 412 and changes nothing', async () => {
  const found = await node.admin('GET', `/api/users?username=${USER.username}`);
  const id = found.json.users[0].id;
  const first = await node.admin('GET', `/api/users/${id}`);
  assert.equal(first.status, 200, first.text);
  const etag1 = first.headers.get('etag');
  assert.match(etag1 ?? '', /^"[^"]+"$/, 'a strong ETag');

  const ok = await node.admin('PUT', `/api/users/${id}`, { username: USER.username, email: USER.email, name: 'Rear Admiral Hopper' },
    { headers: { 'if-match': etag1 } });
  assert.equal(ok.status, 200, ok.text);
  const etag2 = ok.headers.get('etag');
  assert.ok(etag2 && etag2 !== etag1, 'the ETag changes with the version');

  const stale = await node.admin('PUT', `/api/users/${id}`, { username: USER.username, email: USER.email, name: 'Lost update' },
    { headers: { 'if-match': etag1 } });
  assert.equal(stale.status, 412, stale.text);
  assert.equal(stale.json.error, 'precondition_failed');

  const staleDeactivate = await node.admin('POST', `/api/users/${id}/deactivate`, undefined, { headers: { 'if-match': etag1 } });
  assert.equal(staleDeactivate.status, 412, staleDeactivate.text);
  assert.equal(staleDeactivate.json.error, 'precondition_failed');

  const now = await node.admin('GET', `/api/users/${id}`);
  assert.equal(now.json.name, 'Rear Admiral Hopper', 'the stale PUT changed nothing');
  assert.equal(now.json.active, true, 'the stale deactivate changed nothing');
  assert.equal(now.headers.get('etag'), etag2);

  const deactivated = await node.admin('POST', `/api/users/${id}/deactivate`, undefined, { headers: { 'if-match': etag2 } });
  assert.equal(deactivated.status, 200, deactivated.text);
  assert.equal(deactivated.json.active, false);
  assert.notEqual(deactivated.headers.get('etag'), etag2);
});
