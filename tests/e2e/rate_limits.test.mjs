// Rate limits on the token endpoint (per client, per address, failed authentications per address)
// and on hosted sign-ins, counted across two nodes sharing one PostgreSQL: together they allow the
// limit once, not once each, and answer 429 with Retry-After. A client's own budget is spent only
// by requests that authenticated as it. The client address comes from X-Forwarded-For only because
// the nodes trust 127.0.0.1 as a proxy here.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { clusterNode, createDatabase, dropDatabase, hostedSignIn, skipWithoutPg } from './lib/cluster.js';
import { GatehouseNode, SVC, defaultKickstart, nodeTest } from './lib/node.js';

const MASTER_KEY = crypto.randomBytes(32).toString('base64url');
const WINDOW = 3600;
const PER_CLIENT = 6;
const PER_IP = 4;
const LOGIN_PER_IP = 3;
const FAILURES_PER_IP = 3;
const OTHER = { ...SVC, client_id: 'other', client_secret: 'other-secret-0123456789' };
const THIRD = { ...SVC, client_id: 'third', client_secret: 'third-secret-0123456789' };
const VICTIM = { ...SVC, client_id: 'victim', client_secret: 'victim-secret-0123456789' };
const LIMITS = {
  window: `${WINDOW}s`, token_per_client: PER_CLIENT, token_per_ip: PER_IP, login_per_ip: LOGIN_PER_IP,
  client_auth_failures_per_ip: FAILURES_PER_IP,
};
const WEB = { client_id: 'web', client_secret: 'web-secret-0123456789', grant_types: ['authorization_code'],
  redirect_uris: ['http://127.0.0.1:1/cb'], scope: '' };

let database;
let a;
let b;
let lone; // SQLite, the same limits
const it = nodeTest(() => [a, b, lone].filter(Boolean));

const node = (id, kickstart = false) => clusterNode(id, {
  database, masterKey: MASTER_KEY, kickstart,
  config: {
    server: { trusted_proxies: ['127.0.0.1', '::1'] },
    rate_limits: LIMITS,
  },
});

before(async () => {
  database = createDatabase();
  if (!database) return;
  const kickstart = defaultKickstart();
  kickstart.applications.push(OTHER, THIRD, WEB, VICTIM);
  a = await node('node-a', kickstart);
  b = await node('node-b');
  // The windows are fixed (aligned to the hour here): do not start a count just before one ends.
  const intoWindow = (Date.now() / 1000) % WINDOW;
  if (intoWindow > WINDOW - 30) await delay((WINDOW - intoWindow + 1) * 1000);
});
after(async () => {
  await a?.cleanup();
  await b?.cleanup();
  await lone?.cleanup();
  dropDatabase(database);
});

const from = (ip) => ({ 'x-forwarded-for': ip });
const token = (n, client, ip) => n.postForm('/oauth2/token', { grant_type: 'client_credentials' },
  { basic: [client.client_id, client.client_secret], headers: from(ip) });

it('a client gets its limit of token requests across both nodes, then 429 with Retry-After', skipWithoutPg, async () => {
  const statuses = [];
  for (let i = 0; i < PER_CLIENT; i++) statuses.push((await token(i % 2 ? a : b, SVC, `198.51.100.${i}`)).status);
  assert.deepEqual(statuses, Array(PER_CLIENT).fill(200));
  for (const n of [a, b]) {
    const limited = await token(n, SVC, '198.51.100.99');
    assert.equal(limited.status, 429, limited.text);
    assert.equal(limited.json.error, 'too_many_requests');
    const retry = Number(limited.headers.get('retry-after'));
    assert.ok(retry >= 1 && retry <= WINDOW, `Retry-After ${retry}`);
  }
  // Another client is not limited by this one.
  assert.equal((await token(a, OTHER, '198.51.100.50')).status, 200);
});

it('an address gets its limit across clients and nodes; other addresses are not affected', skipWithoutPg, async () => {
  const ip = '203.0.113.7';
  const statuses = [];
  for (let i = 0; i < PER_IP; i++) statuses.push((await token(i % 2 ? a : b, i < 2 ? OTHER : THIRD, ip)).status);
  assert.deepEqual(statuses, Array(PER_IP).fill(200));
  assert.equal((await token(a, THIRD, ip)).status, 429);
  assert.equal((await token(b, THIRD, '203.0.113.8')).status, 200);
});

it('sign-in attempts from one address are limited before the password is checked', skipWithoutPg, async () => {
  const attempt = (n) => hostedSignIn({
    formNode: n, clientId: WEB.client_id, redirectUri: WEB.redirect_uris[0], username: 'nobody', password: 'wrong-password',
    headers: from('192.0.2.44'),
  });
  const statuses = [];
  for (let i = 0; i < LOGIN_PER_IP; i++) statuses.push((await attempt(i % 2 ? a : b)).status);
  assert.deepEqual(statuses, Array(LOGIN_PER_IP).fill(200), 'the form again, with an error');
  const limited = await attempt(a);
  assert.equal(limited.status, 429);
  assert.match(limited.text, /Too many sign-in attempts/);
  assert.ok(Number(limited.headers.get('retry-after')) >= 1);
});

it('wrong secrets naming a client spend the sender\'s budget of failures, never the client\'s', skipWithoutPg, async () => {
  const wrong = { ...VICTIM, client_secret: 'not-the-secret-0123456789' };
  // From many addresses, more wrong secrets than the victim's own limit: each is a plain 401.
  for (let i = 0; i < PER_CLIENT + 2; i++) {
    const res = await token(i % 2 ? a : b, wrong, `198.51.100.${120 + i}`);
    assert.equal(res.status, 401, res.text);
    assert.equal(res.json.error, 'invalid_client');
  }
  // The victim still has its whole budget.
  for (let i = 0; i < PER_CLIENT; i++) assert.equal((await token(i % 2 ? a : b, VICTIM, `198.51.100.${140 + i}`)).status, 200, `request ${i}`);
  assert.equal((await token(a, VICTIM, '198.51.100.160')).status, 429, 'its own requests count');
});

it('an address that failed to authenticate too often is refused before its credentials are checked', skipWithoutPg, async () => {
  const ip = '203.0.113.99';
  const wrong = { ...OTHER, client_secret: 'not-the-secret-0123456789' };
  for (let i = 0; i < FAILURES_PER_IP; i++) assert.equal((await token(i % 2 ? a : b, wrong, ip)).status, 401);
  for (const n of [a, b]) {
    const limited = await token(n, OTHER, ip);
    assert.equal(limited.status, 429, 'even with the right secret');
    assert.equal(limited.json.error, 'too_many_requests');
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    const introspect = await n.postForm('/oauth2/introspect', { token: 'x' },
      { basic: [OTHER.client_id, OTHER.client_secret], headers: from(ip) });
    assert.equal(introspect.status, 429, 'introspection too');
  }
  assert.equal((await token(a, OTHER, '203.0.113.100')).status, 200, 'another address is not affected');
});

/**
 * Token requests whose client_id is not UTF-8 text, in the body and in Basic, raw and
 * percent-encoded; each from its own address under `net` (so no limit answers first).
 */
async function junkClientIds(n, net) {
  const answers = [];
  let host = 0;
  const from = () => ({ 'x-forwarded-for': `${net}.${++host}` });
  const raw = (bytes) => `Basic ${Buffer.concat([Buffer.from(bytes), Buffer.from(':secret')]).toString('base64')}`;
  for (const body of ['client_id=%FF%FE&client_secret=x', 'client_id=caf%C3&client_secret=x', 'client_id=a%00b',
    'client_id=%C0%AF&client_secret=x']) {
    answers.push(await n.postForm('/oauth2/token', `grant_type=client_credentials&${body}`, { headers: from() }));
  }
  for (const header of [raw([0xff, 0xfe]), raw([0xed, 0xa0, 0x80]), `Basic ${Buffer.from('%FF%FE:secret').toString('base64')}`]) {
    answers.push(await n.postForm('/oauth2/token', 'grant_type=client_credentials',
      { headers: { ...from(), authorization: header } }));
  }
  answers.push(await n.postForm('/oauth2/introspect', 'token=x&client_id=%FF', { headers: from() }));
  return answers;
}

it('a client_id that is not UTF-8 is invalid_client on PostgreSQL, never 503', skipWithoutPg, async () => {
  for (const [i, n] of [a, b].entries()) {
    for (const res of await junkClientIds(n, `10.${i}.0`)) {
      assert.ok([400, 401].includes(res.status), `${res.status} ${res.text}`);
      assert.ok(['invalid_client', 'invalid_request'].includes(res.json?.error), res.text);
    }
  }
});

it('a client_id that is not UTF-8 is invalid_client on SQLite, never 503', async () => {
  lone = await GatehouseNode.start({ config: { server: { trusted_proxies: ['127.0.0.1', '::1'] }, rate_limits: LIMITS } });
  for (const res of await junkClientIds(lone, '10.9.0')) {
    assert.ok([400, 401].includes(res.status), `${res.status} ${res.text}`);
    assert.ok(['invalid_client', 'invalid_request'].includes(res.json?.error), res.text);
  }
  assert.equal((await lone.token(SVC)).status, 200);
});
