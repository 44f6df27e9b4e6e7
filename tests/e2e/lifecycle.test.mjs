// The HTTP server's life: keep-alive, bad input on the wire, header timeout, and graceful
// shutdown on SIGTERM (503 "draining", then exit 0); a binary too old for the schema refuses to start.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { after, before } from 'node:test';
import { GatehouseNode, SVC, ms, nodeTest, pollUntil, rawExchange, rawRequest } from './lib/node.js';

let node; // connection tests: header_timeout 500ms
let draining; // the SIGTERM test's own node
const it = nodeTest(() => [node, draining]);

before(async () => {
  node = await GatehouseNode.start({ config: { server: { header_timeout: '500ms' } } });
});
after(async () => {
  await node?.cleanup();
  await draining?.cleanup();
});

async function assertStillServing() {
  const res = await rawRequest(node.port, { path: '/api/status' });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.status, 'ok');
}

it('an HTTP/1.1 keep-alive connection serves several requests', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const sockets = new Set();
    const reused = [];
    for (const p of ['/api/status', '/.well-known/openid-configuration', '/.well-known/jwks.json', '/api/status']) {
      const res = await rawRequest(node.port, { path: p, agent });
      assert.equal(res.status, 200, `${p}: ${res.text}`);
      assert.notEqual((res.headers.connection ?? '').toLowerCase(), 'close');
      sockets.add(res.socket);
      reused.push(res.reusedSocket);
    }
    // A POST (the token endpoint) on the same connection too.
    const body = 'grant_type=client_credentials';
    const token = await rawRequest(node.port, {
      method: 'POST', path: '/oauth2/token', agent, body,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'content-length': Buffer.byteLength(body),
        authorization: `Basic ${Buffer.from(`${SVC.client_id}:${SVC.client_secret}`).toString('base64')}`,
      },
    });
    assert.equal(token.status, 200, token.text);
    sockets.add(token.socket);
    reused.push(token.reusedSocket);
    assert.equal(sockets.size, 1, 'one socket for every request');
    assert.deepEqual(reused, [false, true, true, true, true]);
  } finally {
    agent.destroy();
  }
});

it('pipelined requests on one connection are answered in order', async () => {
  const req = (p) => `GET ${p} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;
  const data = req('/api/status') + req('/.well-known/jwks.json') + req('/api/status').replace('\r\n\r\n', '\r\nConnection: close\r\n\r\n');
  const res = await rawExchange(node.port, data);
  assert.ok(res.closed, 'closed after Connection: close');
  const statuses = [...res.data.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]);
  assert.deepEqual(statuses, ['200', '200', '200'], res.data.slice(0, 500));
});

it('garbage instead of HTTP gets a 400 or a closed connection, and the node keeps serving', async () => {
  const inputs = [
    'GARBAGE \x00\x01\x02 nonsense\r\n\r\n',
    'GET / HTTP/9.9\r\n\r\n',
    'GET /api/status HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n',
    'POST /oauth2/token HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    `GET /${'a'.repeat(100000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    `GET /api/status HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(100000)}\r\n\r\n`,
    '\r\n\r\n\r\n\r\n',
  ];
  for (const input of inputs) {
    const res = await rawExchange(node.port, input);
    const label = JSON.stringify(input.slice(0, 60));
    if (res.data.length > 0) {
      assert.match(res.data, /^HTTP\/1\.[01] (400|413|414|431|501|505) /, `${label} answered ${res.data.slice(0, 200)}`);
    }
    assert.ok(res.closed, `${label}: the connection is closed`);
    await assertStillServing();
  }
});

it('a client that connects and sends nothing is disconnected after server.header_timeout', async () => {
  const silent = await rawExchange(node.port, undefined, { deadlineMs: 10000 });
  assert.ok(silent.closed, `closed (after ${silent.elapsedMs} ms)`);
  assert.ok(silent.elapsedMs >= 300, `not before the timeout (${silent.elapsedMs} ms)`);
  // The same for a request whose headers never finish (slowloris).
  const partial = await rawExchange(node.port, 'GET /api/status HTTP/1.1\r\nHost: 127.0.0.1\r\n', { deadlineMs: 10000 });
  assert.ok(partial.closed, `closed (after ${partial.elapsedMs} ms)`);
  assert.ok(partial.elapsedMs >= 300, `not before the timeout (${partial.elapsedMs} ms)`);
  await assertStillServing();
});

it('SIGTERM: 503 {"status":"draining"} while draining, then exit 0', async () => {
  draining = await GatehouseNode.start({ config: { server: { drain_delay: '2s', shutdown_grace: '5s' } } });
  const ok = await rawRequest(draining.port, { path: '/api/status' });
  assert.equal(ok.status, 200);
  draining.child.kill('SIGTERM');
  const seen = await pollUntil(async () => {
    const res = await rawRequest(draining.port, { path: '/api/status', timeoutMs: 2000 });
    return res.status === 503 ? res : null;
  }, { deadlineMs: 2000, what: '503 from /api/status after SIGTERM' });
  assert.deepEqual(seen.json, { status: 'draining', node_id: 'standalone' });
  const exit = await draining.waitExit(15000);
  assert.equal(exit.code, 0, `exit ${exit.code} signal ${exit.signal}\n${draining.output()}`);
  assert.equal(exit.signal, null);
  // Afterwards the port is closed.
  await assert.rejects(rawRequest(draining.port, { path: '/api/status', timeoutMs: 2000 }));
});

it('a binary older than the database schema allows refuses to start and to migrate, changing nothing', async () => {
  // The database as a newer release would leave it: a migration this binary does not know, which
  // older binaries cannot live with.
  const old = await GatehouseNode.start();
  await old.stop();
  const sql = (q) => execFileSync('sqlite3', [old.dbFile, q]).toString().trim();
  const newer = Number(sql('SELECT max(version) FROM schema_migrations')) + 1;
  sql(`INSERT INTO schema_migrations VALUES (${newer}, 'from_the_future', 0); UPDATE schema_compat SET min_binary_schema = ${newer}`);
  const versions = sql('SELECT group_concat(version) FROM schema_migrations');
  try {
    for (const args of [['serve'], ['migrate']]) {
      const run = await old.cli(args);
      assert.notEqual(run.code, 0, `${args[0]} exited 0\n${run.stdout}${run.stderr}`);
      assert.match(run.stderr, new RegExp(`too old for the database.*at least version ${newer}.*upgrade this node`));
    }
    assert.equal(sql('SELECT min_binary_schema FROM schema_compat'), String(newer));
    assert.equal(sql('SELECT group_concat(version) FROM schema_migrations'), versions);
  } finally {
    await old.cleanup();
  }
});
