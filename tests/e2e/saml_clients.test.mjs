// A real SAML service provider from Debian against one node on 127.0.0.1: Apache with
// mod_auth_mellon (Lasso underneath) protects a page, a CGI script that prints what mellon put in
// its environment (the NameID, the released attributes, the IdP). The node serves plain HTTP and
// its metadata, fetched from /saml/metadata, is mellon's MellonIdPMetadataFile; Apache serves TLS
// with a certificate from a test CA, as the CAS clients test does. Each test starts its own Apache
// with one SP (its own key, certificate and metadata, registered as an application through the
// admin API) and signs in through the hosted page with a cookie-keeping client, as a browser would.
// mellon signs its AuthnRequests (HTTP-Redirect) and its ArtifactResolve (SOAP); Gatehouse checks
// both against the keys of the SP's metadata.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before } from 'node:test';
import { GatehouseNode, defaultKickstart, freePort, makeTempDir, nodeTest, pollUntil, removeTempDir, tail } from './lib/node.js';
import { hidden } from './lib/forms.js';
import { httpsRequest, makeTestCa, startApache } from './lib/apache.js';
import { keyPair, posted } from './lib/saml_sp.js';

const USER = { username: 'ada', password: 'correct horse battery', email: 'ada@example.com', name: 'Ada Lovelace' };
const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
const BINDING = {
  post: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
  artifact: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact',
  redirect: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
  soap: 'urn:oasis:names:tc:SAML:2.0:bindings:SOAP',
};
const NAMEID = {
  persistent: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
  transient: 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient',
  emailAddress: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
};
// The attribute names Gatehouse releases (docs/API.md, "SAML"), as mellon sees them: by Name.
const OID = { mail: 'urn:oid:0.9.2342.19200300.100.1.3', displayName: 'urn:oid:2.16.840.1.113730.3.1.241' };

let dir;
let tls; // the test CA and Apache's certificate
let node;
let idpMetadata; // the node's /saml/metadata, as a file for mellon
const apaches = new Set();
const it = nodeTest(() => [node]);

before(async () => {
  dir = await makeTempDir('gatehouse-saml-clients-');
  tls = makeTestCa(dir); // also opens dir to Apache's children (they run as nobody under root)
  const kickstart = defaultKickstart();
  kickstart.users = [USER];
  // The back channel (single logout by SOAP to mellon's https endpoint) trusts the test CA.
  node = await GatehouseNode.start({
    kickstart, config: { passwords: { memory_kib: 256, iterations: 1 }, cas: { proxy_callback_ca_file: tls.ca } },
  });
  const res = await node.request('/saml/metadata');
  assert.equal(res.status, 200, res.text);
  idpMetadata = path.join(dir, 'idp-metadata.xml');
  fs.writeFileSync(idpMetadata, res.text);
});
after(async () => {
  for (const apache of apaches) await apache.stop();
  await node?.cleanup();
  if (dir) await removeTempDir(dir);
});

/**
 * The SP's EntityDescriptor: a signing key, requests signed, mellon's logout endpoint by each of the
 * `logout` bindings (none by default), the NameID format it asks for (Lasso puts the metadata's
 * first one in the AuthnRequest's NameIDPolicy), one consumer of `binding` at mellon's endpoint.
 */
function spMetadata({ entityId, endpoint, cert, binding, nameIdFormat, logout = [] }) {
  const der = fs.readFileSync(cert, 'utf8').replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
  const consumer = binding === 'artifact' ? 'artifactResponse' : 'postResponse';
  return `<?xml version="1.0" encoding="UTF-8"?>
<EntityDescriptor xmlns="${MD}" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${entityId}">
  <SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" AuthnRequestsSigned="true" WantAssertionsSigned="true">
    <KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${der}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></KeyDescriptor>
${logout.map((b) => `    <SingleLogoutService Binding="${BINDING[b]}" Location="${endpoint}/logout"/>\n`).join('')}    <NameIDFormat>${nameIdFormat}</NameIDFormat>
    <AssertionConsumerService index="0" isDefault="true" Binding="${BINDING[binding]}" Location="${endpoint}/${consumer}"/>
  </SPSSODescriptor>
</EntityDescriptor>
`;
}

/** Prints mellon's variables and the user Apache was given, one per line, sorted (text/plain). */
const WHOAMI = `#!/bin/sh
printf 'Content-Type: text/plain\\r\\n\\r\\n'
env | grep -E '^(MELLON_|REMOTE_USER=|AUTH_TYPE=)' | sort
`;

/**
 * A mod_auth_mellon SP named `name`: its key and certificate, its metadata registered in the node as
 * application `name` with `members` (saml_attributes, ...), and an Apache on a free port protecting
 * /secret/ with it, the consumer endpoint by `binding` ("post" or "artifact"), single logout by the
 * `logout` bindings ("redirect", "soap"; none by default). Apache is stopped after the test.
 * Returns { page (the protected page's URL), bye (an unprotected page), entityId, endpoint (mellon's,
 * e.g. endpoint/logout), apache, accessLog() (Apache's, a line "METHOD PATH STATUS" per request) }.
 */
async function startMellonSp(t, name, { binding, members = {}, logout = [] }) {
  const spDir = path.join(dir, name);
  const port = await freePort();
  const base = `https://127.0.0.1:${port}`;
  const endpoint = `${base}/secret/mellon`;
  const entityId = `${endpoint}/metadata`;
  fs.mkdirSync(path.join(spDir, 'www', 'secret'), { recursive: true });
  const key = keyPair(spDir, 'sp');
  fs.chmodSync(key.key, 0o644); // read by Apache's children (a throw-away key)
  const metadataFile = path.join(spDir, 'sp-metadata.xml');
  const nameIdFormat = NAMEID[members.saml_nameid_format ?? 'transient'];
  const metadata = spMetadata({ entityId, endpoint, cert: key.cert, binding, nameIdFormat, logout });
  fs.writeFileSync(metadataFile, metadata);
  const res = await node.admin('POST', '/api/applications', { client_id: name, saml_metadata: metadata, ...members });
  assert.equal(res.status, 201, res.text);
  fs.writeFileSync(path.join(spDir, 'www', 'secret', 'whoami.cgi'), WHOAMI, { mode: 0o755 });

  const apache = await startApache({
    dir: spDir, port, tls, ca: tls.caPem,
    modules: ['mod_cgi.so', 'mod_auth_mellon.so'],
    site: [
      'LogLevel warn auth_mellon:debug',
      `CustomLog ${path.join(spDir, 'access.log')} "%m %U %>s"`,
      `MellonLockFile ${path.join(spDir, 'mellon.lock')}`,
      `<Directory ${path.join(spDir, 'www', 'secret')}>`, '  Options +ExecCGI', '  <Files "*.cgi">',
      '    SetHandler cgi-script', '  </Files>', '</Directory>',
      '<Location /secret/>',
      '  AuthType Mellon', '  MellonEnable auth', '  Require valid-user',
      '  MellonEndpointPath /secret/mellon',
      `  MellonSPMetadataFile ${metadataFile}`,
      `  MellonSPPrivateKeyFile ${key.key}`,
      `  MellonSPCertFile ${key.cert}`,
      `  MellonIdPMetadataFile ${idpMetadata}`,
      '  MellonIdP IDP',
      `  MellonSetEnv mail ${OID.mail}`,
      `  MellonSetEnv displayName ${OID.displayName}`,
      '</Location>',
    ].join('\n'),
  });
  apaches.add(apache);
  t.after(async () => {
    apaches.delete(apache);
    await apache.stop();
  });
  fs.writeFileSync(path.join(spDir, 'www', 'bye.html'), '<p>signed out</p>\n');
  const accessLog = () => { try { return fs.readFileSync(path.join(spDir, 'access.log'), 'utf8'); } catch { return ''; } };
  return { page: `${base}/secret/whoami.cgi`, bye: `${base}/bye.html`, entityId, endpoint, apache, accessLog };
}

/** One request to the node (http) or Apache (https, trusting the test CA), with the cookie `jar`. */
const request = (url, jar, form) => httpsRequest(url, { ca: tls.caPem, jar, method: form ? 'POST' : 'GET', form });

/** Requests `url` and follows redirects as a browser would; the last answer and every URL seen. */
async function browse(jar, url, form) {
  const seen = [url];
  let res = await request(url, jar, form);
  for (let hops = 0; res.location && hops < 10; hops += 1) {
    seen.push(res.location);
    res = await request(res.location, jar);
  }
  return { ...res, url: seen.at(-1), seen };
}

/** Runs `fn`; a failure carries the tail of the SP's Apache error log (mellon logs at debug level). */
async function withApacheLog(sp, fn) {
  try {
    return await fn();
  } catch (err) {
    if (err && typeof err === 'object') err.message += `\n--- Apache error.log ---\n${tail(sp.apache.errorLog(), 40)}`;
    throw err;
  }
}

/** The variables the protected page printed: { NAME: value }. */
const variables = (text) => Object.fromEntries(text.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));

/**
 * Opens the SP's protected page with `jar` and follows mellon's redirects up to the node, without
 * sending the last one: the URL that carries mellon's AuthnRequest (HTTP-Redirect binding).
 */
async function authnRequestFrom(sp, jar) {
  let url = sp.page;
  for (let hops = 0; hops < 5; hops += 1) {
    const res = await request(url, jar);
    assert.ok(res.location, `mellon redirects (${res.status}): ${res.text}`);
    if (res.location.startsWith(`${node.url}/`)) return new URL(res.location);
    url = res.location;
  }
  throw new Error(`mellon never sent the browser to the node (last: ${url})`);
}

/**
 * Opens the SP's protected page with `jar`, is sent to the node's hosted sign-in by mellon's
 * AuthnRequest, signs in as ada, and carries the answer back to mellon as a browser would.
 * Returns the protected page, every URL seen, and mellon's endpoint the answer reached (via).
 */
async function signInAt(sp, jar = new Map()) {
  const sso = await authnRequestFrom(sp, jar);
  assert.equal(`${sso.origin}${sso.pathname}`, `${node.url}/saml/sso`);
  assert.ok(sso.searchParams.get('Signature'), 'mellon signs its AuthnRequest');
  const form = await request(sso.href, jar);
  assert.equal(form.status, 200, form.text);
  const done = await request(`${node.url}/oauth2/login`, jar, {
    tx: hidden(form.text, 'tx'), csrf: hidden(form.text, 'csrf'), username: USER.username, password: USER.password,
  });
  return deliver(jar, done);
}

/**
 * Takes the node's answer to mellon as a browser would (the redirect with the artifact, or the
 * auto-posted form), then on to the page; `via` is mellon's endpoint it reached first.
 */
async function deliver(jar, done) {
  if (done.status === 302) {
    const page = await browse(jar, done.location);
    return { ...page, via: done.location };
  }
  const answer = posted(done);
  const page = await browse(jar, answer.action, { SAMLResponse: answer.response, RelayState: answer.relay });
  return { ...page, via: answer.action };
}

it('mod_auth_mellon by the HTTP-POST binding shows the persistent NameID and the released attributes', async (t) => {
  const sp = await startMellonSp(t, 'mellon-post', {
    binding: 'post', members: { saml_attributes: ['email', 'name'], saml_nameid_format: 'persistent' },
  });
  await withApacheLog(sp, async () => {
    const jar = new Map();
    const page = await signInAt(sp, jar);
    assert.equal(page.via, `${sp.endpoint}/postResponse`, 'the Response was posted to mellon\'s consumer');
    assert.equal(page.status, 200, page.text);
    assert.equal(page.url, sp.page, `back on the protected page: ${page.seen.join(' → ')}`);
    const env = variables(page.text);
    assert.equal(env.AUTH_TYPE, 'Mellon');
    assert.match(env.MELLON_NAME_ID ?? '', /^[A-Za-z0-9_-]{16,}$/, `an opaque persistent NameID: ${page.text}`);
    assert.equal(env.REMOTE_USER, env.MELLON_NAME_ID, 'the NameID is the user Apache gives the page');
    assert.equal(env.MELLON_mail, USER.email);
    assert.equal(env.MELLON_displayName, USER.name);
    assert.equal(env.MELLON_IDP, `${node.url}/saml/metadata`);

    // Without mellon's session (its cookie dropped), the node's SSO session answers the next
    // AuthnRequest without a form, with the same persistent NameID.
    for (const name of [...jar.keys()]) if (name.startsWith('mellon')) jar.delete(name);
    const again = await browse(jar, sp.page);
    assert.match(again.text, /name="SAMLResponse"/, 'the answer at once, no sign-in form');
    const answer = await deliver(jar, again);
    assert.equal(answer.status, 200, answer.text);
    assert.equal(variables(answer.text).MELLON_NAME_ID, env.MELLON_NAME_ID, 'the persistent NameID is stable');
  });
});

it('mod_auth_mellon by the HTTP-Artifact binding resolves the artifact over SOAP (signed) and shows the email NameID', async (t) => {
  const sp = await startMellonSp(t, 'mellon-artifact', {
    binding: 'artifact',
    members: { saml_attributes: ['email', 'name'], saml_nameid_format: 'emailAddress', saml_require_signed_requests: true },
  });
  await withApacheLog(sp, async () => {
    // mellon's AuthnRequest without its signature is refused (this SP must sign); the same one as
    // mellon signed it is then taken: the refusal was the signature's, not a replay's.
    const probe = new Map();
    const signed = await authnRequestFrom(sp, probe);
    const unsigned = new URL(signed);
    unsigned.searchParams.delete('SigAlg');
    unsigned.searchParams.delete('Signature');
    assert.equal((await request(unsigned.href, new Map())).status, 403, 'unsigned where the SP must sign');
    assert.equal((await request(signed.href, probe)).status, 200, 'signed: the sign-in page');

    const jar = new Map();
    const page = await signInAt(sp, jar);
    const via = new URL(page.via);
    assert.equal(`${via.origin}${via.pathname}`, `${sp.endpoint}/artifactResponse`, 'an artifact, not the Response, came by the browser');
    assert.ok(via.searchParams.get('SAMLart'), page.via);
    assert.equal(page.status, 200, page.text);
    assert.equal(page.url, sp.page, `back on the protected page: ${page.seen.join(' → ')}`);
    const env = variables(page.text);
    assert.equal(env.MELLON_NAME_ID, USER.email, `the email address as NameID: ${page.text}`);
    assert.equal(env.REMOTE_USER, USER.email);
    assert.equal(env.MELLON_mail, USER.email);
    assert.equal(env.MELLON_displayName, USER.name);
    assert.equal(env.MELLON_IDP, `${node.url}/saml/metadata`);

    // The same artifact again, in another browser: mellon asks the node, which has nothing for it.
    const other = new Map();
    await authnRequestFrom(sp, other); // mellon's cookie (its cookie test) in the other jar
    const spent = /Failed to handle HTTP-Artifact response data\. Lasso error: \[-?\d+\] Missing response/;
    assert.doesNotMatch(sp.apache.errorLog(), spent);
    const replay = await browse(other, page.via);
    assert.equal(replay.status, 500, replay.text);
    assert.doesNotMatch(replay.text, /MELLON_NAME_ID/);
    assert.match(sp.apache.errorLog(), spent, 'the node answered the second ArtifactResolve without a Response');
  });
});

/** Whether the node's SSO session of `jar` is gone: mellon's next AuthnRequest gets the sign-in form. */
async function nodeAsksToSignIn(sp, jar) {
  const sso = await authnRequestFrom(sp, jar);
  const res = await request(sso.href, jar);
  assert.equal(res.status, 200, res.text);
  return /name="password"/.test(res.text);
}

it('mod_auth_mellon SP-initiated single logout: its LogoutRequest ends the session, the LogoutResponse brings it to ReturnTo', async (t) => {
  const sp = await startMellonSp(t, 'mellon-slo', { binding: 'post', logout: ['redirect', 'soap'] });
  await withApacheLog(sp, async () => {
    const jar = new Map();
    const page = await signInAt(sp, jar);
    assert.equal(page.status, 200, page.text);
    assert.ok(variables(page.text).MELLON_NAME_ID, page.text);

    const start = await request(`${sp.endpoint}/logout?ReturnTo=${encodeURIComponent(sp.bye)}`, jar);
    assert.ok([302, 303].includes(start.status), start.text);
    const toNode = new URL(start.location);
    assert.equal(`${toNode.origin}${toNode.pathname}`, `${node.url}/saml/slo`, 'mellon\'s LogoutRequest goes to the node');
    assert.ok(toNode.searchParams.get('SAMLRequest') && toNode.searchParams.get('Signature'), 'signed, by HTTP-Redirect');
    const answered = await request(start.location, jar);
    assert.ok(answered.location, `the node sends the browser back (${answered.status}): ${answered.text}`);
    const back = new URL(answered.location);
    assert.equal(`${back.origin}${back.pathname}`, `${sp.endpoint}/logout`, 'the LogoutResponse to mellon\'s endpoint');
    assert.ok(back.searchParams.get('SAMLResponse') && back.searchParams.get('Signature'));
    const done = await request(answered.location, jar);
    assert.equal(done.location, sp.bye, `mellon accepted the LogoutResponse (${done.status}): ${done.text}`);
    assert.equal((await request(done.location, jar)).status, 200);

    const again = await request(sp.page, jar);
    assert.notEqual(again.status, 200, 'mellon\'s session is gone: the protected page asks to sign in');
    assert.equal(await nodeAsksToSignIn(sp, jar), true, 'the node\'s session is gone');
  });
});

it('mod_auth_mellon IdP-initiated single logout: an admin sign-out reaches mellon by SOAP (https, trusted by the configured CA)', async (t) => {
  const sp = await startMellonSp(t, 'mellon-soap-slo', { binding: 'post', logout: ['soap'] });
  await withApacheLog(sp, async () => {
    const jar = new Map();
    const page = await signInAt(sp, jar);
    assert.equal(page.status, 200, page.text);
    const nameId = variables(page.text).MELLON_NAME_ID;
    assert.ok(nameId, page.text);
    assert.equal((await request(sp.page, jar)).status, 200, 'mellon\'s session holds');

    const users = await node.admin('GET', `/api/users?username=${USER.username}`);
    assert.equal(users.status, 200, users.text);
    const out = await node.admin('POST', `/api/users/${users.json.users[0].id}/sign-out`);
    assert.equal(out.status, 204, out.text);
    // Done when mellon has answered the node's LogoutRequest at its SOAP endpoint (Apache logs a
    // request once answered) and its session no longer shows the user.
    const answeredSoap = () => /^POST \/secret\/mellon\/logout 200$/m.test(sp.accessLog());
    assert.equal(answeredSoap(), false);
    await pollUntil(async () => {
      if (!answeredSoap()) return false;
      const res = await request(sp.page, jar);
      return res.status !== 200 && !res.text.includes(nameId);
    }, { deadlineMs: 15000, what: 'mellon\'s session ended by the node\'s SOAP LogoutRequest' });
    assert.equal(await nodeAsksToSignIn(sp, jar), true, 'the node\'s session is gone too');
  });
});
