// Two nodes on one real PostgreSQL with a real Redis ([cache] redis_url) that this test starts,
// stops and starts again: failed sign-ins are counted in Redis across nodes, a client assertion
// used on one node is refused on the other before, during and after a Redis outage and after
// Redis lost its keys (FLUSHALL), changes still reach
// the other node within a second, and while Redis is gone the nodes fall back to the database
// without failing a single request, then return to Redis.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import { after, before } from 'node:test';
import * as jose from 'jose';
import { clusterNode, createDatabase, dropDatabase, hostedSignIn, skipWithoutPg } from './lib/cluster.js';
import { SVC, defaultKickstart, freePort, ms, nodeTest, pollUntil } from './lib/node.js';

const MASTER_KEY = crypto.randomBytes(32).toString('base64url');
const WEB = { client_id: 'web', client_secret: 'web-secret-0123456789' };
const USER = { username: 'ada', password: 'correct horse battery', name: 'Ada Lovelace' };
const CB = 'http://127.0.0.1:1/cb';
const LOCK_AFTER = 5;

let database;
let redisPort;
let redis; // the redis-server child
let a;
let b;
const it = nodeTest(() => [a, b].filter(Boolean));

const redisCli = (...args) => execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', String(redisPort), ...args]).toString().trim();

async function startRedis() {
  redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' });
  await pollUntil(() => { try { return redisCli('ping') === 'PONG'; } catch { return false; } },
    { what: 'redis-server to answer', deadlineMs: 10000 });
}
async function stopRedis() {
  const exited = new Promise((resolve) => { redis.on('exit', resolve); });
  redis.kill('SIGTERM');
  await exited;
  redis = null;
}

const node = (id, kickstart = false) => clusterNode(id, {
  database, masterKey: MASTER_KEY, kickstart,
  config: {
    login: { lockout_threshold: LOCK_AFTER },
    cache: { redis_url: `redis://127.0.0.1:${redisPort}`, redis_timeout: '200ms' },
    cluster: { checkin_interval_ms: 300, instance_timeout_ms: 1500 },
  },
});

before(async () => {
  database = createDatabase();
  if (!database) return;
  redisPort = await freePort();
  await startRedis();
  const kickstart = defaultKickstart();
  kickstart.users = [USER];
  kickstart.applications.push({
    ...WEB, client_name: 'Web', grant_types: ['authorization_code'], redirect_uris: [CB], scope: '',
  });
  a = await node('node-a', kickstart);
  b = await node('node-b');
});
after(async () => {
  await a?.cleanup();
  await b?.cleanup();
  if (redis) await stopRedis();
  dropDatabase(database);
});

/** One sign-in attempt on `node` through the hosted form; returns the answer to the POST. */
function signIn(at, username, password) {
  return hostedSignIn({ formNode: at, clientId: WEB.client_id, redirectUri: CB, username, password });
}

it('failed sign-ins are counted in Redis, and the lock holds on every node', skipWithoutPg, async () => {
  const name = 'nobody-at-all';
  for (let i = 0; i < LOCK_AFTER; i++) {
    const res = await signIn(i % 2 ? a : b, name, 'wrong');
    assert.equal(res.status, 200);
  }
  assert.equal(redisCli('HGET', `gatehouse:failed-logins:${name}`, 'c'), String(LOCK_AFTER));
  const locked = await signIn(a, name, 'wrong');
  assert.match(locked.text, /locked|too many/i);
  assert.match((await signIn(b, name, 'wrong')).text, /locked|too many/i);
});

it('wrong second-factor codes are counted in Redis across nodes, apart from the password counter', skipWithoutPg, async () => {
  // A seed imported through one node (stored in PostgreSQL), its codes checked on both.
  const created = await a.admin('POST', '/api/users', {
    username: 'mfa-redis', password: 'correct horse battery', totp_secret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ',
  });
  assert.equal(created.status, 201, created.text);
  const id = created.json.id;
  const verify = (at, code) => at.admin('POST', `/api/users/${id}/factors/totp/verify`, { code });
  const right = () => execFileSync('oathtool', ['--totp', '-b', 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'], { encoding: 'utf8' }).trim();
  const near = new Set([-30, 0, 30].map((d) => execFileSync('oathtool',
    ['--totp', '-b', '-N', `@${Math.floor(Date.now() / 1000) + d}`, 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'], { encoding: 'utf8' }).trim()));
  const wrong = ['111111', '222222', '333333', '444444'].find((c) => !near.has(c));
  const results = [];
  for (let i = 0; i < 5; i++) results.push((await verify(i % 2 ? a : b, wrong)).json.result);
  assert.deepEqual(results, ['wrong', 'wrong', 'wrong', 'wrong', 'locked'], 'mfa.code_lockout_threshold (5) across both nodes');
  assert.equal(redisCli('HGET', `gatehouse:failed-logins:mfa:${id}`, 'c'), '5');
  assert.equal((await verify(a, right())).json.result, 'locked', 'even a right code while locked');
  assert.equal((await verify(b, right())).json.result, 'locked');
  assert.equal(redisCli('EXISTS', 'gatehouse:failed-logins:mfa-redis'), '0', 'the password counter is untouched');
  // An administrator's reset clears the code lock.
  assert.equal((await a.admin('DELETE', `/api/users/${id}/factors`)).status, 204);
  assert.equal(redisCli('EXISTS', `gatehouse:failed-logins:mfa:${id}`), '0');
});

it('an application created through one node authenticates on the other within a second', skipWithoutPg, async () => {
  const app = { client_id: 'via-redis', client_secret: 'via-redis-secret-0123456789' };
  const token = (node) => node.postForm('/oauth2/token', { grant_type: 'client_credentials' }, { basic: [app.client_id, app.client_secret] });
  assert.equal((await token(b)).status, 401);
  const created = await a.admin('POST', '/api/applications', {
    ...app, client_name: 'Via Redis', grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic',
    scope: 'api:read', redirect_uris: [],
  });
  assert.equal(created.status, 201, created.text);
  const at = Date.now();
  await pollUntil(async () => (await token(b)).status === 200, { what: 'node-b to know the application', deadlineMs: 5000, intervalMs: 20 });
  assert.ok(Date.now() - at < ms(1000), `took ${Date.now() - at} ms`);
});

it('a client assertion is used once across nodes: through Redis, during its outage and after it', skipWithoutPg, async () => {
  const key = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const created = await a.admin('POST', '/api/applications', {
    client_id: 'jwt-client', token_endpoint_auth_method: 'private_key_jwt', grant_types: ['client_credentials'],
    jwks: { keys: [await jose.exportJWK(key.publicKey)] },
  });
  assert.equal(created.status, 201, created.text);
  const { issuer } = (await a.request('/.well-known/openid-configuration')).json;
  const assertion = async (jti = crypto.randomUUID()) => {
    const now = Math.floor(Date.now() / 1000);
    return new jose.SignJWT({ iss: 'jwt-client', sub: 'jwt-client', aud: issuer, jti, iat: now, exp: now + 60 })
      .setProtectedHeader({ alg: 'ES256' }).sign(key.privateKey);
  };
  const send = (node, jwt) => node.postForm('/oauth2/token', {
    grant_type: 'client_credentials', client_assertion: jwt,
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
  });
  // Node B knows the application (so its refusals below are replays, not an unknown client).
  await pollUntil(async () => (await send(b, await assertion())).status === 200, { what: 'node B to know the application' });
  const before = await assertion('before-outage');
  assert.equal((await send(a, before)).status, 200);
  assert.equal(redisCli('EXISTS', 'gatehouse:assertion:jwt-client before-outage'), '1', 'recorded in Redis');
  assert.equal((await send(b, before)).status, 401, 'refused by the other node through Redis');
  await stopRedis();
  try {
    assert.equal((await send(b, before)).status, 401, 'refused by the database while Redis is away');
    const during = await assertion('during-outage');
    assert.equal((await send(b, during)).status, 200, 'accepted by the database while Redis is away');
    assert.equal((await send(a, during)).status, 401);
    await startRedis();
    // Wait until node A uses Redis again (a fresh assertion lands in the empty Redis), then replay.
    await pollUntil(async () => {
      const jti = crypto.randomUUID();
      assert.equal((await send(a, await assertion(jti))).status, 200);
      return redisCli('EXISTS', `gatehouse:assertion:jwt-client ${jti}`) === '1';
    }, { what: 'node A to use Redis again', deadlineMs: 10000, intervalMs: 200 });
    assert.equal((await send(a, during)).status, 401, 'the empty Redis does not forget what the outage recorded');
    // Redis loses its keys while it keeps answering (FLUSHALL; an eviction or a restart without
    // persistence alike): the database still refuses the replay, on the other node too.
    const flushed = await assertion('before-flushall');
    assert.equal((await send(a, flushed)).status, 200);
    assert.equal(redisCli('EXISTS', 'gatehouse:assertion:jwt-client before-flushall'), '1');
    redisCli('FLUSHALL');
    assert.equal(redisCli('EXISTS', 'gatehouse:assertion:jwt-client before-flushall'), '0');
    assert.equal((await send(b, flushed)).status, 401, 'refused by the database after FLUSHALL');
    assert.equal((await send(a, flushed)).status, 401);
  } finally {
    if (!redis) await startRedis();
  }
});

it('with rate limits counted in Redis, a client_id that is not UTF-8 is invalid_client, never 503', skipWithoutPg, async () => {
  const limited = await clusterNode('node-limits', {
    database, masterKey: MASTER_KEY,
    config: {
      cache: { redis_url: `redis://127.0.0.1:${redisPort}`, redis_timeout: '200ms' },
      rate_limits: { token_per_client: 1000, token_per_ip: 1000, client_auth_failures_per_ip: 1000 },
    },
  });
  try {
    const raw = `Basic ${Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(':secret')]).toString('base64')}`;
    const answers = [
      await limited.postForm('/oauth2/token', 'grant_type=client_credentials&client_id=%FF%FE&client_secret=x'),
      await limited.postForm('/oauth2/token', 'grant_type=client_credentials&client_id=caf%C3'),
      await limited.postForm('/oauth2/token', 'grant_type=client_credentials', { headers: { authorization: raw } }),
      await limited.postForm('/oauth2/revoke', 'token=x&client_id=%ED%A0%80'),
    ];
    for (const res of answers) {
      assert.ok([400, 401].includes(res.status), `${res.status} ${res.text}`);
      assert.ok(['invalid_client', 'invalid_request'].includes(res.json?.error), res.text);
    }
    assert.equal((await limited.token(SVC)).status, 200);
    assert.notEqual(redisCli('KEYS', 'gatehouse:rate:client-auth-fail-ip:*'), '', 'the failures were counted in Redis');
  } finally {
    await limited.cleanup();
  }
});

it('with Redis stopped and started again under load, no request fails and counting returns to Redis', skipWithoutPg, async () => {
  const answers = { token: new Map(), signIn: new Map() };
  const count = (map, key) => map.set(key, (map.get(key) ?? 0) + 1);
  let stop = false;
  const worker = async (k) => {
    for (let i = 0; !stop; i++) {
      const node = (k + i) % 2 ? a : b;
      if (i % 10 === 0) {
        // A wrong password for a name of its own each time: answered with the form, never locked.
        const res = await signIn(node, `load-${k}-${i}`, 'wrong');
        count(answers.signIn, res.status);
      } else {
        count(answers.token, (await node.token(SVC)).status);
      }
    }
  };
  const workers = Array.from({ length: 8 }, (_, k) => worker(k));
  await new Promise((resolve) => { setTimeout(resolve, 1000); });
  await stopRedis();
  await new Promise((resolve) => { setTimeout(resolve, 1500); });
  // A failure counted while Redis is away goes to the database.
  assert.equal((await signIn(a, 'during-outage', 'wrong')).status, 200);
  await startRedis();
  await new Promise((resolve) => { setTimeout(resolve, 1500); });
  stop = true;
  await Promise.all(workers);
  assert.deepEqual([...answers.token.keys()], [200], JSON.stringify([...answers.token]));
  assert.deepEqual([...answers.signIn.keys()], [200], JSON.stringify([...answers.signIn]));
  assert.ok(answers.token.get(200) > 100, `only ${answers.token.get(200)} token requests`);
  // The outage is visible in /metrics: Redis calls failed (and were answered by the database).
  const metrics = (await a.request('/metrics')).text;
  assert.ok(Number(/^gatehouse_redis_errors_total (\d+)$/m.exec(metrics)?.[1] ?? 0) >= 1, metrics);
  assert.ok(Number(/^gatehouse_redis_round_trips_total (\d+)$/m.exec(metrics)?.[1] ?? 0) > 0, metrics);
  // Back on Redis (the fresh server is empty): a new failure is counted there again.
  await pollUntil(async () => {
    await signIn(b, 'after-outage', 'wrong');
    return redisCli('HGET', 'gatehouse:failed-logins:after-outage', 'c') !== '';
  }, { what: 'failures to be counted in Redis again', deadlineMs: 10000, intervalMs: 200 });
});
