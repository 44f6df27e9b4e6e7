// The audit trail (GET /api/system/audit) on one node: every admin change with who (the API key),
// what, the resource before and after without secrets, the node and the client address — taken
// from X-Forwarded-For only when the peer is a trusted proxy — and every hosted sign-in attempt.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { hostedSignIn } from './lib/cluster.js';
import { ADMIN_KEY, GatehouseNode, defaultKickstart, nodeTest } from './lib/node.js';

const USER = { username: 'grace', password: 'correct horse battery', name: 'Grace Hopper' };
const WEB = { client_id: 'web', client_secret: 'web-secret-0123456789', grant_types: ['authorization_code'],
  redirect_uris: ['http://127.0.0.1:1/cb'], scope: '' };
let node; // trusts 127.0.0.1 as a proxy
let direct; // trusts nobody
const it = nodeTest(() => [node, direct]);

before(async () => {
  const kickstart = defaultKickstart();
  kickstart.users = [USER];
  kickstart.applications.push(WEB);
  node = await GatehouseNode.start({ kickstart, config: { server: { trusted_proxies: ['127.0.0.1'] } } });
  direct = await GatehouseNode.start();
});
after(async () => {
  await node?.cleanup();
  await direct?.cleanup();
});

const audit = async (n, query = '') => {
  const res = await n.admin('GET', `/api/system/audit${query}`);
  assert.equal(res.status, 200, res.text);
  return res.json.events;
};
const viaProxy = { 'x-forwarded-for': '198.51.100.23, 127.0.0.1' };

it('records who changed an application, from where, and its state before and after, without the secret', async () => {
  const created = await node.admin('POST', '/api/applications', { client_id: 'audited', client_name: 'Before',
    client_secret: 'audited-secret-0123456789', scope: 'api:read' }, { headers: viaProxy });
  assert.equal(created.status, 201, created.text);
  assert.equal((await node.admin('PUT', '/api/applications/audited', { client_name: 'After', scope: 'api:read' },
    { headers: viaProxy })).status, 200);
  assert.equal((await node.admin('DELETE', '/api/applications/audited', undefined, { headers: viaProxy })).status, 204);
  const refused = await node.admin('PUT', '/api/applications/audited', { client_name: 42 }, { headers: viaProxy });
  assert.equal(refused.status, 400);

  const events = await audit(node, '?target=audited');
  assert.deepEqual(events.map((e) => `${e.action}:${e.status}`),
    ['application.update:400', 'application.delete:204', 'application.update:200', 'application.create:201']);
  const keys = (await node.admin('GET', '/api/api-keys')).json;
  const keyId = (keys.api_keys ?? keys.keys ?? keys).find((k) => k.description === 'e2e').id;
  for (const e of events) {
    assert.equal(e.actor, `api-key:${keyId}`);
    assert.equal(e.node_id, 'standalone');
    assert.equal(e.client_address, '198.51.100.23', 'the client the trusted proxy forwarded for');
    assert.ok(Math.abs(e.at - Date.now()) < 60000);
  }
  const [, del, update, create] = events;
  assert.equal(create.before, null);
  assert.equal(create.after.client_name, 'Before');
  assert.equal(update.before.client_name, 'Before');
  assert.equal(update.after.client_name, 'After');
  assert.equal(del.before.client_name, 'After');
  assert.equal(del.after, null);
  const text = JSON.stringify(events);
  assert.ok(!text.includes('audited-secret-0123456789') && !text.includes(created.json.client_secret ?? 'none'));
  assert.ok(!/secret_hash|client_secret"/.test(text), text);
});

it('records user changes and password resets without the password, and filters by action prefix and actor', async () => {
  const u = await node.admin('POST', '/api/users', { username: 'audited-user', password: 'first password 123' });
  assert.equal(u.status, 201, u.text);
  assert.equal((await node.admin('POST', `/api/users/${u.json.id}/password`, { password: 'second password 456' })).status, 204);
  const events = await audit(node, '?action=user.');
  assert.deepEqual(events.slice(0, 2).map((e) => e.action), ['user.password', 'user.create']);
  assert.equal(events[1].target, u.json.id);
  assert.equal(events[1].after.username, 'audited-user');
  const text = JSON.stringify(events);
  assert.ok(!text.includes('first password') && !text.includes('second password') && !text.includes('$argon2'));
  assert.equal((await audit(node, '?actor=api-key:nobody')).length, 0);
  // Paging: newest first, then what came before.
  const page = await node.admin('GET', '/api/system/audit?limit=2');
  assert.equal(page.json.events.length, 2);
  const next = await audit(node, `?limit=2&before_id=${page.json.next_before_id}`);
  assert.ok(next.every((e) => e.id < page.json.events[1].id));
});

it('records sign-in attempts: the outcome, the user or the name tried, the application and the address', async () => {
  const signIn = (password, username = USER.username) => hostedSignIn({
    formNode: node, clientId: WEB.client_id, redirectUri: WEB.redirect_uris[0], username, password,
  });
  assert.equal((await signIn(USER.password)).status, 302);
  await signIn('not-the-password');
  await signIn('whatever', 'no-such-user');
  const events = await audit(node, '?action=sign_in.');
  assert.deepEqual(events.slice(0, 3).map((e) => e.action), ['sign_in.failure', 'sign_in.failure', 'sign_in.success']);
  assert.equal(events[0].actor, 'login:no-such-user');
  assert.match(events[1].actor, /^user:/);
  assert.equal(events[2].actor, events[1].actor);
  for (const e of events.slice(0, 3)) {
    assert.equal(e.target, WEB.client_id);
    assert.equal(e.client_address, '127.0.0.1');
  }
  assert.ok(!JSON.stringify(events).includes('not-the-password'));
});

it('a node that trusts no proxy records the peer address and ignores X-Forwarded-For; the trail needs an API key', async () => {
  const res = await direct.admin('POST', '/api/applications', { client_id: 'direct-app', scope: '' },
    { headers: { 'x-forwarded-for': '203.0.113.66' } });
  assert.equal(res.status, 201, res.text);
  const [e] = await audit(direct, '?target=direct-app');
  assert.equal(e.client_address, '127.0.0.1');
  assert.equal((await direct.admin('GET', '/api/system/audit', undefined, { key: null })).status, 401);
  assert.equal((await direct.admin('GET', '/api/system/audit', undefined, { key: `${ADMIN_KEY}x` })).status, 401);
});
