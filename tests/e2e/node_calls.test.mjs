// Node-to-node calls against a node that accepts connections and never answers (stopped with
// SIGSTOP: the kernel still completes the TCP handshake). The asking node must keep serving
// /api/status and tokens at their usual speed, answer the logs call with 504 naming the stopped
// node within its deadlines, refuse calls beyond its bound at once (503), and read the node's
// logs again once it runs. And the signature of a node-to-node call: a member whose node_url
// leads to an impostor shows that the impostor can use what it received with no other node, and
// that its unsigned answer is refused.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import { after, before } from 'node:test';
import { clusterNode, createDatabase, dropDatabase, psql, skipWithoutPg } from './lib/cluster.js';
import { SVC, defaultKickstart, freePort, ms, nodeTest, pollUntil } from './lib/node.js';

const MASTER_KEY = crypto.randomBytes(32).toString('base64url');
let database;
let a; // asks
let b; // is stopped
let stopped = false;
const it = nodeTest(() => [a, b]);

before(async () => {
  database = createDatabase();
  if (!database) return;
  // Four workers on the asking node: at most two of them wait on other nodes.
  a = await clusterNode('node-a', { database, masterKey: MASTER_KEY, kickstart: defaultKickstart(), config: { server: { worker_threads: 4 } } });
  b = await clusterNode('node-b', { database, masterKey: MASTER_KEY });
});
after(async () => {
  if (stopped) b?.child?.kill('SIGCONT');
  await a?.cleanup();
  await b?.cleanup();
  dropDatabase(database);
});

const logsOfB = () => a.admin('GET', '/api/system/logs?node=node-b&limit=5');

/** Runs fn and returns [its result, how long it took in ms]. */
async function timed(fn) {
  const start = performance.now();
  const result = await fn();
  return [result, performance.now() - start];
}

it('a stopped node makes the logs call answer 504 naming it, while status and tokens keep answering at once', skipWithoutPg, async () => {
  const before = await logsOfB();
  assert.equal(before.status, 200, before.text);
  assert.equal(before.json.node_id, 'node-b');

  b.child.kill('SIGSTOP');
  stopped = true;
  // More logs calls than the bound; they all answer, none waits past the deadlines (connect 1 s +
  // response 3 s), and they are running while the other requests below are served.
  const calls = Array.from({ length: 4 }, () => timed(logsOfB));
  let served = 0;
  const deadline = Date.now() + ms(2500);
  while (Date.now() < deadline) {
    const [status, statusMs] = await timed(() => a.request('/api/status'));
    assert.equal(status.status, 200, status.text);
    assert.ok(statusMs < ms(1000), `/api/status took ${Math.round(statusMs)} ms while node-b was stopped`);
    const [token, tokenMs] = await timed(() => a.token(SVC, { scope: 'api:read' }));
    assert.equal(token.status, 200, token.text);
    assert.ok(tokenMs < ms(1000), `a token request took ${Math.round(tokenMs)} ms while node-b was stopped`);
    served += 1;
  }
  assert.ok(served >= 3, `only ${served} status and token rounds in 2.5 s`);

  const answers = await Promise.all(calls);
  for (const [res, took] of answers) {
    assert.ok(took < ms(8000), `a logs call took ${Math.round(took)} ms`);
    assert.ok([503, 504].includes(res.status), `${res.status} ${res.text}`);
    assert.match(res.json.message, /node-b/);
    if (res.status === 503) {
      assert.equal(res.json.error, 'node_calls_busy');
      assert.equal(res.headers.get('retry-after'), '1');
    }
  }
  const timeouts = answers.filter(([res]) => res.status === 504);
  assert.ok(timeouts.length >= 1, 'at least one call waited for node-b and timed out');
  for (const [res, took] of timeouts) {
    assert.equal(res.json.error, 'node_timeout');
    assert.match(res.json.message, /^node node-b did not answer in time: reading the response did not finish within 3000 ms/);
    assert.ok(took >= 2500, `timed out after ${Math.round(took)} ms, before the response deadline`);
  }

  // Running again, it answers.
  b.child.kill('SIGCONT');
  stopped = false;
  await pollUntil(async () => (await logsOfB()).status === 200, { what: 'the logs of node-b after SIGCONT', deadlineMs: 10000 });
});

it('a node-to-node signature is good for one request to the node it names, and an unsigned answer is refused', skipWithoutPg, async () => {
  // An impostor at the node_url of member "node-x": it keeps the signed header it is sent and
  // answers like a node would, without the answer's signature.
  const received = [];
  const impostor = http.createServer((req, res) => {
    received.push({ url: req.url, header: req.headers['x-gatehouse-node'] });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ node_id: 'node-x', lines: [{ seq: 1, msg: 'made up' }], next_after: 1 }));
  });
  const port = await freePort();
  await new Promise((resolve) => { impostor.listen(port, '127.0.0.1', resolve); });
  try {
    const now = Date.now();
    psql(`INSERT INTO cluster_nodes (node_id, instance, url, version, state, started_at, last_checkin, config_hash, keyset, applied_event)
          VALUES ('node-x', 'impostor', 'http://127.0.0.1:${port}', '0', 'up', ${now}, ${now}, '', '', 0)`, database);
    const res = await a.admin('GET', '/api/system/logs?node=node-x&limit=5');
    assert.equal(res.status, 502, res.text);
    assert.equal(res.json.error, 'node_refused');
    assert.match(res.json.message, /node-x is not signed/);
    assert.equal(received.length, 1);
    const [{ url, header }] = received;
    const [from, to, , nonce] = header.split(' ');
    assert.equal(header.split(' ').length, 5, header);
    assert.deepEqual([from, to], ['node-a', 'node-x']);
    assert.match(nonce, /^[A-Za-z0-9_-]{16,}$/);
    // Replayed to the real nodes at once, well within its 30 s: both refuse it.
    for (const n of [a, b]) {
      const replayed = await n.request(url, { headers: { 'x-gatehouse-node': header } });
      assert.equal(replayed.status, 401, replayed.text);
      assert.match(replayed.json.message, /for another node, used before/);
    }
    // Every call carries a nonce of its own.
    await a.admin('GET', '/api/system/logs?node=node-x&limit=5');
    assert.equal(received.length, 2);
    assert.notEqual(received[1].header.split(' ')[3], nonce);
  } finally {
    psql("DELETE FROM cluster_nodes WHERE node_id = 'node-x'", database);
    await new Promise((resolve) => { impostor.close(resolve); });
  }
});
