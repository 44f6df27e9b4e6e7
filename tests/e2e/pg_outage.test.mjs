// A PostgreSQL outage seen from a node: the node stays up, says so on /api/status (503), answers
// what needs nothing from the store, refuses what does with 503 and Retry-After (never a hang or a
// crash), and serves again by itself once the database is back. The test runs its own PostgreSQL
// (scripts/lib/postgres.sh) because it stops and restarts it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { after, before } from 'node:test';
import { GatehouseNode, REPO, SVC, defaultKickstart, nodeTest, pollUntil } from './lib/node.js';

const REQUIRED = process.env.GATEHOUSE_TEST_POSTGRES_REQUIRED === '1';
const COLD = { ...SVC, client_id: 'cold', client_secret: 'cold-secret-0123456789', client_name: 'Cold' };
const LIB = path.join(REPO, 'scripts', 'lib', 'postgres.sh');

let server; // {url, dir, bindir, port}
let node;
const it = nodeTest(() => [node]);

/** Runs bash with scripts/lib/postgres.sh sourced and this test's server in its environment. */
function pg(script) {
  const env = { ...process.env };
  delete env.PG_TMP_DIR;
  delete env.PG_TMP_BINDIR;
  if (server) Object.assign(env, { PG_TMP_DIR: server.dir, PG_TMP_BINDIR: server.bindir });
  return execFileSync('bash', ['-c', `set -e; source '${LIB}'; ${script}`], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    .toString().trim();
}
const pgCtl = (args) => pg(`_pg_tmp_as_owner "$PG_TMP_BINDIR/pg_ctl" -D "$PG_TMP_DIR/data" ${args} >/dev/null`);

let available = true;
before(async () => {
  try {
    const out = pg('pg_tmp_start >/dev/null; echo "$GATEHOUSE_TEST_POSTGRES_URL $PG_TMP_DIR $PG_TMP_BINDIR"');
    const [url, dir, bindir] = out.split(' ');
    server = { url, dir, bindir, port: new URL(url).port };
  } catch (err) {
    if (REQUIRED) throw new Error(`could not start a PostgreSQL server: ${err.stderr || err.message}`);
    available = false;
    return;
  }
  const kickstart = defaultKickstart();
  kickstart.applications.push(COLD);
  node = await GatehouseNode.start({
    kickstart,
    env: { GATEHOUSE_KEYS_MASTER_KEY: crypto.randomBytes(32).toString('base64url') },
    config: {
      database: { url: server.url, busy_timeout: '1s' },
      keys: { master_key_file: null },
      cluster: { enabled: true, node_id: 'solo', checkin_interval_ms: 300, instance_timeout_ms: 1500 },
    },
  });
});
after(async () => {
  await node?.cleanup();
  if (server) pg('pg_tmp_stop');
});

const skip = { skip: !available && !REQUIRED ? 'no PostgreSQL server could be started' : false };

it('while PostgreSQL is down the node reports it, keeps answering, and recovers by itself', skip, async () => {
  // Before: the cached client's token, and the status.
  assert.equal((await node.token(SVC)).status, 200);
  assert.equal((await node.request('/api/status')).status, 200);

  // The test server runs with synchronous_commit off: flush what the kickstart wrote, or an
  // immediate stop can lose it (a real server with synchronous commits would keep it).
  execFileSync('psql', [server.url, '-qAtc', 'CHECKPOINT']);
  pgCtl('-m immediate -w stop');
  const down = await pollUntil(async () => {
    const res = await node.request('/api/status');
    return res.status === 503 ? res : null;
  }, { what: '/api/status 503 with PostgreSQL down', deadlineMs: 10000 });
  assert.equal(down.json.status, 'unavailable');
  assert.equal(down.json.node_id, 'solo');

  // What needs nothing from the store is still answered: keys and a client the node has cached.
  assert.equal((await node.request('/.well-known/jwks.json')).status, 200);
  assert.equal((await node.token(SVC)).status, 200);
  // What needs the store is refused at once with 503 and Retry-After, never a hang.
  const started = Date.now();
  const cold = await node.token(COLD);
  assert.equal(cold.status, 503, cold.text);
  assert.equal(cold.json.error, 'temporarily_unavailable');
  assert.equal(cold.headers.get('retry-after'), '1');
  // In the OAuth error shape (RFC 6749 section 5.2), as every other answer of the token endpoint.
  assert.equal(cold.json.error_description, 'the store is unavailable; retry later');
  assert.equal(cold.json.message, undefined, cold.text);
  assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
  const admin = await node.admin('GET', '/api/applications');
  assert.equal(admin.status, 503);
  assert.equal(admin.json.error, 'temporarily_unavailable');  // the admin API's own shape
  assert.ok(admin.json.message, admin.text);
  // /metrics still answers, and says so.
  const metrics = (await node.request('/metrics')).text;
  assert.match(metrics, /^gatehouse_store_up 0$/m);
  assert.ok(Number(/^gatehouse_store_errors_total (\d+)$/m.exec(metrics)?.[1] ?? 0) >= 2, metrics);

  pgCtl(`-l "$PG_TMP_DIR/server.log" -o "-p ${server.port}" -w start`);
  await pollUntil(async () => (await node.request('/api/status')).status === 200,
    { what: '/api/status 200 once PostgreSQL is back', deadlineMs: 20000 });
  const back = await node.token(COLD);
  assert.equal(back.status, 200, back.text);
  assert.equal(node.exit, null, 'the node kept running');
});
