// scripts/cluster, the local cluster of the README: PostgreSQL, two nodes and HAProxy (round robin,
// health-checked) come up, requests through the load balancer reach both nodes, a token works,
// and `down` stops everything.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, test } from 'node:test';
import { BIN, REPO, makeTempDir, ms } from './lib/node.js';

const run = promisify(execFile);
let dir;
const env = () => ({ ...process.env, GATEHOUSE_BIN: BIN, LOCAL_CLUSTER_DIR: dir });

after(async () => {
  if (dir && fs.existsSync(path.join(dir, 'state.env'))) await run(path.join(REPO, 'scripts', 'cluster'), ['down'], { env: env() });
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('scripts/cluster up 2 serves through HAProxy from both nodes, and down stops it', async () => {
  dir = path.join(await makeTempDir('gatehouse-cluster-'), 'cluster');
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
