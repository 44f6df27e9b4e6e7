// Directory users (issue 16) against real OpenLDAP servers (Debian's slapd, started here on
// 127.0.0.1 with tests/ldap/directory.ldif): two servers with the same data behind one
// [[identity_sources]] entry, LDAPS and StartTLS verified against the test CA.
//   - a directory user signs in by OpenID Connect (openid-client), CAS and SAML (pysaml2): a linked
//     account is made, its groups and attributes arrive in the ID token, the CAS attributes and
//     the assertion; the audit trail names the source;
//   - failover under a bounded load: the first server stopped, then another hung (SIGSTOP): every
//     sign-in succeeds, none waits longer than the timeout plus one attempt; the health endpoint
//     and the metrics show the server down;
//   - Active Directory-shaped entries (tests/ldap/ad.schema): account name or UPN, objectGUID,
//     memberOf, a disabled account's own message;
//   - a server whose certificate comes from another CA is refused;
//   - bad input (filter metacharacters, NUL, 10 KB names, an empty password) is refused, the node lives;
//   - an administrator's "sync now" refreshes an account, and deactivates one whose entry is gone;
//   - on two nodes sharing PostgreSQL, the password is checked on node A and the TOTP code on node B.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before } from 'node:test';
import * as oidc from 'openid-client';
import { clusterNode, createDatabase, dropDatabase, skipWithoutPg } from './lib/cluster.js';
import { browse as browseUrl, hidden } from './lib/forms.js';
import { GatehouseNode, defaultKickstart, makeTempDir, ms, nodeTest, pollUntil, rememberSecrets, removeTempDir } from './lib/node.js';
import { posted, registerSp, sp, submitLogin } from './lib/saml_sp.js';
import { SERVICE_DN, SERVICE_PASSWORD, skipWithoutSlapd, startSlapd } from './lib/slapd.js';
import { startWebApp } from './lib/web_app.js';

const ADA = { username: 'ada', password: 'analytical-engine' };
const GRACE = { username: 'grace', password: 'compiler-1952' };
const CAS_SERVICE = 'https://cas-app.example.com/';
const TIMEOUT_MS = 1000;  // connect_timeout and timeout of every source here
rememberSecrets(SERVICE_PASSWORD, ADA.password, GRACE.password, 'linus-kernel-1991');

let dir;
let ca;
let primary;  // the first server of `node`'s source: stopped by the failover test
let second;   // the same data: what every node falls back to
let hung;     // the first server of `hungNode`'s source (StartTLS): SIGSTOPped
let foreign;  // a certificate from another CA
let node;
let web;
let redirectUri;
let hungNode;
let wrongCa;
let adNode;
let database;
let a;
let b;
const it = nodeTest(() => [node, hungNode, wrongCa, adNode, a, b].filter(Boolean));

/** One [[identity_sources]] entry named corp over `urls`. */
const corp = (urls, extra = {}) => ({
  name: 'corp', urls, ca_file: path.join(ca, 'ca.crt'), bind_dn: SERVICE_DN, bind_password: SERVICE_PASSWORD,
  user_base: 'ou=people,dc=example,dc=test', group_base: 'ou=groups,dc=example,dc=test', trust_email: true,
  connect_timeout: `${TIMEOUT_MS}ms`, timeout: `${TIMEOUT_MS}ms`, retry_after: '1h', ...extra,
});

before(async () => {
  if (skipWithoutSlapd.skip) return;
  dir = await makeTempDir('gatehouse-directory-');
  ca = path.join(dir, 'ca');
  [primary, second, hung, foreign] = await Promise.all([startSlapd(ca), startSlapd(ca), startSlapd(ca), startSlapd(path.join(dir, 'other-ca'))]);
  ({ node, config: web, redirectUri } = await startWebApp({
    application: () => ({ scope: 'groups', cas_services: [{ match: 'prefix', url: CAS_SERVICE }], cas_attributes: ['email', 'groups'] }),
    config: {
      server: { worker_threads: 8 },
      rate_limits: { authorize_per_ip: 1000000 },
      login: { lockout_threshold: 50 },
      identity_sources: [corp([primary.ldapsUrl, second.ldapsUrl])],
    },
  }));
  const metadata = await fetch(`${node.url}/saml/metadata`);
  fs.writeFileSync(path.join(dir, 'idp.xml'), await metadata.text());
  hungNode = await GatehouseNode.start({
    config: {
      server: { worker_threads: 8 }, passwords: { memory_kib: 256, iterations: 1 },
      identity_sources: [corp([hung.url, second.ldapsUrl], { start_tls: true })],
    },
  });
  wrongCa = await GatehouseNode.start({
    config: { passwords: { memory_kib: 256, iterations: 1 }, identity_sources: [corp([foreign.ldapsUrl])] },
  });
});
after(async () => {
  await Promise.all([node, hungNode, wrongCa, adNode, a, b].map((n) => n?.cleanup()));
  dropDatabase(database);
  await Promise.all([primary, second, hung, foreign].map((s) => s?.cleanup()));
  if (dir) await removeTempDir(dir);
});

const browse = (n, jar, url, fields) => browseUrl(url.startsWith('http') ? url : n.url + url, jar, fields);

/** The login form of `page` posted as `user` to `n`; resolves the answer and how long the POST took. */
async function postLogin(n, jar, page, user) {
  const started = performance.now();
  const res = await browse(n, jar, '/oauth2/login', { tx: hidden(page.text, 'tx'), csrf: hidden(page.text, 'csrf'), ...user });
  return { ...res, took: performance.now() - started };
}

/** A login form of `n` (an authorization request of its application `client`, or of no application). */
async function loginForm(n, jar, client = 'web', uri = redirectUri) {
  const page = await browse(n, jar, `/oauth2/authorize?${new URLSearchParams({
    response_type: 'code', client_id: client, redirect_uri: uri, scope: 'openid', state: 's',
  })}`);
  assert.equal(page.status, 200, page.text);
  return page;
}

/** A whole sign-in on `n` as `user` through a login form of application `client`: the POST's answer. */
async function signIn(n, user, client = 'web', uri = redirectUri) {
  const jar = new Map();
  return postLogin(n, jar, await loginForm(n, jar, client, uri), user);
}

const userNamed = async (n, username) => (await n.admin('GET', `/api/users?username=${username}`)).json.users[0];
const isLoginError = (page) => /Invalid username or password\./.test(page.text);

it('a directory user signs in by OpenID Connect: a linked account, the groups and attributes in the ID token', skipWithoutSlapd, async () => {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(web, {
    redirect_uri: redirectUri, scope: 'openid profile email groups', state,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  });
  const jar = new Map();
  const done = await postLogin(node, jar, await browse(node, jar, url.href), ADA);
  assert.equal(done.status, 302, done.text);
  const tokens = await oidc.authorizationCodeGrant(web, new URL(done.location), { pkceCodeVerifier: verifier, expectedState: state });
  const claims = tokens.claims();
  assert.deepEqual(claims.groups, ['admins', 'engineers']);
  assert.equal(claims.email, 'ada@example.test');
  assert.equal(claims.email_verified, true, 'trust_email');
  assert.equal(claims.name, 'Ada Lovelace');
  assert.equal(claims.preferred_username, 'ada');
  const info = await oidc.fetchUserInfo(web, tokens.access_token, claims.sub);
  assert.deepEqual(info.groups, ['admins', 'engineers'], 'userinfo releases them too');

  const account = await userNamed(node, 'ada');
  assert.equal(account.id, claims.sub);
  assert.equal(account.source, 'corp');
  assert.equal(account.external_id, '2d7b3c10-5f1a-4e0b-8c7d-0000000000a1', 'linked by entryUUID, not by the DN');
  assert.equal(account.has_password, false, 'the directory keeps the password');
  const audit = await node.admin('GET', `/api/system/audit?action=sign_in.success&actor=user:${claims.sub}`);
  assert.equal(audit.status, 200, audit.text);
  assert.deepEqual(audit.json.events[0].after, { source: 'corp' });
  // The same person again: the same account, not a second one.
  const again = await signIn(node, ADA);
  assert.equal(again.status, 302, again.text);
  assert.equal((await node.admin('GET', '/api/users?username=ada')).json.total, 1);
});

it('a directory user signs in by CAS and by SAML: email and groups in the CAS attributes and the assertion', skipWithoutSlapd, async () => {
  const jar = new Map();
  const page = await browse(node, jar, `/cas/login?service=${encodeURIComponent(CAS_SERVICE)}`);
  const done = await postLogin(node, jar, page, GRACE);
  assert.equal(done.status, 302, done.text);
  const ticket = new URL(done.location).searchParams.get('ticket');
  const v = await node.request(`/cas/p3/serviceValidate?service=${encodeURIComponent(CAS_SERVICE)}&ticket=${ticket}`);
  assert.match(v.text, /<cas:user>grace<\/cas:user>/);
  assert.match(v.text, /<cas:email>grace@example.test<\/cas:email>/);
  assert.match(v.text, /<cas:groups>engineers<\/cas:groups>/);
  assert.doesNotMatch(v.text, /admins/, 'only the groups the directory gives her');

  const options = await registerSp(node, dir, 'dirsp', { saml_attributes: ['email', 'groups'] });
  const req = sp('request', { ...options, binding: 'redirect' });
  const samlJar = new Map();
  const answer = posted(await submitLogin(node, samlJar, await browse(node, samlJar, req.url), ADA.username, ADA.password));
  const checked = sp('response', { ...options, saml_response: answer.response, request_id: req.id });
  assert.equal(checked.error, undefined, checked.error);
  assert.deepEqual(checked.attributes.mail, ['ada@example.test']);
  const groups = checked.attributes.isMemberOf ?? checked.attributes['urn:oid:1.3.6.1.4.1.5923.1.5.1.1'];
  assert.deepEqual([...groups].sort(), ['admins', 'engineers']);
});

it('bad input is refused with the form\'s message and the node lives; the empty password never signs in', skipWithoutSlapd, async () => {
  const names = ['*', 'ada)(uid=*', 'ad*', '*)(|(uid=*', 'ada\u0000', 'ada\\', 'x'.repeat(10000), 'ünïcødé', ''];
  for (const username of names) {
    const res = await signIn(node, { username, password: ADA.password });
    assert.equal(res.status, 200, `${JSON.stringify(username.slice(0, 20))}: ${res.text.slice(0, 200)}`);
    assert.ok(isLoginError(res), `${JSON.stringify(username.slice(0, 20))} was not refused`);
  }
  for (const password of ['', ' ', 'analytical-engine\u0000', 'x'.repeat(10000)]) {
    const res = await signIn(node, { username: 'grace', password });
    assert.equal(res.status, 200);
    assert.ok(isLoginError(res), `password ${JSON.stringify(password.slice(0, 20))} was not refused`);
  }
  assert.equal((await node.request('/api/status')).status, 200);
});

it('type = "active_directory": the account name or the UPN, linked by objectGUID; a disabled account is told so', skipWithoutSlapd, async () => {
  adNode = await GatehouseNode.start({
    config: {
      passwords: { memory_kib: 256, iterations: 1 },
      identity_sources: [corp([second.ldapsUrl], { type: 'active_directory', user_base: 'ou=staff,dc=example,dc=test', group_base: null })],
    },
  });
  const viaAccount = async (user) => {
    const jar = new Map();
    const form = await browse(adNode, jar, '/account');
    return postLogin(adNode, jar, form.status === 302 ? await browse(adNode, jar, form.location) : form, user);
  };
  assert.equal((await viaAccount({ username: 'jdoe', password: 'windows-password-1' })).status, 303);
  assert.equal((await viaAccount({ username: 'JDoe@Corp.Example', password: 'windows-password-1' })).status, 303, 'the UPN, any case');
  const users = (await adNode.admin('GET', '/api/users')).json;
  assert.equal(users.total, 1, 'one account for both names');
  const jdoe = users.users[0];
  assert.equal(jdoe.username, 'jdoe', 'the account name (sAMAccountName)');
  assert.equal(jdoe.external_id, '90395f191ab51b4a9e9686c66cb18d11', 'objectGUID\'s 16 bytes in hex');
  assert.equal(jdoe.name, 'John Doe', 'displayName');
  assert.deepEqual(jdoe.groups, ['staff'], 'from memberOf');

  const disabled = await viaAccount({ username: 'dsabled', password: 'windows-password-2' });
  assert.equal(disabled.status, 200);
  assert.match(disabled.text, /This account is disabled\. Contact your administrator\./);
  const guess = await viaAccount({ username: 'dsabled', password: 'a-guess' });
  assert.ok(isLoginError(guess), 'without the right password nothing but the usual message');
  assert.equal((await adNode.admin('GET', '/api/users')).json.total, 1, 'no account for a disabled user');
});

it('a server whose certificate another CA signed is refused: the sign-in answers 503, the health says why', skipWithoutSlapd, async () => {
  // wrongCa has no web application: its account page is the sign-in.
  const jar = new Map();
  const form = await browse(wrongCa, jar, '/account');
  const page = form.status === 302 ? await browse(wrongCa, jar, form.location) : form;
  const refused = await postLogin(wrongCa, jar, page, GRACE);
  assert.equal(refused.status, 503, refused.text);
  assert.match(refused.text, /the directory does not answer/);
  const health = await wrongCa.admin('GET', '/api/system/identity-sources');
  const server = health.json.identity_sources[0].servers[0];
  assert.equal(server.up, false);
  assert.match(server.last_error, /TLS|certificate|connect/i, server.last_error);
  assert.equal(await userNamed(wrongCa, 'grace'), undefined, 'no account without the directory\'s yes');
});

it('an administrator\'s sync refreshes a linked account, and deactivates one whose entry is gone', skipWithoutSlapd, async () => {
  const entry = (description) => 'dn: uid=linus,ou=people,dc=example,dc=test\nobjectClass: inetOrgPerson\nuid: linus\n' +
    `cn: Linus\nsn: Torvalds\ndescription: ${description}\nmail: linus@example.test\nuserPassword: linus-kernel-1991\n`;
  for (const s of [primary, second]) s.ldap('ldapadd', [], entry('x'));
  const done = await signIn(node, { username: 'linus', password: 'linus-kernel-1991' });
  assert.equal(done.status, 302, done.text);
  const linus = await userNamed(node, 'linus');
  for (const s of [primary, second]) s.ldap('ldapmodify', [], 'dn: uid=linus,ou=people,dc=example,dc=test\nchangetype: modify\nreplace: cn\ncn: Linus T\n');
  const synced = await node.admin('POST', `/api/users/${linus.id}/sync`);
  assert.equal(synced.status, 200, synced.text);
  assert.equal(synced.json.name, 'Linus T');
  assert.equal(synced.json.active, true);

  for (const s of [primary, second]) s.ldap('ldapdelete', ['uid=linus,ou=people,dc=example,dc=test']);
  const gone = await node.admin('POST', `/api/users/${linus.id}/sync`);
  assert.equal(gone.status, 200, gone.text);
  assert.equal(gone.json.active, false, 'the entry is gone: the account is deactivated');
  const refused = await signIn(node, { username: 'linus', password: 'linus-kernel-1991' });
  assert.ok(isLoginError(refused));
  const local = await node.admin('POST', '/api/users', { username: 'localuser', password: 'local-password-1' });
  assert.equal((await node.admin('POST', `/api/users/${local.json.id}/sync`)).status, 409, 'a local account has nothing to sync');
  assert.equal((await node.admin('POST', `/api/users/${(await userNamed(node, 'ada')).id}/password`, { password: 'a-new-password-1' })).status, 409,
    'the directory keeps a linked account\'s password');
});

/** `count` OIDC sign-ins as ADA on `n`, `width` at a time; resolves the POSTs' durations (all must succeed). */
async function signInLoad(n, client, uri, count, width) {
  const took = [];
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < count) {
      next += 1;
      const jar = new Map();
      const res = await postLogin(n, jar, await loginForm(n, jar, client, uri), ADA);
      assert.equal(res.status, 302, res.text.slice(0, 300));
      took.push(res.took);
    }
  }));
  return took;
}

it('the first server stopped under load: every sign-in succeeds within the timeout plus one attempt; health and metrics show it', skipWithoutSlapd, async () => {
  await signInLoad(node, 'web', redirectUri, 6, 3);  // connections to both servers in the pool
  const stopping = primary.stop();
  const during = await signInLoad(node, 'web', redirectUri, 30, 3);
  await stopping;
  const took = [...during, ...await signInLoad(node, 'web', redirectUri, 6, 3)];  // some surely after it is gone
  const worst = Math.max(...took);
  assert.ok(worst < ms(TIMEOUT_MS + 1500), `a sign-in took ${Math.round(worst)} ms`);
  const health = await node.admin('GET', '/api/system/identity-sources');
  const [first, other] = health.json.identity_sources[0].servers;
  assert.equal(first.up, false, JSON.stringify(first));
  assert.ok(first.retry_in_ms > 0);
  assert.equal(other.up, true);
  const metrics = (await node.request('/metrics')).text;
  assert.match(metrics, new RegExp(`gatehouse_directory_server_up\\{source="corp",server="${primary.ldapsUrl}"\\} 0`));
  assert.match(metrics, new RegExp(`gatehouse_directory_server_up\\{source="corp",server="${second.ldapsUrl}"\\} 1`));
  assert.match(metrics, /gatehouse_directory_sign_ins_total\{source="corp",outcome="success"\} \d+/);
});

it('the first server hung (SIGSTOP) under load: every sign-in succeeds within the timeout plus one attempt', skipWithoutSlapd, async () => {
  // hungNode has no web application: its own account page is the sign-in every request makes.
  const once = async () => {
    const jar = new Map();
    const form = await browse(hungNode, jar, '/account');
    const page = form.status === 302 ? await browse(hungNode, jar, form.location) : form;
    const res = await postLogin(hungNode, jar, page, ADA);
    assert.equal(res.status, 303, res.text.slice(0, 300));
    return res.took;
  };
  for (let i = 0; i < 4; i++) await once();  // StartTLS connections to the first server in the pool
  hung.pause();
  try {
    const took = [];
    await Promise.all(Array.from({ length: 3 }, async () => {
      for (let i = 0; i < 10; i++) took.push(await once());
    }));
    const worst = Math.max(...took);
    assert.ok(worst < ms(TIMEOUT_MS + 1500), `a sign-in took ${Math.round(worst)} ms`);
    assert.ok(worst >= TIMEOUT_MS * 0.9, 'the first sign-in after the hang waited for the hung server');
    const servers = (await hungNode.admin('GET', '/api/system/identity-sources')).json.identity_sources[0].servers;
    assert.equal(servers[0].up, false);
  } finally {
    hung.resume();
  }
});

it('on two nodes sharing PostgreSQL, a directory user\'s password is checked on node A and the TOTP code on node B', { skip: skipWithoutSlapd.skip || skipWithoutPg.skip }, async () => {
  database = createDatabase();
  const masterKey = crypto.randomBytes(32).toString('base64url');
  const config = { identity_sources: [corp([second.ldapsUrl])], rate_limits: { authorize_per_ip: 1000000 } };
  const kickstart = defaultKickstart();
  kickstart.applications.push({
    client_id: 'app', client_secret: 'app-secret-0123456789', client_name: 'App', grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'client_secret_basic', redirect_uris: ['http://127.0.0.1:1/cb'], scope: '',
  });
  a = await clusterNode('node-a', { database, masterKey, kickstart, config });
  b = await clusterNode('node-b', { database, masterKey, config });
  // The first sign-in makes the account; an administrator gives it an authenticator app.
  const first = await signIn(a, GRACE, 'app', 'http://127.0.0.1:1/cb');
  assert.equal(first.status, 302, first.text);
  const grace = await userNamed(a, 'grace');
  const seed = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
  rememberSecrets(seed);
  const put = await a.admin('PUT', `/api/users/${grace.id}`, { ...grace, totp_secret: seed });
  assert.equal(put.status, 200, put.text);

  const jar = new Map();
  const factor = await postLogin(a, jar, await loginForm(a, jar, 'app', 'http://127.0.0.1:1/cb'), GRACE);
  assert.equal(factor.status, 200, factor.text);
  assert.match(factor.text, /name="method" value="totp"/);
  const code = execFileSync('oathtool', ['--totp', '-b', seed], { encoding: 'utf8' }).trim();
  const done = await browse(b, jar, '/oauth2/login/factor', { tx: hidden(factor.text, 'tx'), csrf: hidden(factor.text, 'csrf'), method: 'totp', code });
  assert.equal(done.status, 302, done.text);
  assert.ok(done.location.startsWith('http://127.0.0.1:1/cb?code='), done.location);
  await pollUntil(async () => (await b.admin('GET', '/api/system/identity-sources')).json.identity_sources.length === 1, { what: 'node B to show its source' });
});
