// scripts/cluster, the local cluster of the README: PostgreSQL, two nodes and HAProxy (round robin,
// health-checked) come up, requests through the load balancer reach both nodes, a token works,
// and `down` stops everything. With --ha, PostgreSQL is a primary and a synchronous standby:
// `failover` kills the primary and promotes the standby, and the cluster writes again.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, test } from 'node:test';
import { BIN, REPO, makeTempDir, ms, pollUntil } from './lib/node.js';

const run = promisify(execFile);
let dir;
const dirs = [];  // every cluster folder of this file, for the cleanup
const env = (d = dir) => ({ ...process.env, GATEHOUSE_BIN: BIN, LOCAL_CLUSTER_DIR: d });
async function clusterDir() {
  dir = path.join(await makeTempDir('gatehouse-cluster-'), 'cluster');
  dirs.push(dir);
}

after(async () => {
  for (const d of dirs) {
    if (fs.existsSync(path.join(d, 'state.env'))) await run(path.join(REPO, 'scripts', 'cluster'), ['down'], { env: env(d) });
    fs.rmSync(d, { recursive: true, force: true });
  }
});

test('scripts/cluster up 2 serves through HAProxy from both nodes, and down stops it', async () => {
  await clusterDir();
  const up = await run(path.join(REPO, 'scripts', 'cluster'), ['up', '2'], { env: env(), timeout: ms(120000) });
  const lb = /load balancer:\s+(\S+)/.exec(up.stdout)?.[1];
  const key = /admin API key:\s+(\S+)/.exec(up.stdout)?.[1];
  assert.ok(lb && key, up.stdout);
  const seen = new Set();
  for (let i = 0; i < 6; i++) {
    const res = await fetch(`${lb}/api/status`);
    assert.equal(res.status, 200);
    seen.add((await res.json()).node_id);
  }
  assert.deepEqual([...seen].sort(), ['node-1', 'node-2'], 'round robin reaches both nodes');
  const nodes = await (await fetch(`${lb}/api/system/nodes`, { headers: { authorization: `Bearer ${key}` } })).json();
  assert.equal(nodes.nodes.filter((n) => n.state === 'up').length, 2);
  const token = await fetch(`${lb}/oauth2/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from('demo-service:demo-secret-change-me').toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  assert.equal(token.status, 200);
  const pids = fs.readFileSync(path.join(dir, 'state.env'), 'utf8').match(/(?:NODE_\d+|HAPROXY)=(\d+)/g).map((kv) => Number(kv.split('=')[1]));
  await run(path.join(REPO, 'scripts', 'cluster'), ['down'], { env: env(), timeout: ms(60000) });
  assert.equal(fs.existsSync(dir), false, 'the folder is removed');
  for (const pid of pids) assert.throws(() => process.kill(pid, 0), 'every process is gone');
});

test('scripts/cluster up 2 --ha: after `failover` the cluster writes to the promoted standby', async () => {
  await clusterDir();
  const script = path.join(REPO, 'scripts', 'cluster');
  const up = await run(script, ['up', '2', '--ha'], { env: env(), timeout: ms(120000) });
  const lb = /load balancer:\s+(\S+)/.exec(up.stdout)?.[1];
  const key = /admin API key:\s+(\S+)/.exec(up.stdout)?.[1];
  assert.match(up.stdout, /database:\s+postgresql:\/\/\S+:\d+,\S+:\d+\/gatehouse\?target_session_attrs=read-write/, up.stdout);
  const token = (id, secret) => fetch(`${lb}/oauth2/token`, {
    method: 'POST', signal: AbortSignal.timeout(ms(10000)),
    headers: { authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  assert.equal((await token('demo-service', 'demo-secret-change-me')).status, 200);

  const failover = await run(script, ['failover'], { env: env(), timeout: ms(60000) });
  const promotedAt = Number(/promoted at (\d+)/.exec(failover.stdout)?.[1]);
  assert.ok(promotedAt > 0, failover.stdout);
  // A write through the balancer (an application, a new client_id per try: a refused try may
  // still have been committed) reaches the new primary within the deadline, and the new
  // application gets a token.
  let n = 0;
  const created = await pollUntil(async () => {
    const id = `after-failover-${++n}`;
    const res = await fetch(`${lb}/api/applications`, {
      method: 'POST', signal: AbortSignal.timeout(ms(10000)),
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: id, client_secret: `${id}-secret-0123456789`, grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'client_secret_basic', redirect_uris: [] }),
    });
    assert.ok([201, 503].includes(res.status), `POST /api/applications answered ${res.status} ${await res.text()}`);
    return res.status === 201 ? id : null;
  }, { what: 'an application created after the failover', deadlineMs: 10000, intervalMs: 50 });
  console.log(`scripts/cluster --ha: a write through the balancer ${Date.now() - promotedAt} ms after the promotion`);
  assert.equal((await token(created, `${created}-secret-0123456789`)).status, 200);
  assert.match((await run(script, ['failover'], { env: env() }).catch((err) => err)).stderr, /already failed over/);

  await run(script, ['down'], { env: env(), timeout: ms(60000) });
  assert.equal(fs.existsSync(dir), false, 'the folder is removed');
});

test('scripts/cluster failover refuses on a cluster started without --ha', async () => {
  await clusterDir();
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'state.env'), 'PG_TMP_DIR=/nonexistent\n');
  const refused = await run(path.join(REPO, 'scripts', 'cluster'), ['failover'], { env: env() }).catch((err) => err);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /failover needs one started with 'up N --ha'/);
  fs.rmSync(dir, { recursive: true, force: true });
});
