// Three nodes on one real PostgreSQL with HAProxy in front (round robin, no stickiness, health
// check GET /api/status): one-time items (codes, client assertions) raced across nodes many times, a refresh-token replay
// raced across nodes after the grace window, a deleted application refused everywhere within a
// second, a forced key rotation followed by every node within a second, a duplicate node id
// refused, a dead node's job claim taken over, and a node stopped
// under load through the balancer without a single failed request.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { after, before } from 'node:test';
import * as jose from 'jose';
import * as oidc from 'openid-client';
import { clusterNode, createDatabase, dropDatabase, hostedSignIn, psql, skipWithoutPg, startBalancer } from './lib/cluster.js';
import {
  GatehouseNode, REPO, SVC, basicAuth, defaultKickstart, ms, nodeTest, pollUntil, runCli,
} from './lib/node.js';

const MASTER_KEY = crypto.randomBytes(32).toString('base64url');
const WEB = { client_id: 'web', client_secret: 'web-secret-0123456789' };
const USER = { username: 'grace', password: 'correct horse battery', name: 'Grace Hopper' };
const CB = 'http://127.0.0.1:1/cb';
const RACES = 200;

let database;
let a;
let b;
let c;
let lb; // {url, child, dir}
const it = nodeTest(() => [a, b, c].filter(Boolean));

const CONFIG = {
  server: { drain_delay: '1500ms', shutdown_grace: '5s' },
  keys: { jwks_max_age: '0s' },
  tokens: { refresh_grace: '1s' },
  cluster: { checkin_interval_ms: 300, instance_timeout_ms: 1500, instance_recovery_timeout_ms: 1500 },
};
const node = (id, kickstart = false) => clusterNode(id, { database, masterKey: MASTER_KEY, kickstart, config: CONFIG });

before(async () => {
  database = createDatabase();
  if (!database) return;
  const kickstart = defaultKickstart();
  kickstart.users = [USER];
  kickstart.applications.push({
    ...WEB, client_name: 'Web', grant_types: ['authorization_code', 'refresh_token'],
    redirect_uris: [CB], scope: '', access_token_signed_response_alg: 'ES256', id_token_signed_response_alg: 'ES256',
  });
  a = await node('node-a', kickstart);
  b = await node('node-b');
  c = await node('node-c');
  lb = await startBalancer([a, b, c]);
});
after(async () => {
  await lb?.stop();
  await a?.cleanup();
  await b?.cleanup();
  await c?.cleanup();
  dropDatabase(database);
});
const web = [WEB.client_id, WEB.client_secret];

/** Signs in once on node-a through the hosted form; returns the SSO session cookie. */
async function signIn() {
  const posted = await hostedSignIn({ formNode: a, clientId: WEB.client_id, redirectUri: CB, ...USER });
  assert.equal(posted.status, 302, posted.text);
  return /(gh_session=[^;]+)/.exec(posted.headers.get('set-cookie'))[1];
}

/** A fresh code from `node` for the signed-in session (no form: the session answers at once). */
async function code(node, session, scope = 'openid offline_access') {
  const verifier = oidc.randomPKCECodeVerifier();
  const url = new URL(`${node.url}/oauth2/authorize`);
  url.search = new URLSearchParams({
    response_type: 'code', client_id: WEB.client_id, redirect_uri: CB, scope, state: 's', nonce: 'n',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  });
  const res = await fetch(url, { redirect: 'manual', headers: { cookie: session } });
  assert.equal(res.status, 302, await res.text());
  return { code: new URL(res.headers.get('location')).searchParams.get('code'), verifier };
}

const redeem = (node, issued) => node.postForm('/oauth2/token', {
  grant_type: 'authorization_code', code: issued.code, redirect_uri: CB, code_verifier: issued.verifier,
}, { basic: web });
const refresh = (node, token) => node.postForm('/oauth2/token', { grant_type: 'refresh_token', refresh_token: token }, { basic: web });

/** Runs fn(i) for i in 0..n-1, `width` at a time. */
async function inBatches(n, width, fn) {
  const out = [];
  for (let i = 0; i < n; i += width) {
    out.push(...await Promise.all(Array.from({ length: Math.min(width, n - i) }, (_, k) => fn(i + k))));
  }
  return out;
}

/** The i-th pair of two different nodes, cycling through all three pairs. */
const pairOf = (i) => [[a, b], [b, c], [c, a]][i % 3];

it(`a code redeemed at two nodes at once is redeemed exactly once, ${RACES} times over`, skipWithoutPg, async () => {
  const session = await signIn();
  const outcomes = await inBatches(RACES, 8, async (i) => {
    const [x, y] = pairOf(i);
    const issued = await code(x, session);
    const answers = await Promise.all([redeem(x, issued), redeem(y, issued)]);
    return answers.map((r) => (r.status === 200 ? 'ok' : r.json?.error)).sort().join(',');
  });
  const tally = {};
  for (const o of outcomes) tally[o] = (tally[o] ?? 0) + 1;
  assert.deepEqual(tally, { 'invalid_grant,ok': RACES });
});

it(`a client assertion sent to two nodes at once is accepted exactly once, ${RACES} times over`, skipWithoutPg, async () => {
  const key = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const created = await a.admin('POST', '/api/applications', {
    client_id: 'racing-jwt', token_endpoint_auth_method: 'private_key_jwt', grant_types: ['client_credentials'],
    jwks: { keys: [await jose.exportJWK(key.publicKey)] },
  });
  assert.equal(created.status, 201, created.text);
  const { issuer } = (await a.request('/.well-known/openid-configuration')).json;
  const send = (node, assertion) => node.postForm('/oauth2/token', {
    grant_type: 'client_credentials', client_assertion: assertion,
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
  });
  const outcomes = await inBatches(RACES, 8, async (i) => {
    const [x, y] = pairOf(i);
    const now = Math.floor(Date.now() / 1000);
    const assertion = await new jose.SignJWT({
      iss: 'racing-jwt', sub: 'racing-jwt', aud: issuer, jti: crypto.randomUUID(), iat: now, exp: now + 60,
    }).setProtectedHeader({ alg: 'ES256' }).sign(key.privateKey);
    const answers = await Promise.all([send(x, assertion), send(y, assertion)]);
    return answers.map((r) => (r.status === 200 ? 'ok' : r.json?.error)).sort().join(',');
  });
  const tally = {};
  for (const o of outcomes) tally[o] = (tally[o] ?? 0) + 1;
  assert.deepEqual(tally, { 'invalid_client,ok': RACES });
});

it(`a refresh token replayed at two nodes after the grace window revokes its family, ${RACES} families`, skipWithoutPg, async () => {
  const session = await signIn();
  const families = await inBatches(RACES, 8, async (i) => {
    const first = await redeem(i % 2 ? a : b, await code(i % 2 ? b : a, session));
    assert.equal(first.status, 200, first.text);
    const rotated = await refresh(i % 2 ? a : b, first.json.refresh_token);
    assert.equal(rotated.status, 200, rotated.text);
    return { spent: first.json.refresh_token, current: rotated.json };
  });
  // Past the grace window (1 s; whole seconds on the server).
  await new Promise((resolve) => { setTimeout(resolve, ms(2100)); });
  const replays = await inBatches(RACES, 8, async (i) => {
    const [x, y] = pairOf(i);
    return Promise.all([refresh(x, families[i].spent), refresh(y, families[i].spent)]);
  });
  for (const pair of replays) {
    for (const r of pair) assert.deepEqual([r.status, r.json.error], [400, 'invalid_grant'], r.text);
  }
  // Every family is revoked: its current refresh token is refused and its access token inactive, on both nodes.
  await inBatches(RACES, 8, async (i) => {
    const { current } = families[i];
    const again = await refresh(i % 2 ? a : b, current.refresh_token);
    assert.deepEqual([again.status, again.json.error], [400, 'invalid_grant'], again.text);
    const seen = await (i % 2 ? b : a).postForm('/oauth2/introspect', { token: current.access_token }, { basic: [SVC.client_id, SVC.client_secret] });
    assert.equal(seen.json.active, false);
  });
});

it('an application created through node A authenticates on node C within a second; deleted, it is refused everywhere within a second', skipWithoutPg, async () => {
  const app = { client_id: 'short-lived', client_secret: 'short-lived-secret-0123456789' };
  const created = await a.admin('POST', '/api/applications', {
    ...app, client_name: 'Short-lived', grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic',
    scope: 'api:read', redirect_uris: [],
  });
  const createdAt = Date.now();
  assert.equal(created.status, 201, created.text);
  const token = (node) => node.postForm('/oauth2/token', { grant_type: 'client_credentials' }, { basic: [app.client_id, app.client_secret] });
  await pollUntil(async () => (await token(c)).status === 200, { what: 'node-c to know the new application', deadlineMs: 5000, intervalMs: 20 });
  assert.ok(Date.now() - createdAt < ms(1000), `took ${Date.now() - createdAt} ms`);
  assert.equal((await token(b)).status, 200);  // node-b (and node-c) now hold it in their caches
  assert.equal((await a.admin('DELETE', `/api/applications/${app.client_id}`)).status, 204);
  const deleted = Date.now();
  await pollUntil(async () => (await token(b)).status === 401 && (await token(c)).status === 401,
    { what: 'node-b and node-c to refuse the deleted application', deadlineMs: 5000, intervalMs: 20 });
  assert.ok(Date.now() - deleted < ms(1000), `took ${Date.now() - deleted} ms`);
  assert.equal((await token(a)).status, 401);
});

it('a forced rotation: every node signs with the new key within a second; earlier tokens verify against every node\'s JWKS', skipWithoutPg, async () => {
  const kid = (jwt) => jose.decodeProtectedHeader(jwt).kid;
  const keys = async () => (await a.admin('GET', '/api/system/keys')).json.keys;
  await pollUntil(async () => (await keys()).filter((k) => k.state === 'next').length === 2, { what: 'next keys' });
  const before = await Promise.all([a, b, c].map((n) => n.accessToken(SVC)));
  const alg = jose.decodeProtectedHeader(before[0]).alg;
  const next = (await keys()).find((k) => k.state === 'next' && k.alg === alg).kid;
  assert.equal((await a.admin('POST', '/api/system/keys/rotate')).status, 200);
  const rotated = Date.now();
  for (const node of [a, b, c]) {
    await pollUntil(async () => kid(await node.accessToken(SVC)) === next,
      { what: `${node.url} to sign with the new key`, deadlineMs: 5000, intervalMs: 20 });
  }
  assert.ok(Date.now() - rotated < ms(1000), `took ${Date.now() - rotated} ms`);
  for (const node of [a, b, c]) {
    const jwks = jose.createLocalJWKSet((await node.request('/.well-known/jwks.json')).json);
    for (const token of before) {
      const { payload } = await jose.jwtVerify(token, jwks, { issuer: 'http://gatehouse.test' });
      assert.equal(payload.client_id, SVC.client_id);
    }
  }
});

it('a node started with the id of a live node refuses to start, naming it', skipWithoutPg, async () => {
  const twin = await GatehouseNode.create({
    kickstart: false, env: { GATEHOUSE_KEYS_MASTER_KEY: MASTER_KEY },
    config: { ...CONFIG, database: { url: database }, keys: { master_key_file: null }, cluster: { ...CONFIG.cluster, enabled: true, node_id: 'node-a' } },
  });
  try {
    const run = await runCli(['serve', '--config', twin.configFile], { env: { GATEHOUSE_KEYS_MASTER_KEY: MASTER_KEY } });
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /node-a/);
    assert.match(run.stderr, /already|in use|live/i);
  } finally {
    await twin.cleanup();
  }
});

it('a job claimed by a node that died is taken over once that node is marked recovering', skipWithoutPg, async () => {
  // A node that checked in, claimed keys.rotate (due now, lease for an hour) and died: written as
  // such a node would have left the database, since a real node's claim lasts milliseconds.
  const now = Date.now();
  psql(`INSERT INTO cluster_nodes (node_id, instance, url, version, state, started_at, last_checkin, config_hash, keyset, applied_event)
        VALUES ('ghost', 'i-ghost', 'http://127.0.0.1:1', '0.0.0', 'up', ${now - 60000}, ${now}, 'x', 'y', 0)`, database);
  psql(`WITH run AS (INSERT INTO job_runs (job, node_id, started_at, outcome) VALUES ('keys.rotate', 'ghost', ${now}, 'running') RETURNING id)
        UPDATE jobs SET lease_owner = 'ghost', lease_expires = ${now + 3600000}, next_run = ${now}, run_id = (SELECT id FROM run)
         WHERE name = 'keys.rotate'`, database);
  const runs = async () => (await a.admin('GET', '/api/system/jobs/runs?job=keys.rotate&limit=20')).json.runs;
  await pollUntil(async () => {
    const r = await runs();
    return r.some((x) => x.node_id === 'ghost' && x.outcome === 'abandoned') &&
      r.some((x) => x.node_id !== 'ghost' && x.outcome === 'ok' && x.started_at >= now);
  }, { what: 'the ghost\'s run abandoned and the job run by a live node', deadlineMs: 15000, intervalMs: 100 });
  const state = async () => (await b.admin('GET', '/api/system/nodes')).json.nodes.find((n) => n.node_id === 'ghost')?.state;
  await pollUntil(async () => (await state()) === undefined, { what: 'the ghost to be removed', deadlineMs: 10000 });
});

it('SIGTERM to a node during load through HAProxy fails no request', skipWithoutPg, async () => {
  const wrk = spawn('wrk', ['-t1', '-c8', '-d4s', '--timeout', '5s', '-s', path.join(REPO, 'bench', 'token.lua'), `${lb.url}/oauth2/token`], {
    env: { ...process.env, AUTHORIZATION: basicAuth(SVC.client_id, SVC.client_secret) }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  wrk.stdout.on('data', (d) => { out += d; });
  wrk.stderr.on('data', (d) => { out += d; });
  const finished = new Promise((resolve) => { wrk.on('exit', resolve); });
  await new Promise((resolve) => { setTimeout(resolve, 1000); });  // wrk's run is under way
  const stopped = b.stop();
  assert.equal(await finished, 0, out);
  const exit = await stopped;
  assert.equal(exit?.code ?? b.exit?.code, 0, b.output());
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  assert.ok(requests > 100, out);
  assert.doesNotMatch(out, /Non-2xx|Socket errors/, out);
  assert.match(out, /non-2xx\/3xx responses: 0/, out);
});
