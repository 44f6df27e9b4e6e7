// The cluster as the admin API shows it, on a single node: the node itself (standalone), its
// run-once jobs and their runs, key rotation, and cluster events: a change written to the database by another
// process reaches the running node's caches within a second.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before } from 'node:test';
import * as jose from 'jose';
import { ACCESS_TOKEN_TTL, GatehouseNode, SVC, ms, nodeTest, pollUntil } from './lib/node.js';

let node;
const it = nodeTest(() => [node]);

before(async () => {
  // jwks_max_age 0: a published next key may sign at once, so a test can force rotations.
  node = await GatehouseNode.start({ config: { keys: { jwks_max_age: '0s' } } });
});
after(async () => {
  await node?.cleanup();
});

const header = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString());

it('lists this node as the only member, up and in step', async () => {
  const res = await node.admin('GET', '/api/system/nodes');
  assert.equal(res.status, 200);
  assert.equal(res.json.this_node, 'standalone');
  assert.equal(res.json.nodes.length, 1);
  const [me] = res.json.nodes;
  assert.equal(me.node_id, 'standalone');
  assert.equal(me.state, 'up');
  assert.equal(me.this_node, true);
  assert.match(me.version, /^\d+\.\d+\.\d+/);
  assert.match(me.config_hash, /^[0-9a-f]{16}$/);
  assert.match(me.keyset, /^[0-9a-f]{16}$/);
  assert.ok(me.last_checkin >= me.started_at);
  assert.deepEqual(res.json.drift, []);
  assert.equal((await node.admin('GET', '/api/system/nodes', undefined, { key: null })).status, 401);
});

it('counts the requests it served by kind, with their store round trips (none on SQLite)', async () => {
  const kindOf = async (kind) => (await node.admin('GET', '/api/system/stats')).json.requests.find((e) => e.kind === kind);
  const cc = 'POST /oauth2/token (client_credentials)';
  const before = (await kindOf(cc))?.requests ?? 0;
  for (let i = 0; i < 3; i++) await node.accessToken(SVC);
  const bad = await node.postForm('/oauth2/token', { grant_type: 'urn:made:up' }, { basic: [SVC.client_id, SVC.client_secret] });
  assert.equal(bad.status, 400);
  const stats = await node.admin('GET', '/api/system/stats');
  assert.equal(stats.status, 200);
  assert.equal(stats.json.node_id, 'standalone');
  const counted = stats.json.requests.find((e) => e.kind === cc);
  assert.equal(counted.requests - before, 3);
  assert.equal(counted.store_round_trips, 0);
  // A grant type we do not serve keeps the route's name: kinds never come from the request.
  assert.ok(stats.json.requests.some((e) => e.kind === 'POST /oauth2/token'));
  assert.ok(!stats.json.requests.some((e) => e.kind.includes('made:up')));
  assert.ok(stats.json.requests.some((e) => e.kind === 'GET /api/system/stats'));
  assert.equal((await node.admin('GET', '/api/system/stats', undefined, { key: null })).status, 401);
});

it('runs its jobs, records each run, and runs one at once on request', async () => {
  const runsOf = async (job) => (await node.admin('GET', `/api/system/jobs/runs?job=${job}`)).json.runs;
  // The first purge starts as the node comes up and may still be running: wait for its end.
  const jobs = await pollUntil(async () => {
    const res = await node.admin('GET', '/api/system/jobs');
    assert.equal(res.status, 200);
    const outcome = res.json.jobs.find((j) => j.name === 'purge.expired')?.last_run?.outcome;
    return outcome && outcome !== 'running' ? res : null;
  }, { what: 'the first purge run to end' });
  const names = jobs.json.jobs.map((j) => j.name);
  assert.ok(names.includes('cluster.sweep') && names.includes('purge.expired'), names.join());
  const purge = jobs.json.jobs.find((j) => j.name === 'purge.expired');
  assert.equal(purge.last_run.outcome, 'ok');
  assert.equal(purge.last_run.node_id, 'standalone');
  assert.ok(purge.next_run > Date.now() + 60_000, 'the next purge is minutes away');

  const before = (await runsOf('purge.expired')).length;
  const forced = await node.admin('POST', '/api/system/jobs/purge.expired/run');
  assert.equal(forced.status, 202);
  await pollUntil(async () => (await runsOf('purge.expired')).length > before, { what: 'the forced run' });
  assert.equal((await node.admin('POST', '/api/system/jobs/no.such.job/run')).status, 404);
  assert.equal((await node.admin('GET', '/api/system/jobs/runs?limit=0')).status, 400);
});

it('a change another process writes to the database reaches the token endpoint within a second', async () => {
  const first = await node.accessToken(SVC);
  assert.equal(header(first).alg, 'RS256');
  // Another process (here the sqlite3 shell) changes the client; the node's near-cache (30 s TTL)
  // learns of it through the cluster event the change's trigger wrote.
  execFileSync('sqlite3', [node.dbFile, `UPDATE clients SET access_token_signed_response_alg = 'ES256' WHERE client_id = '${SVC.client_id}'`]);
  const changed = Date.now();
  await pollUntil(async () => header(await node.accessToken(SVC)).alg === 'ES256',
    { what: 'the token endpoint to use the new algorithm', deadlineMs: 5000, intervalMs: 50 });
  assert.ok(Date.now() - changed < ms(1500), `took ${Date.now() - changed} ms`);
});

const kidOf = (jwt) => header(jwt).kid;

it('rotates the signing keys on request; tokens of the previous key still verify', async () => {
  const keysNow = async () => (await node.admin('GET', '/api/system/keys')).json.keys;
  await pollUntil(async () => (await keysNow()).filter((k) => k.state === 'next').length === 2,
    { what: 'a next key per algorithm to be published' });
  const before = await keysNow();
  const old = await node.accessToken(SVC);
  const next = before.find((k) => k.state === 'next' && k.alg === header(old).alg).kid;
  const oldKid = kidOf(old);
  assert.equal(before.find((k) => k.kid === oldKid).state, 'current');

  const res = await node.admin('POST', '/api/system/keys/rotate');
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.json.rotated.sort(), ['ES256', 'RS256']);
  const fresh = await node.accessToken(SVC);
  assert.equal(kidOf(fresh), next, 'the published next key signs now');
  const after = await keysNow();
  const previous = after.find((k) => k.kid === oldKid);
  assert.equal(previous.state, 'previous');
  assert.ok(previous.retires_at > Date.now() / 1000 + ACCESS_TOKEN_TTL - 5, 'it stays until its tokens expired');
  const jwks = jose.createLocalJWKSet((await node.request('/.well-known/jwks.json')).json);
  for (const token of [old, fresh]) {
    const { protectedHeader } = await jose.jwtVerify(token, jwks, { issuer: node.url });
    assert.ok(protectedHeader.kid);
  }
  assert.equal(after.filter((k) => k.state === 'next').length, 2, 'the keys after those are published already');
});

it('a rotation made by the command line reaches the running node within a second', async () => {
  const alg = header(await node.accessToken(SVC)).alg;
  const next = (await node.admin('GET', '/api/system/keys')).json.keys.find((k) => k.state === 'next' && k.alg === alg).kid;
  const cli = await node.cli(['keys', 'rotate']);
  assert.equal(cli.code, 0, cli.stderr);
  assert.match(cli.stdout, /rotated (RS256,ES256|ES256,RS256)/);
  const rotated = Date.now();
  await pollUntil(async () => kidOf(await node.accessToken(SVC)) === next,
    { what: 'the node to sign with the new key', deadlineMs: 5000, intervalMs: 50 });
  assert.ok(Date.now() - rotated < ms(1500), `took ${Date.now() - rotated} ms`);
});
