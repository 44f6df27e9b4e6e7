// Rate limits on the token endpoint (per client, per address) and on hosted sign-ins, counted
// across two nodes sharing one PostgreSQL: together they allow the limit once, not once each, and
// answer 429 with Retry-After. The client address comes from X-Forwarded-For only because the
// nodes trust 127.0.0.1 as a proxy here.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { clusterNode, createDatabase, dropDatabase, hostedSignIn, skipWithoutPg } from './lib/cluster.js';
import { SVC, defaultKickstart, nodeTest } from './lib/node.js';

const MASTER_KEY = crypto.randomBytes(32).toString('base64url');
const WINDOW = 3600;
const PER_CLIENT = 6;
const PER_IP = 4;
const LOGIN_PER_IP = 3;
const OTHER = { ...SVC, client_id: 'other', client_secret: 'other-secret-0123456789' };
const THIRD = { ...SVC, client_id: 'third', client_secret: 'third-secret-0123456789' };
const WEB = { client_id: 'web', client_secret: 'web-secret-0123456789', grant_types: ['authorization_code'],
  redirect_uris: ['http://127.0.0.1:1/cb'], scope: '' };

let database;
let a;
let b;
const it = nodeTest(() => [a, b].filter(Boolean));

const node = (id, kickstart = false) => clusterNode(id, {
  database, masterKey: MASTER_KEY, kickstart,
  config: {
    server: { trusted_proxies: ['127.0.0.1', '::1'] },
    rate_limits: { window: `${WINDOW}s`, token_per_client: PER_CLIENT, token_per_ip: PER_IP, login_per_ip: LOGIN_PER_IP },
  },
});

before(async () => {
  database = createDatabase();
  if (!database) return;
  const kickstart = defaultKickstart();
  kickstart.applications.push(OTHER, THIRD, WEB);
  a = await node('node-a', kickstart);
  b = await node('node-b');
  // The windows are fixed (aligned to the hour here): do not start a count just before one ends.
  const intoWindow = (Date.now() / 1000) % WINDOW;
  if (intoWindow > WINDOW - 30) await delay((WINDOW - intoWindow + 1) * 1000);
});
after(async () => {
  await a?.cleanup();
  await b?.cleanup();
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
