// The CAS front door on three nodes sharing one PostgreSQL, HAProxy in front (round robin, no
// stickiness): a ticket issued on one node validated on another (and a whole CAS sign-in through
// the balancer, each request on another node); the same ticket validated on two nodes at once, 200
// times: exactly one success each time, and one store round trip per validation; a service
// registered through node A's admin API served by node C within a second.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before } from 'node:test';
import { clusterNode, createDatabase, dropDatabase, skipWithoutPg, startBalancer } from './lib/cluster.js';
import { defaultKickstart, ms, nodeTest, pollUntil } from './lib/node.js';
import { browse as browseUrl, hidden } from './lib/forms.js';

const MASTER_KEY = crypto.randomBytes(32).toString('base64url');
const USER = { username: 'grace', password: 'correct horse battery', email: 'grace@example.com' };
const SERVICE = 'https://app.example.com/cas/';
const CAS_APP = {
  client_id: 'cas-app', client_name: 'CAS App', client_secret: 'cas-app-secret-0123456789',
  grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic', redirect_uris: [], scope: '',
  cas_services: [{ match: 'prefix', url: SERVICE }], cas_attributes: ['email'],
};
const RACES = 200;
const WIDTH = 4;  // races run side by side

let database;
let a;
let b;
let c;
let lb;
const it = nodeTest(() => [a, b, c].filter(Boolean));

const CONFIG = {
  rate_limits: { authorize_per_ip: 1000000 },
  cluster: { checkin_interval_ms: 300, instance_timeout_ms: 1500, instance_recovery_timeout_ms: 1500 },
};
const node = (id, kickstart = false) => clusterNode(id, { database, masterKey: MASTER_KEY, kickstart, config: CONFIG });

before(async () => {
  database = createDatabase();
  if (!database) return;
  const kickstart = defaultKickstart();
  kickstart.users = [USER];
  kickstart.applications.push(CAS_APP);
  a = await node('node-a', kickstart);
  [b, c] = await Promise.all([node('node-b'), node('node-c')]);
  lb = await startBalancer([a, b, c]);
});
after(async () => {
  await lb?.stop();
  await Promise.all([a, b, c].map((n) => n?.cleanup()));
  dropDatabase(database);
});

/** A browser request to `base` (a node or the balancer) with the cookies of `jar`. */
const browse = (base, jar, path, fields) => browseUrl(base + path, jar, fields);

const loginPath = (service) => `/cas/login?service=${encodeURIComponent(service)}`;

/** The service ticket of a 302 to `service`. */
function ticketOf(res, service) {
  assert.equal(res.status, 302, res.text);
  assert.ok(res.location.startsWith(`${service}?ticket=ST-`), res.location);
  return new URL(res.location).searchParams.get('ticket');
}

/** /cas/login on `formBase`, the hosted form posted to `postBase`: the jar holds the session; returns the ticket. */
async function signIn(jar, formBase, postBase = formBase, service = SERVICE) {
  const page = await browse(formBase, jar, loginPath(service));
  assert.equal(page.status, 200, page.text);
  const done = await browse(postBase, jar, '/oauth2/login', {
    tx: hidden(page.text, 'tx'), csrf: hidden(page.text, 'csrf'), username: USER.username, password: USER.password,
  });
  return ticketOf(done, service);
}

/** A ticket from `base` for the live session of `jar`: no form. */
const ticketFrom = async (base, jar, service = SERVICE) => ticketOf(await browse(base, jar, loginPath(service)), service);

async function validate(base, ticket, service = SERVICE, path = '/cas/serviceValidate') {
  const res = await fetch(`${base}${path}?service=${encodeURIComponent(service)}&ticket=${encodeURIComponent(ticket)}`);
  return { status: res.status, text: await res.text() };
}

/** {route: value} of one counter family in a node's /metrics (read from 127.0.0.1: allowed by default). */
async function byRoute(n, family) {
  const res = await n.request('/metrics');
  assert.equal(res.status, 200, res.text);
  const out = {};
  for (const line of res.text.split('\n')) {
    const m = new RegExp(`^${family}\\{([^}]*)\\} (\\S+)$`).exec(line);
    const route = m && /route="([^"]*)"/.exec(m[1])?.[1];
    if (route) out[route] = (out[route] ?? 0) + Number(m[2]);
  }
  return out;
}

it('a ticket issued on node A is validated on node C; a CAS sign-in through the balancer', skipWithoutPg, async () => {
  const jar = new Map();
  const first = await signIn(jar, a.url);
  const v = await validate(c.url, first, SERVICE, '/cas/p3/serviceValidate');
  assert.equal(v.status, 200);
  assert.match(v.text, /<cas:user>grace<\/cas:user>/);
  assert.match(v.text, /<cas:email>grace@example.com<\/cas:email>/);
  assert.match((await validate(b.url, first)).text, /code="INVALID_TICKET"/, 'spent on C: refused on B');
  // The session of node A's sign-in issues tickets on B, validated on A.
  const second = await ticketFrom(b.url, jar);
  assert.match((await validate(a.url, second)).text, /<cas:authenticationSuccess>/);

  // Through the balancer: the form, its POST, the validation, the next ticket and its validation
  // each go to the next node.
  const viaLb = new Map();
  const third = await signIn(viaLb, lb.url);
  assert.match((await validate(lb.url, third)).text, /<cas:user>grace<\/cas:user>/);
  for (let i = 0; i < 3; i++) {
    assert.equal((await validate(lb.url, await ticketFrom(lb.url, viaLb))).text.includes('<cas:authenticationSuccess>'), true);
  }
});

it(`the same ticket validated on two nodes at once succeeds exactly once, ${RACES} times; one store round trip per validation`, skipWithoutPg, async (t) => {
  const jar = new Map();
  assert.match((await validate(b.url, await signIn(jar, a.url))).text, /<cas:authenticationSuccess>/);
  // Warm node C's caches too (the registration and the user), so the count below is the steady state.
  assert.match((await validate(c.url, await ticketFrom(a.url, jar))).text, /<cas:authenticationSuccess>/);
  const route = 'GET /cas/serviceValidate';
  const before = await Promise.all([b, c].map(async (n) => [
    (await byRoute(n, 'gatehouse_http_requests_total'))[route] ?? 0, (await byRoute(n, 'gatehouse_store_round_trips_total'))[route] ?? 0]));
  const race = async (i) => {
    const ticket = await ticketFrom(i % 2 ? a.url : lb.url, jar);
    const answers = await Promise.all([validate(b.url, ticket), validate(c.url, ticket)]);
    const won = answers.filter((r) => r.text.includes('<cas:authenticationSuccess>'));
    assert.equal(won.length, 1, `round ${i}: ${answers.map((r) => r.text).join(' | ')}`);
    assert.match(won[0].text, /<cas:user>grace<\/cas:user>/, `round ${i}`);
    const lost = answers.find((r) => !r.text.includes('<cas:authenticationSuccess>'));
    assert.match(lost.text, /<cas:authenticationFailure code="INVALID_TICKET">/, `round ${i}`);
  };
  for (let i = 0; i < RACES; i += WIDTH) {
    await Promise.all(Array.from({ length: Math.min(WIDTH, RACES - i) }, (_, k) => race(i + k)));
  }
  const after = await Promise.all([b, c].map(async (n) => [
    (await byRoute(n, 'gatehouse_http_requests_total'))[route] ?? 0, (await byRoute(n, 'gatehouse_store_round_trips_total'))[route] ?? 0]));
  const requests = after.reduce((s, [r], i) => s + r - before[i][0], 0);
  const trips = after.reduce((s, [, n], i) => s + n - before[i][1], 0);
  assert.equal(requests, 2 * RACES);
  t.diagnostic(`${trips} store round trips for ${requests} validations on PostgreSQL (${(trips / requests).toFixed(3)} each)`);
  // One conditional statement spends the ticket; the registration and the user come from the caches
  // (a cache that expires during the run may cost a few more, hence the margin).
  assert.ok(trips >= requests && trips <= requests * 1.05, `${trips} round trips for ${requests} validations`);
});

it('a service registered through node A\'s admin API is served by node C within a second', skipWithoutPg, async () => {
  const service = 'https://late.example.org/app';
  assert.equal((await browse(c.url, new Map(), loginPath(service))).status, 403, 'unknown on C before');
  const created = await a.admin('POST', '/api/applications', {
    client_id: 'cas-late', client_secret: 'cas-late-secret-0123456789', grant_types: ['client_credentials'],
    token_endpoint_auth_method: 'client_secret_basic', cas_services: [{ match: 'exact', url: service }],
  });
  const createdAt = Date.now();
  assert.equal(created.status, 201, created.text);
  await pollUntil(async () => (await browse(c.url, new Map(), loginPath(service))).status === 200,
    { what: 'node C to serve the new CAS service', deadlineMs: 1000, intervalMs: 20 });
  assert.ok(Date.now() - createdAt < ms(1000), `took ${Date.now() - createdAt} ms`);
  // And a ticket for it from node C validates on node B.
  const jar = new Map();
  const ticket = await signIn(jar, c.url, c.url, service);
  assert.match((await validate(b.url, ticket, service)).text, /<cas:user>grace<\/cas:user>/);
});
