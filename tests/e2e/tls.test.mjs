// TLS on the node itself (server.tls_cert_file / tls_key_file): the node serves HTTPS with the
// configured pair, SIGHUP swaps in a new pair for new connections, and a bad pair on SIGHUP is
// refused with the last good one kept — the node never stops serving. Certificates are made with
// the openssl command line (Debian's openssl package).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { after, before } from 'node:test';
import { GatehouseNode, nodeTest, pollUntil } from './lib/node.js';

let node;
let plain;
let certs; // {one: {cert, key}, two: {cert, key}} as PEM text
const it = nodeTest(() => [node, plain].filter(Boolean));

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
function get(port, p, ca) {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path: p, ca, agent: false, timeout: 5000 }, (res) => {
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
});

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
