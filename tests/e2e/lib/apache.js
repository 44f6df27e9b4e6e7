// Debian's Apache as a throw-away web server for the interoperability tests: a test certificate
// authority and a certificate for 127.0.0.1 it signs (openssl command line), an Apache with its
// own configuration in a temporary folder (prefork, in the foreground, on 127.0.0.1 over TLS),
// and a small HTTPS client that trusts the test CA and keeps cookies, as a browser would.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { ms, pollUntil, tail } from './node.js';
import { cookieHeader, storeCookies } from './forms.js';

const MODULES = '/usr/lib/apache2/modules';

/**
 * A certificate authority and a server certificate for IP 127.0.0.1 signed by it, written to
 * `dir` (world-readable, as Apache's children read the CA file after dropping root).
 * Returns the paths { ca, cert, key } and the CA as PEM text (caPem).
 */
export function makeTestCa(dir) {
  const file = (name) => path.join(dir, name);
  const run = (args) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  run(['req', '-x509', ...ec, '-keyout', file('ca.key'), '-out', file('ca.crt'), '-days', '1',
    '-subj', '/CN=gatehouse test CA', '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign']);
  run(['req', ...ec, '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', '/CN=127.0.0.1']);
  fs.writeFileSync(file('server.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  run(['x509', '-req', '-in', file('server.csr'), '-CA', file('ca.crt'), '-CAkey', file('ca.key'),
    '-CAcreateserial', '-days', '1', '-out', file('server.crt'), '-extfile', file('server.ext')]);
  fs.chmodSync(dir, 0o755);
  fs.chmodSync(file('ca.crt'), 0o644);
  return { ca: file('ca.crt'), cert: file('server.crt'), key: file('server.key'), caPem: fs.readFileSync(file('ca.crt'), 'utf8') };
}

/**
 * One HTTPS request trusting `ca`; resolves { status, headers, text, location }. With a `jar`
 * (Map of cookie name → value) it sends and keeps cookies. Never follows redirects. An http: URL
 * goes in the clear (a node without TLS), so one client can follow a flow across both servers.
 */
export function httpsRequest(url, { ca, jar, method = 'GET', form, headers = {}, timeoutMs = 10000 } = {}) {
  const u = new URL(url);
  const h = { ...headers };
  if (jar && jar.size) h.cookie = cookieHeader(jar);
  let body;
  if (form) {
    body = new URLSearchParams(form).toString();
    h['content-type'] = 'application/x-www-form-urlencoded';
    h['content-length'] = Buffer.byteLength(body);
  }
  return new Promise((resolve, reject) => {
    const client = u.protocol === 'http:' ? http : https;
    const req = client.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method, headers: h, ca,
      agent: false, timeout: ms(timeoutMs) }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d) => { text += d; }).on('end', () => {
        if (jar) storeCookies(jar, { headers: { getSetCookie: () => [].concat(res.headers['set-cookie'] ?? []) } });
        const location = res.headers.location ? new URL(res.headers.location, url).href : null;
        resolve({ status: res.statusCode, headers: res.headers, text, location });
      });
    });
    req.on('error', reject).on('timeout', () => req.destroy(new Error(`no answer from ${url}`)));
    if (body) req.write(body);
    req.end();
  });
}

/**
 * Starts Apache (prefork, several children: a request may wait on another, as a CAS proxy
 * callback does) in `dir` on 127.0.0.1:`port` over TLS with `tls` ({cert, key}), the modules
 * `modules` (names of mod_*.so / libphp*.so files) and `site` appended to the configuration.
 * DocumentRoot is dir/www. Resolves { stop(), output(), errorLog() } once it answers.
 */
export async function startApache({ dir, port, tls, ca, modules, site }) {
  const www = path.join(dir, 'www');
  await fsp.mkdir(www, { recursive: true });
  const load = modules.map((m) => {
    const name = m.startsWith('libphp') ? 'php_module' : `${m.replace(/^mod_/, '').replace(/\.so$/, '')}_module`;
    return `LoadModule ${name} ${MODULES}/${m}`;
  });
  // As root, the children run as nobody: every file they read or write is made accessible to them.
  const asRoot = process.getuid?.() === 0;
  const conf = [
    `ServerRoot ${dir}`, `PidFile ${dir}/httpd.pid`, `Mutex file:${dir}`, `ErrorLog ${dir}/error.log`,
    'LogLevel warn', `Listen 127.0.0.1:${port}`, `ServerName 127.0.0.1:${port}`,
    ...(asRoot ? ['User nobody', 'Group nogroup'] : []),
    `LoadModule mpm_prefork_module ${MODULES}/mod_mpm_prefork.so`,
    `LoadModule authz_core_module ${MODULES}/mod_authz_core.so`,
    `LoadModule authn_core_module ${MODULES}/mod_authn_core.so`,
    `LoadModule authz_user_module ${MODULES}/mod_authz_user.so`,
    `LoadModule ssl_module ${MODULES}/mod_ssl.so`,
    `LoadModule socache_shmcb_module ${MODULES}/mod_socache_shmcb.so`,
    ...load,
    'StartServers 3', 'MinSpareServers 3', 'MaxSpareServers 6', 'MaxRequestWorkers 10',
    `SSLSessionCache shmcb:${dir}/ssl_cache(51200)`,
    'SSLEngine on', `SSLCertificateFile ${tls.cert}`, `SSLCertificateKeyFile ${tls.key}`,
    `DocumentRoot ${www}`, `<Directory ${www}>`, '  Require all granted', '</Directory>',
    site, '',
  ].join('\n');
  await fsp.writeFile(path.join(dir, 'apache2.conf'), conf);
  if (asRoot) fs.chmodSync(dir, 0o755);
  const bin = fs.existsSync('/usr/sbin/apache2') ? '/usr/sbin/apache2' : 'apache2';
  // Its own process group: prefork's shutdown signals its whole group, which must not hold us.
  const child = spawn(bin, ['-f', path.join(dir, 'apache2.conf'), '-DFOREGROUND'],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const errorLog = () => { try { return fs.readFileSync(path.join(dir, 'error.log'), 'utf8'); } catch { return ''; } };
  const apache = {
    child,
    output: () => out,
    errorLog,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), ms(10000));
        await exited;
        clearTimeout(timer);
      }
    },
  };
  try {
    const ready = await pollUntil(async () => {
      if (child.exitCode !== null) return 'exited';
      try { return (await httpsRequest(`https://127.0.0.1:${port}/`, { ca, timeoutMs: 2000 })).status > 0; } catch { return false; }
    }, { what: 'Apache to answer over TLS', deadlineMs: 15000 });
    if (ready === 'exited') throw new Error(`apache2 exited: ${out}\n${tail(errorLog())}`);
  } catch (err) {
    await apache.stop();
    throw err;
  }
  return apache;
}
