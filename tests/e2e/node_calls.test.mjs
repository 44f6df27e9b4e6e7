// Node-to-node calls against a node that accepts connections and never answers (stopped with
// SIGSTOP: the kernel still completes the TCP handshake). The asking node must keep serving
// /api/status and tokens at their usual speed, answer the logs call with 504 naming the stopped
// node within its deadlines, refuse calls beyond its bound at once (503), and read the node's
// logs again once it runs.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before } from 'node:test';
import { clusterNode, createDatabase, dropDatabase, skipWithoutPg } from './lib/cluster.js';
import { SVC, defaultKickstart, ms, nodeTest, pollUntil } from './lib/node.js';

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
