// Shared by the cluster test files: a database of their own on the PostgreSQL that scripts/test
// starts (GATEHOUSE_TEST_POSTGRES_URL), nodes in cluster mode on it, and a sign-in through the
// hosted form; HAProxy in front of them.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { GatehouseNode, freePort, makeTempDir, pollUntil, removeTempDir } from './node.js';

export const PG = process.env.GATEHOUSE_TEST_POSTGRES_URL;
export const PG_REQUIRED = process.env.GATEHOUSE_TEST_POSTGRES_REQUIRED === '1';
/** node:test options: skip without PostgreSQL, unless scripts/test requires it. */
export const skipWithoutPg = { skip: !PG && !PG_REQUIRED ? 'no PostgreSQL (GATEHOUSE_TEST_POSTGRES_URL)' : false };

/** Runs SQL on `url` (default: the server's maintenance database). */
export function psql(sql, url = PG) {
  execFileSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-qc', sql], { stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * A fresh database for one test file; returns its URL, or null without PostgreSQL (throws when
 * scripts/test requires it).
 */
export function createDatabase() {
  if (!PG) {
    if (PG_REQUIRED) throw new Error('GATEHOUSE_TEST_POSTGRES_URL is not set (scripts/test starts a PostgreSQL server)');
    return null;
  }
  const name = `gh_e2e_${crypto.randomBytes(6).toString('hex')}`;
  psql(`CREATE DATABASE ${name}`);
  const url = new URL(PG);
  url.pathname = `/${name}`;
  return url.toString();
}

export function dropDatabase(url) {
  if (url) psql(`DROP DATABASE IF EXISTS ${new URL(url).pathname.slice(1)} WITH (FORCE)`);
}

/**
 * Starts a node in cluster mode on `database`, with `id` as node_id, its own URL as node_url and
 * one issuer for the cluster (as behind a load balancer). `config` is merged over the defaults;
 * `bin` is the binary (default the one under test).
 */
export async function clusterNode(id, { database, masterKey, kickstart = false, config = {}, bin }) {
  const node = await GatehouseNode.create({
    kickstart,
    bin,
    env: { GATEHOUSE_KEYS_MASTER_KEY: masterKey },
    config: {
      ...config,
      server: { public_url: 'http://gatehouse.test', ...config.server },
      database: { url: database, ...config.database },
      keys: { master_key_file: null, ...config.keys },
      passwords: { memory_kib: 256, iterations: 1, ...config.passwords },
      cluster: { enabled: true, node_id: id, ...config.cluster },
    },
  });
  node.overrides.cluster.node_url = node.url;
  await node.writeConfig();
  return node.launch();
}

/**
 * One sign-in through the hosted form: GET the authorization URL on `formNode`, POST the form to
 * `postNode` (the same node by default), with `headers` added to the POST. Returns {status, headers, text}
 * of the POST.
 */
export async function hostedSignIn({ formNode, postNode = formNode, clientId, redirectUri, username, password, params = {}, headers = {} }) {
  const url = new URL(`${formNode.url}/oauth2/authorize`);
  url.search = new URLSearchParams({
    response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope: 'openid', state: 's', ...params,
  });
  const form = await fetch(url, { redirect: 'manual' });
  const page = await form.text();
  assert.equal(form.status, 200, page);
  const csrf = /gh_csrf=([^;]+)/.exec(form.headers.get('set-cookie'))[1];
  const field = (name) => new RegExp(`name="${name}" value="([^"]*)"`).exec(page)[1];
  const res = await fetch(`${postNode.url}/oauth2/login`, {
    method: 'POST', redirect: 'manual',
    headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded', cookie: `gh_csrf=${csrf}` },
    body: new URLSearchParams({ tx: field('tx'), csrf: field('csrf'), username, password }),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** The body of the balancer's own 503 (no node up) with `retryAfter` (startBalancer). */
export const BALANCER_503 = 'no node is available behind the load balancer; retry later';

/**
 * HAProxy on 127.0.0.1 in front of `nodes`: round robin, no stickiness, fast health checks
 * (GET /api/status). With `retryAfter`, its own 503 when no node passes the check (every node
 * answers 503 while the database is down) says `Retry-After: 1`, as the nodes' 503s do, with
 * BALANCER_503 in an OAuth error body. Resolves {url, child, dir, output, stop}.
 */
export async function startBalancer(nodes, { retryAfter = false } = {}) {
  const dir = await makeTempDir('gatehouse-haproxy-');
  const port = await freePort();
  const errorfile = path.join(dir, '503.http');
  if (retryAfter) {
    const body = JSON.stringify({ error: 'temporarily_unavailable', error_description: BALANCER_503 });
    await fsp.writeFile(errorfile, ['HTTP/1.1 503 Service Unavailable', 'Content-Type: application/json',
      'Cache-Control: no-store', 'Retry-After: 1', 'Connection: close', `Content-Length: ${body.length}`, '', body].join('\r\n'));
  }
  const cfg = [
    'global', '  maxconn 1024',
    'defaults', '  mode http', '  timeout connect 2s', '  timeout client 30s', '  timeout server 30s',
    ...(retryAfter ? [`  errorfile 503 ${errorfile}`] : []),
    '  option redispatch', '  retries 3', '  retry-on conn-failure empty-response response-timeout',
    'frontend gatehouse', `  bind 127.0.0.1:${port}`, '  default_backend nodes',
    'backend nodes', '  balance roundrobin', '  option httpchk GET /api/status', '  http-check expect status 200',
    ...nodes.map((n, i) => `  server n${i} 127.0.0.1:${n.port} check inter 100ms fall 1 rise 2`),
  ].join('\n');
  await fsp.writeFile(path.join(dir, 'haproxy.cfg'), `${cfg}\n`);
  const child = spawn('haproxy', ['-db', '-f', path.join(dir, 'haproxy.cfg')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill();
      await exited;
    }
    await removeTempDir(dir);
  };
  try {
    await pollUntil(async () => {
      if (child.exitCode !== null) throw new Error(`haproxy exited: ${out}`);
      try { return (await fetch(`${url}/api/status`)).status === 200; } catch { return false; }
    }, { what: 'HAProxy to answer', deadlineMs: 10000 });
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, child, dir, output: () => out, stop };
}
