// Signing in with a second factor, driven as a browser would over real HTTP, with TOTP codes
// computed by Debian's oathtool and the ID tokens checked by openid-client: the password and then
// the code (amr pwd otp mfa, the REFEDS mfa acr), no second page for a user without a factor,
// enrolment when the client requires a factor (or a refusal when enrolment is off), recovery codes,
// a code used twice, brute-forced codes locking the factor (not the password), step-up from a
// password-only SSO session with acr_values, max_age=0 and prompt=login, and forged forms.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import { after, before } from 'node:test';
import * as oidc from 'openid-client';
import { nodeTest, rememberSecrets } from './lib/node.js';
import { cookieHeader, hidden, storeCookies } from './lib/forms.js';
import { startWebApp } from './lib/web_app.js';

const PASSWORD = 'correct horse battery';
const MFA = 'https://refeds.org/profile/mfa';
const SFA = 'https://refeds.org/profile/sfa';
const LAX = Object.freeze({ client_id: 'lax', client_secret: 'lax-secret-0123456789', mfa_policy: 'off' });
const STRICT = Object.freeze({ client_id: 'strict', client_secret: 'strict-secret-0123456789', mfa_policy: 'required' });
const CODE_LOCKOUT = 3;

let node;        // mfa.default_policy "optional" (the default); clients web (no policy), lax (off), strict (required)
let refusing;    // mfa.default_policy "required", mfa.enrol_when_required false
let clients;     // client_id -> openid-client Configuration
let refusingWeb;
let redirectUri;
let refusingRedirect;
const it = nodeTest(() => [node, refusing]);

function configuration(serverConfig, { client_id, client_secret }) {
  const c = new oidc.Configuration(serverConfig.serverMetadata(), client_id, undefined, oidc.ClientSecretBasic(client_secret));
  oidc.allowInsecureRequests(c);
  return c;
}

before(async () => {
  let web;
  ({ node, config: web, redirectUri } = await startWebApp({
    config: { mfa: { code_lockout_threshold: CODE_LOCKOUT } },
  }));
  for (const app of [LAX, STRICT]) {
    await node.createApplication({
      ...app, client_name: app.client_id, grant_types: ['authorization_code'], token_endpoint_auth_method: 'client_secret_basic',
      redirect_uris: [redirectUri],
    });
  }
  clients = { web, lax: configuration(web, LAX), strict: configuration(web, STRICT) };
  ({ node: refusing, config: refusingWeb, redirectUri: refusingRedirect } = await startWebApp({
    users: [{ username: 'rita', password: PASSWORD }],
    config: { mfa: { default_policy: 'required', enrol_when_required: false } },
  }));
});
after(async () => {
  await node?.cleanup();
  await refusing?.cleanup();
});

// ---------------------------------------------------------------------------------------------
// TOTP as an authenticator app computes it.

/** The code oathtool computes for a base32 seed at `at` (seconds; default now). */
function oathtool(base32, at) {
  const args = ['--totp', '-b'];
  if (at !== undefined) args.push('-N', `@${at}`);
  return execFileSync('oathtool', [...args, base32.replace(/\s+/g, '')], { encoding: 'utf8' }).trim();
}
const now = () => Math.floor(Date.now() / 1000);
/** Six digits that are the code of no step near now. */
function wrongCode(base32) {
  const near = new Set([-60, -30, 0, 30, 60].map((d) => oathtool(base32, now() + d)));
  for (let n = 0; ; n += 1) if (!near.has(String(100000 + n))) return String(100000 + n);
}
/** A random 160-bit seed in base32 (as another system would export it). */
function newSeed() {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const seed = [...crypto.randomBytes(32)].map((b) => alphabet[b % 32]).join('');
  rememberSecrets(seed);
  return seed;
}

/** A user created through the admin API, with an imported TOTP seed unless `seed` is null. */
async function createUser(username, seed = newSeed()) {
  const body = { username, password: PASSWORD };
  if (seed) body.totp_secret = seed;
  const res = await node.admin('POST', '/api/users', body);
  assert.equal(res.status, 201, res.text);
  return { id: res.json.id, username, password: PASSWORD, seed };
}
const factorsOf = async (id) => (await node.admin('GET', `/api/users/${id}/factors`)).json;

// ---------------------------------------------------------------------------------------------
// A browser: a cookie jar, no redirects followed.

async function browse(n, jar, path, fields) {
  const init = { redirect: 'manual', headers: { cookie: cookieHeader(jar) } };
  if (fields) {
    init.method = 'POST';
    init.body = new URLSearchParams(fields);
    init.headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  const res = await fetch(path.startsWith('http') ? path : n.url + path, init);
  storeCookies(jar, res);
  return { res, status: res.status, text: await res.text(), location: res.headers.get('location') };
}

/** GET of an authorization URL of client `cfg`; resolves the page (or redirect) and the flow's checks. */
async function authorize(cfg, jar, extra = {}, uri = redirectUri) {
  const verifier = oidc.randomPKCECodeVerifier();
  const flow = { verifier, state: oidc.randomState(), nonce: oidc.randomNonce(), cfg };
  const url = oidc.buildAuthorizationUrl(cfg, {
    redirect_uri: uri, scope: 'openid', state: flow.state, nonce: flow.nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', ...extra,
  });
  const page = await browse(null, jar, url.href);
  return { ...page, flow };
}

/** The login form of `page` posted with the user's password. */
const postPassword = (n, jar, page, user, password = user.password) => browse(n, jar, '/oauth2/login', {
  tx: hidden(page.text, 'tx'), csrf: hidden(page.text, 'csrf'), username: user.username, password,
});
/** The factor page's form posted with `code` (method "totp" or "recovery"). */
const postFactor = (n, jar, page, code, method = 'totp', csrf = hidden(page.text, 'csrf')) => browse(n, jar, '/oauth2/login/factor', {
  tx: hidden(page.text, 'tx'), csrf, method, code,
});

/** The code exchange of a redirect back to the client; resolves the ID token's claims. */
async function claimsOf(redirect, flow) {
  assert.equal(redirect.status, 302, redirect.text);
  const tokens = await oidc.authorizationCodeGrant(flow.cfg, new URL(redirect.location), {
    pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce,
  });
  return tokens.claims();
}

const isFactorPage = (page) => /name="method" value="totp"/.test(page.text) && !/name="password"/.test(page.text);

/** Password then the factor page: resolves the factor page and the flow. */
async function untilFactorPage(user, jar = new Map(), cfg = clients.web) {
  const login = await authorize(cfg, jar);
  assert.equal(login.status, 200, login.text);
  const factor = await postPassword(node, jar, login, user);
  assert.equal(factor.status, 200, factor.text);
  assert.ok(isFactorPage(factor), factor.text);
  return { factor, flow: login.flow, jar };
}

// ---------------------------------------------------------------------------------------------

it('discovery lists the single- and multi-factor acr values', async () => {
  const meta = clients.web.serverMetadata();
  assert.deepEqual([...meta.acr_values_supported].sort(), [MFA, SFA]);
  assert.ok(meta.claims_supported.includes('amr') && meta.claims_supported.includes('acr'));
});

it('password then TOTP code: the ID token has amr pwd otp mfa and the mfa acr; the audit has the sign-in', async () => {
  const user = await createUser('tina');
  const { factor, flow, jar } = await untilFactorPage(user);
  assert.match(factor.text, /autocomplete="one-time-code"/);
  assert.equal(jar.get('gh_session'), undefined, 'no session before the second factor');
  const done = await postFactor(node, jar, factor, oathtool(user.seed));
  const claims = await claimsOf(done, flow);
  assert.deepEqual(claims.amr, ['pwd', 'otp', 'mfa']);
  assert.equal(claims.acr, MFA);
  assert.ok(jar.get('gh_session'), 'the session starts with the second factor');
  const events = (await node.admin('GET', '/api/system/audit?action=sign_in.success')).json.events;
  assert.equal(events.filter((e) => e.actor === `user:${user.id}`).length, 1, 'one success for the whole sign-in');
});

it('a user without a second factor under "optional" gets no second page: amr pwd, the sfa acr', async () => {
  const user = await createUser('una', null);
  const jar = new Map();
  const login = await authorize(clients.web, jar);
  const done = await postPassword(node, jar, login, user);
  const claims = await claimsOf(done, login.flow);
  assert.deepEqual(claims.amr, ['pwd']);
  assert.equal(claims.acr, SFA);
});

it('"required" and no factor: enrolment after the password; a wrong code confirms nothing, the right one signs in with mfa', async () => {
  const user = await createUser('enid', null);
  const jar = new Map();
  const login = await authorize(clients.strict, jar);
  const enrol = await postPassword(node, jar, login, user);
  assert.equal(enrol.status, 200, enrol.text);
  assert.match(enrol.text, /<div class="qr"[^>]*><svg /, 'a QR code');
  assert.match(enrol.text, /action="\/oauth2\/login\/enrol"/);
  const seed = /id="totp-secret">([A-Z2-7 ]+)</.exec(enrol.text)?.[1];
  assert.ok(seed, 'the key is shown for typing');
  rememberSecrets(seed.replace(/\s+/g, ''));
  const fields = { tx: hidden(enrol.text, 'tx'), csrf: hidden(enrol.text, 'csrf') };

  const wrong = await browse(node, jar, '/oauth2/login/enrol', { ...fields, code: wrongCode(seed) });
  assert.equal(wrong.status, 400);
  assert.match(wrong.text, /That code is not correct/);
  assert.equal(/id="totp-secret">([A-Z2-7 ]+)</.exec(wrong.text)?.[1], seed, 'the same key again');
  assert.deepEqual((await factorsOf(user.id)).totp, { enabled: false, pending: true, since: null }, 'nothing confirmed');

  const done = await browse(node, jar, '/oauth2/login/enrol', { ...fields, code: oathtool(seed) });
  const claims = await claimsOf(done, login.flow);
  assert.deepEqual(claims.amr, ['pwd', 'otp', 'mfa']);
  assert.equal(claims.acr, MFA);
  assert.equal((await factorsOf(user.id)).totp.enabled, true);

  // The next sign-in asks for a code from the app just set up (no second enrolment).
  const again = await untilFactorPage({ ...user, seed }, new Map(), clients.strict);
  assert.doesNotMatch(again.factor.text, /totp-secret/);
});

it('"required", no factor and mfa.enrol_when_required false: a 403 page, no session', async () => {
  const jar = new Map();
  const cfg = refusingWeb;
  const login = await authorize(cfg, jar, {}, refusingRedirect);
  assert.equal(login.status, 200, login.text);
  const refused = await postPassword(refusing, jar, login, { username: 'rita', password: PASSWORD });
  assert.equal(refused.status, 403, refused.text);
  assert.match(refused.text, /requires a second factor/);
  assert.equal(refused.location, null);
  assert.equal(jar.get('gh_session'), undefined);
  // The transaction is gone: the form cannot be posted again.
  assert.equal((await postPassword(refusing, jar, login, { username: 'rita', password: PASSWORD })).status, 400);
});

it('a recovery code in place of the TOTP code signs in once; the same recovery code again is refused', async () => {
  const user = await createUser('rory');
  // Recovery codes come from the account page (signed in with both factors).
  const jar = new Map();
  const login = await browse(node, jar, '/account');
  const factor = await postPassword(node, jar, login, user);
  assert.ok(isFactorPage(factor), factor.text);
  const account = await postFactor(node, jar, factor, oathtool(user.seed));
  assert.equal(account.status, 303, account.text);
  const page = await browse(node, jar, '/account');
  const made = await browse(node, jar, '/account/recovery-codes', { csrf: hidden(page.text, 'csrf') });
  const codes = [...made.text.matchAll(/class="recovery-code">([a-z0-9-]+)</g)].map((m) => m[1]);
  assert.equal(codes.length, 10, made.text);
  rememberSecrets(...codes);

  const first = await untilFactorPage(user);
  assert.match(first.factor.text, /Use a recovery code/);
  const claims = await claimsOf(await postFactor(node, first.jar, first.factor, codes[0].toUpperCase(), 'recovery'), first.flow);
  assert.deepEqual(claims.amr, ['pwd', 'otp', 'mfa']);
  assert.equal(claims.acr, MFA);
  assert.equal((await factorsOf(user.id)).recovery_codes_left, 9);

  const second = await untilFactorPage(user);
  const refused = await postFactor(node, second.jar, second.factor, codes[0], 'recovery');
  assert.equal(refused.status, 400);
  assert.match(refused.text, /That code is not correct/);
  assert.ok(isFactorPage(refused), 'the page is shown again');
  assert.equal((await factorsOf(user.id)).recovery_codes_left, 9);
});

it('the same TOTP code twice: the second sign-in is told it was used already', async () => {
  const user = await createUser('rex');
  const code = oathtool(user.seed);
  const first = await untilFactorPage(user);
  await claimsOf(await postFactor(node, first.jar, first.factor, code), first.flow);
  const second = await untilFactorPage(user);
  const reused = await postFactor(node, second.jar, second.factor, code);
  assert.equal(reused.status, 400);
  assert.match(reused.text, /This code was used already/);
  assert.equal(second.jar.get('gh_session'), undefined);
});

it('wrong codes lock the second factor (even the right code is refused) but not the password', async () => {
  const user = await createUser('brutus');
  const { factor, jar } = await untilFactorPage(user);
  const wrong = wrongCode(user.seed);
  for (let i = 1; i < CODE_LOCKOUT; i += 1) {
    const r = await postFactor(node, jar, factor, wrong);
    assert.equal(r.status, 400);
    assert.match(r.text, /That code is not correct/, `attempt ${i}`);
  }
  const locked = await postFactor(node, jar, factor, wrong);
  assert.equal(locked.status, 400);
  assert.match(locked.text, /Too many wrong codes/);
  const right = await postFactor(node, jar, factor, oathtool(user.seed));
  assert.equal(right.status, 400);
  assert.match(right.text, /Too many wrong codes/, 'the right code is refused while locked');
  assert.equal(jar.get('gh_session'), undefined);
  // The password still works (its own counter): the next sign-in reaches the factor page.
  await untilFactorPage(user);
  const audit = (await node.admin('GET', '/api/system/audit?action=sign_in.locked')).json.events;
  assert.ok(audit.some((e) => e.actor === `user:${user.id}`), 'the lock is audited');
});

it('step-up: a password-only session asked for the mfa acr shows the factor page at once; max_age=0 and prompt=login ask the password', async () => {
  const user = await createUser('stella');
  const jar = new Map();
  // A client whose policy is "off": the password alone opens the session.
  const lax = await authorize(clients.lax, jar);
  const single = await claimsOf(await postPassword(node, jar, lax, user), lax.flow);
  assert.deepEqual(single.amr, ['pwd']);
  assert.equal(single.acr, SFA);

  // Under "optional", the live session answers without a factor asked...
  const plain = await authorize(clients.web, jar);
  assert.deepEqual((await claimsOf(plain, plain.flow)).amr, ['pwd']);
  // ...unless the request asks for the multi-factor acr: the factor page, no password field.
  const stepUp = await authorize(clients.web, jar, { acr_values: MFA });
  assert.equal(stepUp.status, 200, stepUp.text);
  assert.ok(isFactorPage(stepUp), stepUp.text);
  const claims = await claimsOf(await postFactor(node, jar, stepUp, oathtool(user.seed)), stepUp.flow);
  assert.deepEqual(claims.amr, ['pwd', 'otp', 'mfa']);
  assert.equal(claims.acr, MFA);
  assert.equal(claims.sid, single.sid, 'the same SSO session goes on');

  // The session has the factor now: answered at once, for a required client too.
  const strict = await authorize(clients.strict, jar, { acr_values: MFA });
  assert.equal((await claimsOf(strict, strict.flow)).acr, MFA);
  // A fresh sign-in is asked from the password, whatever the session has.
  for (const extra of [{ max_age: '0' }, { prompt: 'login' }, { max_age: '0', acr_values: MFA }]) {
    const fresh = await authorize(clients.web, jar, extra);
    assert.equal(fresh.status, 200, `${JSON.stringify(extra)}: ${fresh.text}`);
    assert.match(fresh.text, /name="password"/, JSON.stringify(extra));
  }
});

it('the factor form with a CSRF token that is not this browser\'s is refused; the code is not spent', async () => {
  const user = await createUser('carl');
  const other = await authorize(clients.web, new Map());
  const { factor, flow, jar } = await untilFactorPage(user);
  const code = oathtool(user.seed);
  for (const csrf of ['forged', hidden(other.text, 'csrf'), '']) {
    const refused = await postFactor(node, jar, factor, code, 'totp', csrf);
    assert.ok([400, 403].includes(refused.status), `${refused.status}`);
    assert.match(refused.text, /CSRF check failed/);
  }
  const claims = await claimsOf(await postFactor(node, jar, factor, code), flow);
  assert.deepEqual(claims.amr, ['pwd', 'otp', 'mfa']);
});

it('the factor and enrolment forms without a password step first are a clear 400', async () => {
  const user = await createUser('fred');
  const jar = new Map();
  const login = await authorize(clients.web, jar);
  for (const path of ['/oauth2/login/factor', '/oauth2/login/enrol']) {
    for (const tx of [hidden(login.text, 'tx'), 'no-such-transaction']) {
      const r = await browse(node, jar, path, { tx, csrf: hidden(login.text, 'csrf'), method: 'totp', code: oathtool(user.seed) });
      assert.equal(r.status, 400, `${path} ${tx}`);
      assert.match(r.text, /start again/);
      assert.equal(r.location, null);
    }
  }
  assert.equal(jar.get('gh_session'), undefined);
  // The code was not spent: the real sign-in accepts it.
  const factor = await postPassword(node, jar, login, user);
  assert.deepEqual((await claimsOf(await postFactor(node, jar, factor, oathtool(user.seed)), login.flow)).amr, ['pwd', 'otp', 'mfa']);
});

it('the enrolment form posted for a user who has a factor enrols nothing', async () => {
  const user = await createUser('ivy');
  const { factor, jar } = await untilFactorPage(user, new Map(), clients.strict);
  const r = await browse(node, jar, '/oauth2/login/enrol', { tx: hidden(factor.text, 'tx'), csrf: hidden(factor.text, 'csrf'), code: '123456' });
  assert.ok(r.status >= 400 && r.status < 500, `${r.status}`);
  assert.doesNotMatch(r.text, /totp-secret/, 'no new key shown');
  assert.equal(jar.get('gh_session'), undefined);
  assert.equal((await factorsOf(user.id)).totp.enabled, true);
});


it('a user whose only factor is a passkey cannot set up an app in its place by posting the enrolment form', async () => {
  const user = await createUser('pia', null);
  // A passkey row as registration stores it (the key is never used here: only its presence counts).
  const t = now();
  execFileSync('sqlite3', ['-cmd', '.timeout 5000', node.dbFile, 'INSERT INTO passkeys VALUES '
    + `('cGlhLWtleQ', '${user.id}', 'Key', x'a1', -7, 0, 1, 0, 0, 1, 'usb', '00000000000000000000000000000000', 0, ${t}, 0)`]);
  assert.equal((await factorsOf(user.id)).passkeys.length, 1);
  const jar = new Map();
  const login = await authorize(clients.web, jar);
  const factor = await postPassword(node, jar, login, user);
  assert.equal(factor.status, 200, factor.text);
  assert.doesNotMatch(factor.text, /name="password"/);
  const fields = { tx: hidden(factor.text, 'tx'), csrf: hidden(factor.text, 'csrf') };
  const enrol = await browse(node, jar, '/oauth2/login/enrol', { ...fields, code: '123456' });
  assert.equal(enrol.status, 400, enrol.text);
  assert.doesNotMatch(enrol.text, /totp-secret/, 'no key shown to someone who only has the password');
  assert.deepEqual((await factorsOf(user.id)).totp, { enabled: false, pending: false, since: null }, 'nothing begun');
  assert.equal(jar.get('gh_session'), undefined);
});
