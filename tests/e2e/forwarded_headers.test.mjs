// The client address behind the load balancers of docs/OPERATIONS.md: the HAProxy and nginx
// configurations are read from the document itself (only the TLS lines and the node addresses are
// changed), run in front of one node that trusts them, and a client on 127.0.0.5 sends forged
// X-Forwarded-For and Forwarded headers. The audit trail and metrics.allow must see 127.0.0.5:
// HAProxy's `option forwardfor` adds its own X-Forwarded-For line after the client's, nginx's
// $proxy_add_x_forwarded_for appends to the client's value, and both pass Forwarded on untouched.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { after, before } from 'node:test';
import { ADMIN_KEY, GatehouseNode, REPO, freePort, makeTempDir, ms, nodeTest, pollUntil, rawRequest, removeTempDir } from './lib/node.js';

const CLIENT = '127.0.0.5'; // the client's own address (all of 127/8 is loopback); the proxies connect from 127.0.0.1
const FORGED = '198.51.100.99'; // what the client claims to be, and the only address metrics.allow lets in
const forgedHeaders = { 'x-forwarded-for': FORGED, forwarded: `for=${FORGED};proto=https` };

let node;
const proxies = [];
const it = nodeTest(() => [node]);

/** The fenced block of docs/OPERATIONS.md in `language`. */
function documented(language) {
  const doc = fs.readFileSync(path.join(REPO, 'docs', 'OPERATIONS.md'), 'utf8');
  const m = new RegExp('```' + language + '\\n([\\s\\S]*?)```').exec(doc);
  assert.ok(m, `docs/OPERATIONS.md has a \`\`\`${language} block`);
  return m[1];
}

/** Replaces `pattern` in `text`, asserting it was there (a changed document must fail loudly here). */
function replaced(text, pattern, by, what) {
  assert.match(text, pattern, `the documented configuration has ${what}`);
  return text.replace(pattern, by);
}

/** The documented node addresses (10.0.0.x:9011) all become the test node. */
const toNode = (text) => replaced(text, /10\.0\.0\.\d+:9011/g, `127.0.0.1:${node.port}`, 'node addresses');

async function startProxy(name, command, args, dir, port) {
  const child = spawn(command, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const proxy = { name, child, dir, port, exited, output: () => out };
  proxies.push(proxy);
  await pollUntil(async () => {
    if (child.exitCode !== null) throw new Error(`${name} exited: ${out}`);
    try { return (await send(port, { path: '/api/status' })).status === 200; } catch { return false; }
  }, { what: `${name} to pass /api/status to the node`, deadlineMs: 10000 });
  return proxy;
}

async function startHaproxy() {
  const dir = await makeTempDir('gatehouse-haproxy-');
  const port = await freePort();
  let cfg = documented('haproxy');
  cfg = replaced(cfg, /^\s*bind :443 ssl crt .*$/m, `  bind 127.0.0.1:${port}`, 'a TLS bind line');
  cfg = toNode(cfg);
  assert.match(cfg, /^\s*option forwardfor\s*$/m);
  await fsp.writeFile(path.join(dir, 'haproxy.cfg'), cfg);
  const bin = fs.existsSync('/usr/sbin/haproxy') ? '/usr/sbin/haproxy' : 'haproxy';
  return startProxy('HAProxy', bin, ['-db', '-f', path.join(dir, 'haproxy.cfg')], dir, port);
}

async function startNginx() {
  const dir = await makeTempDir('gatehouse-nginx-');
  const port = await freePort();
  let site = documented('nginx');
  site = replaced(site, /^\s*listen 443 ssl;$/m, `  listen 127.0.0.1:${port};`, 'a TLS listen line');
  site = replaced(site, /^\s*ssl_certificate .*\n/m, '', 'ssl_certificate');
  site = replaced(site, /^\s*ssl_certificate_key .*\n/m, '', 'ssl_certificate_key');
  site = toNode(site);
  assert.match(site, /proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;/);
  // A throw-away server: one process in the foreground, every file in its own folder.
  const conf = [
    'daemon off;', 'master_process off;', `pid ${dir}/nginx.pid;`, `error_log ${dir}/error.log info;`,
    'events { worker_connections 64; }',
    'http {', '  access_log off;',
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${dir}/${t};`),
    site, '}', '',
  ].join('\n');
  await fsp.writeFile(path.join(dir, 'nginx.conf'), conf);
  const bin = fs.existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';
  return startProxy('nginx', bin, ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'error.log')], dir, port);
}

/** One HTTP request to the proxy on 127.0.0.1:port, from the client's address. */
const send = (port, request) => rawRequest(port, { ...request, localAddress: CLIENT });

before(async () => {
  node = await GatehouseNode.start({
    config: { server: { trusted_proxies: ['127.0.0.1'] }, metrics: { allow: [FORGED] } },
  });
});
after(async () => {
  for (const p of proxies) {
    if (p.child.exitCode === null) p.child.kill('SIGTERM');
    const exited = await Promise.race([p.exited.then(() => true), new Promise((r) => { setTimeout(() => r(false), ms(5000)); })]);
    if (!exited) p.child.kill('SIGKILL');
    await removeTempDir(p.dir);
  }
  await node?.cleanup();
});

for (const [name, start] of [['HAProxy', startHaproxy], ['nginx', startNginx]]) {
  it(`behind ${name} as documented, forged X-Forwarded-For and Forwarded headers do not choose the client address`, async () => {
    const proxy = await start();
    const clientId = `via-${name.toLowerCase()}`;
    const created = await send(proxy.port, {
      method: 'POST', path: '/api/applications', body: JSON.stringify({ client_id: clientId, scope: '' }),
      headers: { ...forgedHeaders, authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    });
    assert.equal(created.status, 201, created.text);
    const audit = await node.admin('GET', `/api/system/audit?target=${clientId}`);
    assert.equal(audit.status, 200, audit.text);
    assert.equal(audit.json.events.length, 1);
    assert.equal(audit.json.events[0].client_address, CLIENT, `the audit trail saw the client's own address through ${name}`);
    // metrics.allow lets only the forged address in: the client is refused, with or without the forgery.
    for (const headers of [forgedHeaders, { 'x-forwarded-for': FORGED }, { forwarded: `for=${FORGED}` }, {}]) {
      const metrics = await send(proxy.port, { path: '/metrics', headers });
      assert.equal(metrics.status, 403, `${JSON.stringify(headers)} through ${name}: ${metrics.text}`);
    }
  });
}
