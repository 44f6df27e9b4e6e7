// Real CAS clients from Debian against one node on 127.0.0.1: Apache with mod_auth_cas (CAS 2.0
// protocol, attributes from /cas/p3/serviceValidate as request headers) and phpCAS under
// Apache's mod_php (CAS 3.0 attributes; and as a CAS proxy with an https callback receiving the
// proxy-granting ticket). The node and Apache both serve TLS with a certificate from a test CA
// (mod_auth_cas validates over https only, proxy callbacks are https only), which every client is
// told to trust. Each client protects a page that prints the user and attributes it was given;
// the test signs in through the hosted page, as a form client or in headless Chromium.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before } from 'node:test';
import { launchChromium } from './lib/chromium.js';
import { GatehouseNode, defaultKickstart, freePort, makeTempDir, ms, nodeTest, pollUntil, removeTempDir, tail } from './lib/node.js';
import { hidden } from './lib/forms.js';
import { httpsRequest, makeTestCa, startApache } from './lib/apache.js';
import { submitPassword } from './lib/passkey.js';

const USER = { username: 'ada', password: 'correct horse battery', email: 'ada@example.com', name: 'Ada Lovelace' };

let dir;
let tls; // the test CA and the certificate both servers present
let node;
let apache;
let browser;
let app; // https://127.0.0.1:<Apache's port>
const it = nodeTest(() => [node]);

/** Runs `fn`; a failure carries the tail of Apache's error log (mod_auth_cas logs at debug level). */
async function withApacheLog(fn) {
  try {
    return await fn();
  } catch (err) {
    if (apache && err && typeof err === 'object') err.message += `\n--- Apache error.log ---\n${tail(apache.errorLog(), 30)}`;
    throw err;
  }
}

const casApp = (id, extra) => ({
  client_id: id, client_name: id, client_secret: `${id}-secret-0123456789`, grant_types: ['client_credentials'],
  token_endpoint_auth_method: 'client_secret_basic', ...extra,
});

/** phpCAS set up for this node, trusting the test CA; `init` is phpCAS::client or phpCAS::proxy. */
const phpCasInit = (init, nodePort, version = 'CAS_VERSION_3_0') => `<?php
require_once 'CAS.php';
phpCAS::${init}(${version}, '127.0.0.1', ${nodePort}, '/cas', '${app}');
phpCAS::setCasServerCACert('${tls.ca}', true);
`;

/** Prints the user and the attributes phpCAS has, one per line (text/plain). */
const PHP_SHOW = `header('Content-Type: text/plain');
echo 'user=' . phpCAS::getUser() . "\\n";
foreach (phpCAS::getAttributes() as $k => $v) echo "attr $k=" . (is_array($v) ? implode(',', $v) : $v) . "\\n";
`;

async function writePages(www, nodePort) {
  const put = (p, text) => {
    fs.mkdirSync(path.dirname(path.join(www, p)), { recursive: true });
    fs.writeFileSync(path.join(www, p), text);
  };
  // mod_auth_cas: REMOTE_USER, the CASAuthNHeader and the attribute headers (CASAttributePrefix CAS-).
  put('modcas/index.php', `<?php
header('Content-Type: text/plain');
echo 'remote_user=' . $_SERVER['REMOTE_USER'] . "\\n";
foreach ($_SERVER as $k => $v) if (str_starts_with($k, 'HTTP_CAS_')) echo "header $k=$v\\n";
`);
  put('modcas/other/index.php', '<?php echo "other page\\n";');
  put('phpcas/index.php', `${phpCasInit('client', nodePort)}phpCAS::forceAuthentication();\n${PHP_SHOW}`);
  // phpCAS validating by /cas/samlValidate (SAML 1.1).
  put('phpsaml/index.php', `${phpCasInit('client', nodePort, 'SAML_VERSION_1_1')}phpCAS::forceAuthentication();\n${PHP_SHOW}`);
  // phpCAS as a proxy: the callback page stores the proxy-granting ticket (files under pgt/), the
  // protected page then asks for a proxy ticket for the backend service.
  const proxyInit = `${phpCasInit('proxy', nodePort)}phpCAS::setFixedCallbackURL('${app}/proxy/callback.php');
phpCAS::setPGTStorageFile('${path.join(dir, 'pgt')}');
`;
  put('proxy/callback.php', `${proxyInit}phpCAS::forceAuthentication();\n`);
  put('proxy/index.php', `${proxyInit}phpCAS::forceAuthentication();
${PHP_SHOW}foreach (['pt', 'pt2'] as $name) {
  $pt = phpCAS::retrievePT('${app}/backend/', $code, $msg);
  echo $pt ? "$name=$pt\\n" : "$name-error=$code $msg\\n";
}
`);
  // The backend takes proxy tickets from the proxy only (phpCAS then validates at /cas/p3/proxyValidate).
  put('backend/index.php', `${phpCasInit('client', nodePort)}phpCAS::allowProxyChain(new CAS_ProxyChain(['${app}/proxy/callback.php']));
phpCAS::forceAuthentication();
${PHP_SHOW}echo 'proxies=' . implode(',', phpCAS::getProxies()) . "\\n";
`);
}

before(async () => {
  dir = await makeTempDir('gatehouse-cas-clients-');
  tls = makeTestCa(dir);
  const nodePort = await freePort();
  const apachePort = await freePort();
  app = `https://127.0.0.1:${apachePort}`;
  for (const d of ['cas-cookies', 'sessions', 'pgt']) {
    fs.mkdirSync(path.join(dir, d));
    fs.chmodSync(path.join(dir, d), 0o777); // written by Apache's children (nobody when run as root)
  }

  const kickstart = defaultKickstart();
  kickstart.users = [USER];
  kickstart.applications.push(
    casApp('modcas', { cas_services: [{ match: 'prefix', url: `${app}/modcas/` }], cas_attributes: ['email', 'name'] }),
    casApp('phpcas', { cas_services: [{ match: 'prefix', url: `${app}/phpcas/` }], cas_attributes: ['email', 'name'] }),
    casApp('phpsaml', { cas_services: [{ match: 'prefix', url: `${app}/phpsaml/` }], cas_attributes: ['email', 'name'] }),
    casApp('proxy', {
      cas_services: [{ match: 'prefix', url: `${app}/proxy/` }], cas_attributes: ['email'],
      cas_proxy_callbacks: [{ match: 'exact', url: `${app}/proxy/callback.php` }],
    }),
    casApp('backend', { cas_services: [{ match: 'exact', url: `${app}/backend/` }], cas_attributes: ['name'] }),
  );
  node = await GatehouseNode.create({
    port: nodePort, kickstart,
    config: {
      server: { public_url: `https://127.0.0.1:${nodePort}`, tls_cert_file: tls.cert, tls_key_file: tls.key },
      passwords: { memory_kib: 256, iterations: 1 },
      cas: { proxy_callback_addresses: ['127.0.0.1'], proxy_callback_ca_file: tls.ca },
    },
  });
  node.spawn();
  await pollUntil(async () => {
    if (node.exit) throw new Error(`the node exited: ${node.output()}`);
    try { return (await httpsRequest(`${node.url.replace('http:', 'https:')}/api/status`, { ca: tls.caPem })).status === 200; } catch { return false; }
  }, { what: 'the TLS node to answer', deadlineMs: 15000 });

  const www = path.join(dir, 'www');
  await writePages(www, nodePort);
  const nodeUrl = `https://127.0.0.1:${nodePort}`;
  apache = await startApache({
    dir, port: apachePort, tls, ca: tls.caPem,
    modules: ['mod_dir.so', 'libphp8.2.so', 'mod_auth_cas.so'],
    site: [
      'DirectoryIndex index.php',
      '<FilesMatch "\\.php$">', '  SetHandler application/x-httpd-php', '</FilesMatch>',
      `php_admin_value session.save_path ${path.join(dir, 'sessions')}`,
      `CASLoginURL ${nodeUrl}/cas/login`,
      `CASValidateURL ${nodeUrl}/cas/p3/serviceValidate`,
      'CASVersion 2', 'CASDebug On', 'LogLevel warn auth_cas:debug',
      `CASCertificatePath ${tls.ca}`,
      `CASCookiePath ${path.join(dir, 'cas-cookies')}/`,
      'CASAttributePrefix CAS-',
      // Authorization on a released attribute: ada's email opens /modcas/, another one /modcas/other/.
      '<Location /modcas/>', '  AuthType CAS', '  CASAuthNHeader CAS-User', '  Require cas-attribute email:ada@example.com', '</Location>',
      '<Location /modcas/other/>', '  Require cas-attribute email:grace@example.com', '</Location>',
    ].join('\n'),
  });

  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await apache?.stop();
  await node?.cleanup();
  if (dir) await removeTempDir(dir);
});

/** GETs `url` with the cookie `jar`, following redirects (manually, as a browser); the last answer and the URLs seen. */
async function browse(jar, url, { form } = {}) {
  const seen = [];
  let res = await httpsRequest(url, { ca: tls.caPem, jar, method: form ? 'POST' : 'GET', form });
  seen.push(url);
  for (let hops = 0; res.location && hops < 10; hops += 1) {
    seen.push(res.location);
    res = await httpsRequest(res.location, { ca: tls.caPem, jar });
  }
  return { ...res, url: seen.at(-1), seen };
}

/** Opens a protected page with a fresh jar, signs in on the hosted form it is sent to, and returns the page. */
async function signInAt(pageUrl) {
  const jar = new Map();
  const form = await browse(jar, pageUrl);
  assert.equal(form.status, 200, form.text);
  assert.ok(form.url.startsWith(`https://127.0.0.1:${node.port}/cas/login?service=`), form.url);
  const page = await browse(jar, `https://127.0.0.1:${node.port}/oauth2/login`, {
    form: { tx: hidden(form.text, 'tx'), csrf: hidden(form.text, 'csrf'), username: USER.username, password: USER.password },
  });
  assert.ok(page.seen.some((u) => u.includes('ticket=ST-')), `the ticket came back to the service: ${page.seen.join(' → ')}`);
  return { page, jar };
}

it('mod_auth_cas (CAS 2.0 protocol, attributes from /cas/p3/serviceValidate) shows the user and attributes, and authorizes on them', () => withApacheLog(async () => {
  const { page, jar } = await signInAt(`${app}/modcas/`);
  assert.equal(page.status, 200, page.text);
  assert.equal(page.url, `${app}/modcas/`, 'mod_auth_cas removed the ticket from the address');
  assert.match(page.text, /^remote_user=ada$/m);
  assert.match(page.text, /^header HTTP_CAS_USER=ada$/m);
  assert.match(page.text, /^header HTTP_CAS_EMAIL=ada@example.com$/m);
  assert.match(page.text, /^header HTTP_CAS_NAME=Ada Lovelace$/m);
  const again = await browse(jar, `${app}/modcas/`);
  assert.equal(again.seen.length, 1, 'the mod_auth_cas session serves the page without a new ticket');
  assert.match(again.text, /^remote_user=ada$/m);
  const other = await browse(jar, `${app}/modcas/other/`);
  assert.ok([401, 403].includes(other.status), `another email is refused: ${other.status}`);
  assert.doesNotMatch(other.text, /other page/);
  // mod_auth_cas ignores a ticket with a character outside CAS 3.0 §3.7's A-Z a-z 0-9 '-' (and sends
  // the browser back to the login): every ticket must keep to it, not only most of them.
  for (let i = 0; i < 16; i += 1) {
    const res = await httpsRequest(`https://127.0.0.1:${node.port}/cas/login?service=${encodeURIComponent(`${app}/modcas/`)}`,
      { ca: tls.caPem, jar });
    assert.equal(res.status, 302, res.text);
    assert.match(new URL(res.location).searchParams.get('ticket'), /^ST-[A-Za-z0-9-]+$/);
  }
}));

it('phpCAS (CAS 3.0) in headless Chromium shows the user and attributes', () => withApacheLog(async () => {
  const context = await browser.newContext({ ignoreHTTPSErrors: true }); // the browser's trust is not under test
  try {
    const page = await context.newPage();
    await page.goto(`${app}/phpcas/`, { timeout: ms(20000) });
    assert.ok(page.url().startsWith(`https://127.0.0.1:${node.port}/cas/login?service=`), page.url());
    await submitPassword(page, USER.username, USER.password);
    await page.waitForURL(`${app}/phpcas/`, { timeout: ms(20000) });
    const text = await page.textContent('body');
    assert.match(text, /^user=ada$/m);
    assert.match(text, /^attr email=ada@example.com$/m);
    assert.match(text, /^attr name=Ada Lovelace$/m);
    assert.match(text, /^attr authenticationMethod=pwd$/m);
  } finally {
    await context.close();
  }
}));

it('phpCAS in SAML 1.1 mode validates at /cas/samlValidate and shows the user and attributes', () => withApacheLog(async () => {
  const { page } = await signInAt(`${app}/phpsaml/`);
  assert.equal(page.status, 200, page.text);
  assert.match(page.text, /^user=ada$/m);
  assert.match(page.text, /^attr email=ada@example.com$/m);
  assert.match(page.text, /^attr name=Ada Lovelace$/m);
}));

it('phpCAS as a proxy receives a proxy-granting ticket over https and gets a proxy ticket for another service', () => withApacheLog(async () => {
  const { page } = await signInAt(`${app}/proxy/`);
  assert.equal(page.status, 200, page.text);
  assert.match(page.text, /^user=ada$/m);
  assert.match(page.text, /^attr email=ada@example.com$/m);
  const pt = /^pt=(PT-\S+)$/m.exec(page.text)?.[1];
  assert.ok(pt, `phpCAS got a proxy ticket: ${page.text}`);
  const v = await httpsRequest(`https://127.0.0.1:${node.port}/cas/p3/proxyValidate?service=${encodeURIComponent(`${app}/backend/`)}&ticket=${encodeURIComponent(pt)}`,
    { ca: tls.caPem });
  assert.match(v.text, /<cas:user>ada<\/cas:user>/, v.text);
  assert.match(v.text, /<cas:name>Ada Lovelace<\/cas:name>/, 'the backend\'s own attributes');
  assert.match(v.text, new RegExp(`<cas:proxies>\\s*<cas:proxy>${app}/proxy/callback.php</cas:proxy>\\s*</cas:proxies>`), v.text);

  // The other proxy ticket at the backend, a phpCAS client that accepts this proxy chain.
  const pt2 = /^pt2=(PT-\S+)$/m.exec(page.text)?.[1];
  assert.ok(pt2, page.text);
  const backend = await browse(new Map(), `${app}/backend/?ticket=${encodeURIComponent(pt2)}`);
  assert.equal(backend.status, 200, backend.text);
  assert.match(backend.text, /^user=ada$/m);
  assert.match(backend.text, /^attr name=Ada Lovelace$/m);
  assert.match(backend.text, new RegExp(`^proxies=${app}/proxy/callback.php$`, 'm'));
}));
