// TLS on the node itself (server.tls_cert_file / tls_key_file): the node serves HTTPS with the
// configured pair, SIGHUP swaps in a new pair for new connections, and a bad pair on SIGHUP is
// refused with the last good one kept — the node never stops serving. Certificates are made with
// the openssl command line (Debian's openssl package). Two nodes of a cluster that serve HTTPS
// with a private CA forward admin calls to each other when cluster.node_ca_file names that CA.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { after, before } from 'node:test';
import { createDatabase, dropDatabase, skipWithoutPg } from './lib/cluster.js';
import { ADMIN_KEY, GatehouseNode, defaultKickstart, nodeTest, pollUntil } from './lib/node.js';

let node;
let plain;
let certs; // {one: {cert, key}, two: {cert, key}} as PEM text
let database; // for the two-node cluster over HTTPS
const members = [];
const CLUSTER_KEY = crypto.randomBytes(32).toString('base64url');
const it = nodeTest(() => [node, plain, ...members].filter(Boolean));

function makePair(dir, name) {
  const cert = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key,
    '-out', cert, '-days', '1', '-subj', `/CN=gatehouse test ${name}`, '-addext', 'subjectAltName=IP:127.0.0.1'],
  { stdio: ['ignore', 'pipe', 'pipe'] });
  return { cert: fs.readFileSync(cert, 'utf8'), key: fs.readFileSync(key, 'utf8') };
}

const fingerprint = (pem) => new crypto.X509Certificate(pem).fingerprint256;

/** GET over a new TLS connection; resolves {status, body, fingerprint of the certificate presented}. */
function get(port, p, ca, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path: p, ca, headers, agent: false, timeout: 5000 }, (res) => {
      const presented = res.socket.getPeerX509Certificate();
      let body = '';
      res.setEncoding('utf8').on('data', (d) => { body += d; }).on('end', () => {
        resolve({ status: res.statusCode, body, fingerprint: presented.fingerprint256 });
      });
    });
    req.on('error', reject).on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

before(async () => {
  node = await GatehouseNode.create({ kickstart: false });
  certs = { one: makePair(node.dir, 'one'), two: makePair(node.dir, 'two') };
  fs.writeFileSync(path.join(node.dir, 'tls.crt'), certs.one.cert);
  fs.writeFileSync(path.join(node.dir, 'tls.key'), certs.one.key, { mode: 0o600 });
  node.overrides.server = { public_url: `https://127.0.0.1:${node.port}`, tls_cert_file: path.join(node.dir, 'tls.crt'),
    tls_key_file: path.join(node.dir, 'tls.key') };
  await node.writeConfig();
  node.spawn();
  await pollUntil(async () => {
    if (node.exit) throw new Error(`the node exited: ${node.output()}`);
    try { return (await get(node.port, '/api/status', certs.one.cert)).status === 200; } catch { return false; }
  }, { what: 'the TLS node to answer', deadlineMs: 15000 });
});
after(async () => {
  await node?.cleanup();
  await plain?.cleanup();
  for (const m of members) await m.cleanup();
  dropDatabase(database);
});

/** Starts a cluster node serving HTTPS with certificate `one` (IP 127.0.0.1), its node_url https. */
async function tlsClusterNode(id, { kickstart = false, cluster = {} } = {}) {
  const member = await GatehouseNode.create({
    kickstart, env: { GATEHOUSE_KEYS_MASTER_KEY: CLUSTER_KEY },
    config: {
      database: { url: database }, keys: { master_key_file: null },
      cluster: { enabled: true, node_id: id, checkin_interval_ms: 300, ...cluster },
    },
  });
  members.push(member);
  const crt = path.join(member.dir, 'tls.crt');
  const key = path.join(member.dir, 'tls.key');
  fs.writeFileSync(crt, certs.one.cert);
  fs.writeFileSync(key, certs.one.key, { mode: 0o600 });
  const url = `https://127.0.0.1:${member.port}`;
  member.overrides.server = { ...member.overrides.server, public_url: 'https://gatehouse.test', tls_cert_file: crt, tls_key_file: key };
  member.overrides.cluster.node_url = url;
  await member.writeConfig();
  member.spawn();
  await pollUntil(async () => {
    if (member.exit) throw new Error(`${id} exited: ${member.output()}`);
    try { return (await get(member.port, '/api/status', certs.one.cert)).status === 200; } catch { return false; }
  }, { what: `${id} to answer over TLS`, deadlineMs: 15000 });
  return member;
}

it('serves HTTPS with the configured certificate, and its issuer is the https public_url', async () => {
  const res = await get(node.port, '/.well-known/openid-configuration', certs.one.cert);
  assert.equal(res.status, 200);
  assert.equal(res.fingerprint, fingerprint(certs.one.cert));
  assert.equal(JSON.parse(res.body).issuer, `https://127.0.0.1:${node.port}`);
  // A client that does not trust the certificate is refused by its own TLS stack.
  await assert.rejects(get(node.port, '/api/status', certs.two.cert));
});

it('SIGHUP loads a new pair for new connections; a bad pair is refused and the last good one kept', async () => {
  const ca = [certs.one.cert, certs.two.cert];
  fs.writeFileSync(path.join(node.dir, 'tls.crt'), certs.two.cert);
  fs.writeFileSync(path.join(node.dir, 'tls.key'), certs.two.key);
  node.child.kill('SIGHUP');
  await pollUntil(async () => (await get(node.port, '/api/status', ca)).fingerprint === fingerprint(certs.two.cert),
    { what: 'the new certificate on new connections', deadlineMs: 10000 });
  assert.match(node.output(), /TLS certificate reloaded/);

  // A key that does not match the certificate: refused, the node keeps serving pair two.
  fs.writeFileSync(path.join(node.dir, 'tls.crt'), certs.one.cert);
  node.child.kill('SIGHUP');
  await pollUntil(() => /TLS certificate not reloaded/.test(node.output()), { what: 'the refusal in the log', deadlineMs: 10000 });
  const after = await get(node.port, '/api/status', ca);
  assert.equal(after.status, 200);
  assert.equal(after.fingerprint, fingerprint(certs.two.cert));
  assert.equal(node.exit, null, 'the node is still running');
});

it('a node without TLS takes SIGHUP calmly, and a certificate without its key is refused at start', async () => {
  plain = await GatehouseNode.start({ kickstart: false });
  plain.child.kill('SIGHUP');
  await pollUntil(() => /nothing to reload/.test(plain.output()), { what: 'the SIGHUP line', deadlineMs: 10000 });
  assert.equal((await plain.request('/api/status')).status, 200);
  const half = await GatehouseNode.create({ kickstart: false,
    config: { server: { tls_cert_file: path.join(node.dir, 'one.crt') } } });
  try {
    half.spawn();
    const exit = await half.waitExit();
    assert.equal(exit.code, 78, half.output());
    assert.match(half.output(), /tls_key_file/);
  } finally {
    await half.cleanup();
  }
});

it('cluster nodes on HTTPS with a private CA forward log reads to each other with cluster.node_ca_file', skipWithoutPg, async () => {
  database = createDatabase();
  const ca = path.join(node.dir, 'one.crt'); // self-signed: its own certificate authority
  // node-a trusts the private CA; node-b trusts the system's authorities only.
  const a = await tlsClusterNode('node-a', { kickstart: defaultKickstart(), cluster: { node_ca_file: ca } });
  const b = await tlsClusterNode('node-b');
  const logs = (via, of) => get(via.port, `/api/system/logs?node=${of}&limit=5`, certs.one.cert, { authorization: `Bearer ${ADMIN_KEY}` });
  let res;
  await pollUntil(async () => (res = await logs(a, 'node-b')).status !== 404, { what: 'node-b to be a member', deadlineMs: 10000 });
  assert.equal(res.status, 200, res.body);
  assert.equal(JSON.parse(res.body).node_id, 'node-b', 'answered by node-b over HTTPS');
  const refused = await logs(b, 'node-a');
  assert.equal(refused.status, 502, 'node-b does not trust the private CA');
  assert.match(refused.body, /certificate verify failed/, refused.body);

  // A file that holds no certificate is refused at start, naming the key.
  const bad = await GatehouseNode.create({ kickstart: false, env: { GATEHOUSE_KEYS_MASTER_KEY: CLUSTER_KEY },
    config: { database: { url: database }, keys: { master_key_file: null },
      cluster: { enabled: true, node_id: 'node-c', node_ca_file: path.join(node.dir, 'one.key') } } });
  members.push(bad);
  bad.spawn();
  const exit = await bad.waitExit();
  assert.equal(exit.code, 78, bad.output());
  assert.match(bad.output(), /cluster\.node_ca_file: cannot load PEM certificates/);
});

// --- a browser's view of a node serving https: HSTS and __Host- cookies ----------------------

/** A request over a new TLS connection; resolves {status, headers (node:http's), body}. */
function tlsRequest(port, { method = 'GET', path: p, headers = {}, body, ca }) {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, method, path: p, ca, headers, agent: false, timeout: 5000 }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d) => { text += d; }).on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: text }));
    });
    req.on('error', reject).on('timeout', () => req.destroy(new Error('timeout')));
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** name -> {value, attributes (lower-case names)} of the Set-Cookie lines of an answer. */
function setCookies(res) {
  const out = new Map();
  for (const line of res.headers['set-cookie'] ?? []) {
    const [pair, ...attrs] = line.split(';').map((s) => s.trim());
    const eq = pair.indexOf('=');
    out.set(pair.slice(0, eq), { value: pair.slice(eq + 1), attributes: attrs.map((a) => a.toLowerCase()) });
  }
  return out;
}

function assertHostCookie(cookie, name) {
  assert.ok(cookie, `${name} is set`);
  assert.ok(cookie.attributes.includes('secure'), `${name} is Secure`);
  assert.ok(cookie.attributes.includes('path=/'), `${name} has Path=/`);
  assert.ok(!cookie.attributes.some((a) => a.startsWith('domain')), `${name} has no Domain`);
}

it('over https: HSTS on every answer, __Host- cookies through sign-in and sign-out, and the old names are not read', async () => {
  const user = { username: 'grace', password: 'a long enough password' };
  const web = { client_id: 'web', client_secret: 'web-secret-0123456789', grant_types: ['authorization_code'],
    redirect_uris: ['https://rp.example/cb'], scope: '' };
  const kickstart = defaultKickstart();
  kickstart.applications.push(web);
  kickstart.users = [user];
  const signer = await GatehouseNode.create({ kickstart, config: { passwords: { memory_kib: 256, iterations: 1 } } });
  members.push(signer);
  fs.writeFileSync(path.join(signer.dir, 'tls.crt'), certs.one.cert);
  fs.writeFileSync(path.join(signer.dir, 'tls.key'), certs.one.key, { mode: 0o600 });
  signer.overrides.server = { ...signer.overrides.server, public_url: `https://127.0.0.1:${signer.port}`,
    tls_cert_file: path.join(signer.dir, 'tls.crt'), tls_key_file: path.join(signer.dir, 'tls.key') };
  await signer.writeConfig();
  signer.spawn();
  const ca = certs.one.cert;
  const call = (p, opts = {}) => tlsRequest(signer.port, { path: p, ca, ...opts });
  await pollUntil(async () => {
    if (signer.exit) throw new Error(`the node exited: ${signer.output()}`);
    try { return (await call('/api/status')).status === 200; } catch { return false; }
  }, { what: 'the TLS node to answer', deadlineMs: 15000 });

  for (const p of ['/api/status', '/.well-known/openid-configuration', '/no/such/path', '/admin/']) {
    const res = await call(p);
    assert.equal(res.headers['strict-transport-security'], 'max-age=31536000', p);
    assert.equal(res.headers['x-content-type-options'], 'nosniff', p);
  }

  const authorize = `/oauth2/authorize?${new URLSearchParams({ response_type: 'code', client_id: web.client_id,
    redirect_uri: web.redirect_uris[0], scope: 'openid', state: 'st' })}`;
  const form = await call(authorize);
  assert.equal(form.status, 200, form.body);
  const csrfCookie = setCookies(form).get('__Host-gh_csrf');
  assertHostCookie(csrfCookie, '__Host-gh_csrf');
  assert.ok(!setCookies(form).has('gh_csrf'), 'no cookie under the old name');
  const field = (page, name) => new RegExp(`name="${name}" value="([^"]*)"`).exec(page)[1];
  const login = (cookie) => call('/oauth2/login', {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams({ tx: field(form.body, 'tx'), csrf: field(form.body, 'csrf'), ...user }).toString(),
  });
  // The same token under the old name is not read: a cookie anyone could have planted.
  const oldName = await login(`gh_csrf=${csrfCookie.value}`);
  assert.equal(oldName.status, 400);
  assert.match(oldName.body, /data-error="csrf"/);
  const signedIn = await login(`__Host-gh_csrf=${csrfCookie.value}`);
  assert.equal(signedIn.status, 302, signedIn.body);
  assert.match(signedIn.headers.location, /^https:\/\/rp\.example\/cb\?code=/);
  const session = setCookies(signedIn).get('__Host-gh_session');
  assertHostCookie(session, '__Host-gh_session');

  // The session answers the next request under its new name only.
  const silent = `${authorize}&prompt=none`;
  assert.match((await call(silent, { headers: { cookie: `__Host-gh_session=${session.value}` } })).headers.location, /[?&]code=/);
  assert.match((await call(silent, { headers: { cookie: `gh_session=${session.value}` } })).headers.location, /error=login_required/);

  // Sign-out: the confirmation's cookie is a __Host- one too, and both cookies are cleared.
  const ask = await call('/oauth2/logout', { headers: { cookie: `__Host-gh_session=${session.value}` } });
  assert.equal(ask.status, 200);
  const logoutCookie = setCookies(ask).get('__Host-gh_logout');
  assertHostCookie(logoutCookie, '__Host-gh_logout');
  const out = await call('/oauth2/logout', {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded',
      cookie: `__Host-gh_session=${session.value}; __Host-gh_logout=${logoutCookie.value}` },
    body: new URLSearchParams({ confirm: 'yes', csrf: field(ask.body, 'csrf') }).toString(),
  });
  assert.equal(out.status, 200, out.body);
  const cleared = setCookies(out);
  assert.equal(cleared.get('__Host-gh_session')?.value, '');
  assert.equal(cleared.get('__Host-gh_logout')?.value, '');
  assert.match((await call(silent, { headers: { cookie: `__Host-gh_session=${session.value}` } })).headers.location, /error=login_required/);
});
