// Second factors on the account page and in the admin API, over real HTTP, with TOTP codes
// computed by Debian's oathtool as an authenticator app would: enrolment confirmed only by a right
// code (recovery codes shown once), a sign-in too old asked again first, removal; an administrator
// importing another system's seed ("totp_secret"), listing, verifying and resetting factors.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import { after, before } from 'node:test';
import { nodeTest, pollUntil, rememberSecrets } from './lib/node.js';
import { cookieHeader, hidden, storeCookies } from './lib/forms.js';
import { startWebApp } from './lib/web_app.js';

const PASSWORD = 'correct horse battery';
const USERS = ['ada', 'bob', 'cy'].map((username) => ({ username, password: PASSWORD, email: `${username}@example.com` }));

let node;
let quick;  // a node whose sign-ins are "old" after a second (account.reauthenticate_after = 1s)
const it = nodeTest(() => [node, quick]);

before(async () => {
  ({ node } = await startWebApp({ users: USERS }));
  ({ node: quick } = await startWebApp({ users: [USERS[0]], config: { account: { reauthenticate_after: '1s' } } }));
});
after(async () => {
  await node?.cleanup();
  await quick?.cleanup();
});

/** The code an authenticator app shows now for a base32 seed (oathtool, as the issue asks). */
const oathtool = (base32) => execFileSync('oathtool', ['--totp', '-b', base32.replace(/\s+/g, '')], { encoding: 'utf8' }).trim();
/** The code of the next time step (the one of now was used already). */
const nextCode = (base32) => execFileSync('oathtool',
  ['--totp', '-b', '-N', `@${Math.floor(Date.now() / 1000) + 30}`, base32.replace(/\s+/g, '')], { encoding: 'utf8' }).trim();
/** Six digits that are not the code of now, nor of the steps either side. */
function wrongCode(base32) {
  const near = new Set([-30, 0, 30].map((d) => execFileSync('oathtool',
    ['--totp', '-b', '-N', `@${Math.floor(Date.now() / 1000) + d}`, base32.replace(/\s+/g, '')], { encoding: 'utf8' }).trim()));
  for (let n = 0; ; n += 1) if (!near.has(String(100000 + n))) return String(100000 + n);
}
const base32Of = (page) => /id="totp-secret">([A-Z2-7 ]+)</.exec(page)?.[1];
const recoveryCodes = (page) => [...page.matchAll(/class="recovery-code">([a-z0-9-]+)</g)].map((m) => m[1]);

/** A request as the browser of `jar` makes it on node `n` (cookies sent and kept, no redirects). */
async function browse(n, jar, path, form) {
  const init = { redirect: 'manual', headers: { cookie: cookieHeader(jar) } };
  if (form) {
    init.method = 'POST';
    init.body = new URLSearchParams(form);
    init.headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  const res = await fetch(n.url + path, init);
  storeCookies(jar, res);
  return { res, status: res.status, text: await res.text() };
}

/** Signs in from the login form `login` (a page with tx and csrf) and lands back on /account; a
 * user with a second factor enters it after the password: `second` ({method, code}), or else the
 * code of now of their authenticator app (`user.totp`, its base32 seed). */
async function submitLogin(n, jar, login, user, second = user.totp ? { method: 'totp', code: oathtool(user.totp) } : null) {
  let posted = await browse(n, jar, '/oauth2/login', {
    tx: hidden(login.text, 'tx'), csrf: hidden(login.text, 'csrf'), username: user.username, password: user.password,
  });
  if (second) {
    assert.equal(posted.status, 200, 'the second-factor page follows the password');
    assert.match(posted.text, /action="\/oauth2\/login\/factor"/);
    posted = await browse(n, jar, '/oauth2/login/factor', {
      tx: hidden(posted.text, 'tx'), csrf: hidden(posted.text, 'csrf'), ...second,
    });
  }
  assert.equal(posted.status, 303, posted.text);
  assert.equal(posted.res.headers.get('location'), '/account');
}

async function signedIn(n, user) {
  const jar = new Map();
  await submitLogin(n, jar, await browse(n, jar, '/account'), user);
  return jar;
}

/** Posts one of the account page's forms with this browser's CSRF token. */
async function press(n, jar, path, fields = {}) {
  const page = await browse(n, jar, '/account');
  return browse(n, jar, path, { csrf: hidden(page.text, 'csrf'), ...fields });
}

const userId = async (n, username) => (await n.admin('GET', `/api/users?username=${username}`)).json.users[0].id;
const factorsOf = async (n, id) => (await n.admin('GET', `/api/users/${id}/factors`)).json;

it('an authenticator app is set up with a code from it; a wrong code confirms nothing; recovery codes are shown once', async () => {
  const user = USERS[0];
  const id = await userId(node, user.username);
  const jar = await signedIn(node, user);
  const page = await browse(node, jar, '/account');
  assert.match(page.text, /Sign-in methods/);
  assert.match(page.text, /id="totp-status" data-enabled="false"/);

  const begun = await press(node, jar, '/account/totp/begin');
  assert.equal(begun.status, 200, begun.text);
  assert.equal(begun.res.headers.get('cache-control'), 'no-store');
  assert.match(begun.text, /<div class="qr" id="totp-qr"><svg /, 'the QR code is an inline SVG');
  assert.doesNotMatch(begun.text, /<img/);
  const base32 = base32Of(begun.text);
  assert.ok(base32, 'the key is shown for typing');
  rememberSecrets(base32.replace(/\s+/g, ''));
  assert.deepEqual((await factorsOf(node, id)).totp, { enabled: false, pending: true, since: null });

  const wrong = await browse(node, jar, '/account/totp/confirm', { csrf: hidden(begun.text, 'csrf'), code: wrongCode(base32) });
  assert.equal(wrong.status, 400);
  assert.match(wrong.text, /That code is not right\./);
  assert.equal(base32Of(wrong.text), base32, 'the same enrolment is shown again');
  assert.equal((await factorsOf(node, id)).totp.enabled, false, 'nothing confirmed');

  const done = await browse(node, jar, '/account/totp/confirm', { csrf: hidden(begun.text, 'csrf'), code: oathtool(base32) });
  assert.equal(done.status, 200, done.text);
  assert.match(done.text, /Your authenticator app is set up\./);
  assert.equal(done.res.headers.get('cache-control'), 'no-store');
  const codes = recoveryCodes(done.text);
  assert.equal(codes.length, 10);
  rememberSecrets(...codes);
  const factors = await factorsOf(node, id);
  assert.equal(factors.totp.enabled, true);
  assert.equal(factors.recovery_codes_left, 10);
  assert.ok(!JSON.stringify(factors).includes(base32.replace(/\s+/g, '')), 'no seed in the API');
  assert.equal(recoveryCodes((await browse(node, jar, '/account')).text).length, 0, 'shown once');

  // The account has a second factor now: a change needs a sign-in with it, the password alone
  // changes nothing.
  const asked = await press(node, jar, '/account/recovery-codes');
  assert.match(asked.text, /name="tx"/, 'the login form');
  assert.equal((await factorsOf(node, id)).recovery_codes_left, 10);
  await submitLogin(node, jar, asked, user, { method: 'totp', code: nextCode(base32) });

  // New recovery codes replace them; then the app is removed. Every change is audited.
  const fresh = await press(node, jar, '/account/recovery-codes');
  assert.equal(fresh.status, 200);
  assert.equal(recoveryCodes(fresh.text).length, 10);
  assert.match(fresh.text, /Store them somewhere safe/);
  rememberSecrets(...recoveryCodes(fresh.text));
  const removed = await press(node, jar, '/account/totp/remove');
  assert.equal(removed.status, 200);
  assert.match(removed.text, /id="totp-status" data-enabled="false"/);
  for (const action of ['account.totp_added', 'account.recovery_codes_generated', 'account.totp_removed']) {
    const events = (await node.admin('GET', `/api/system/audit?action=${action}`)).json.events;
    assert.ok(events.some((e) => e.target === id && e.actor === `user:${id}`), action);
  }
  assert.equal((await node.admin('GET', '/api/system/audit?action=account.recovery_codes_generated')).json.events.length, 2);
});

it('the forms refuse a CSRF token that is not this browser\'s and change nothing', async () => {
  const user = USERS[1];
  const id = await userId(node, user.username);
  const jar = await signedIn(node, user);
  const other = await signedIn(node, user);
  const theirs = hidden((await browse(node, other, '/account')).text, 'csrf');
  await browse(node, jar, '/account');
  for (const path of ['/account/totp/begin', '/account/recovery-codes', '/account/totp/remove', '/account/passkeys/remove']) {
    const refused = await browse(node, jar, path, { csrf: theirs, credential_id: 'x' });
    assert.equal(refused.status, 400, path);
    assert.match(refused.text, /CSRF check failed/);
  }
  const factors = await factorsOf(node, id);
  assert.equal(factors.totp.pending, false);
  assert.equal(factors.recovery_codes_left, 0);
});

it('a change with an old sign-in asks to sign in again first, then the change is made when asked again', async () => {
  const user = USERS[0];
  const jar = await signedIn(quick, user);
  // Once this browser's sign-in is older than a second, the button shows a login form instead.
  // (Codes made while the sign-in was within its second make the account one with a second
  // factor: signing in again then takes one of them after the password.)
  let shown = [];
  const second = () => (shown.length ? { method: 'recovery', code: shown.shift() } : null);
  const login = await pollUntil(async () => {
    const r = await press(quick, jar, '/account/recovery-codes');
    if (recoveryCodes(r.text).length) shown = recoveryCodes(r.text);
    return /name="tx"/.test(r.text) ? r : null;
  }, { what: 'a fresh sign-in asked for' });
  assert.equal(login.status, 200);
  assert.match(login.text, /your account/);
  const id = await userId(quick, user.username);
  await submitLogin(quick, jar, login, user, second());
  // Right after the fresh sign-in, the same button makes the change (the node allows a second).
  const made = await pollUntil(async () => {
    const r = await press(quick, jar, '/account/recovery-codes');
    if (recoveryCodes(r.text).length === 10) return r;
    await submitLogin(quick, jar, r, user, second());  // the second passed already on a slow machine: again
    return null;
  }, { what: 'recovery codes made after signing in again' });
  rememberSecrets(...recoveryCodes(made.text));
  assert.equal((await factorsOf(quick, id)).recovery_codes_left, 10);
});

it('an administrator imports a seed with totp_secret: never returned, its codes from oathtool are accepted once', async () => {
  const base32 = crypto.randomBytes(20).toString('hex').toUpperCase().replace(/[^A-Z2-7]/g, 'A').slice(0, 32);
  rememberSecrets(base32);
  // Bad base32: a clear 400, and neither the user nor a seed stored.
  const bad = await node.admin('POST', '/api/users', { username: 'imported', password: PASSWORD, totp_secret: 'NOT-BASE32!' });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.field, 'totp_secret');
  assert.ok(!bad.text.includes('NOT-BASE32'), 'the value is not echoed');
  assert.equal((await node.admin('GET', '/api/users?username=imported')).json.total, 0);

  const created = await node.admin('POST', '/api/users', { username: 'imported', password: PASSWORD, totp_secret: base32 });
  assert.equal(created.status, 201, created.text);
  // The same username again: 409, and no seed left behind.
  const seeds = () => execFileSync('sqlite3', ['-cmd', '.timeout 5000', node.dbFile, 'SELECT count(*) FROM totp_factors'],
    { encoding: 'utf8' }).trim();
  const before = seeds();
  const taken = await node.admin('POST', '/api/users', { username: 'imported', password: PASSWORD, totp_secret: base32 });
  assert.equal(taken.status, 409, taken.text);
  assert.equal(seeds(), before);
  const id = created.json.id;
  assert.equal(created.json.totp_secret, undefined);
  assert.ok(!(await node.admin('GET', `/api/users/${id}`)).text.includes(base32));
  const factors = await factorsOf(node, id);
  assert.equal(factors.totp.enabled, true, 'confirmed at once: no enrolment');
  assert.equal(factors.totp.pending, false);
  assert.ok(!JSON.stringify(factors).includes(base32));

  // The sign-in asks for its code after the password (mfa.default_policy optional); the account
  // page shows it set up; the code is used up by the sign-in.
  const code = oathtool(base32);
  const jar = await signedIn(node, { username: 'imported', password: PASSWORD, totp: base32 });
  assert.match((await browse(node, jar, '/account')).text, /id="totp-status" data-enabled="true">Set up since/);
  const verified = await node.admin('POST', `/api/users/${id}/factors/totp/verify`, { code });
  assert.equal(verified.status, 200, verified.text);
  assert.equal(verified.json.result, 'reused');
  assert.equal((await node.admin('POST', `/api/users/${id}/factors/totp/verify`, { code: wrongCode(base32) })).json.result, 'wrong');
  assert.equal((await node.admin('POST', `/api/users/${id}/factors/totp/verify`, { code, extra: 1 })).status, 400);

  // PUT replaces it with another seed (and a bad one changes nothing).
  const other = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
  const got = await node.admin('GET', `/api/users/${id}`);
  assert.equal((await node.admin('PUT', `/api/users/${id}`, { ...got.json, totp_secret: 'x' })).status, 400);
  const put = await node.admin('PUT', `/api/users/${id}`, { ...got.json, totp_secret: other });
  assert.equal(put.status, 200, put.text);
  assert.equal(put.json.totp_secret, undefined);
  assert.equal((await node.admin('POST', `/api/users/${id}/factors/totp/verify`, { code: oathtool(other) })).json.result, 'accepted');
  const audit = (await node.admin('GET', `/api/system/audit?action=user.update`)).json.events.filter((e) => e.target === id);
  assert.ok(audit.length >= 1 && audit.every((e) => !JSON.stringify(e).includes(other)), 'no seed in the audit trail');
});

it('an administrator lists and removes factors; each change is audited, unknown users and factors are 404', async () => {
  const created = await node.admin('POST', '/api/users', {
    username: 'helpdesk', password: PASSWORD, totp_secret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ',
  });
  const id = created.json.id;
  const jar = await signedIn(node, { username: 'helpdesk', password: PASSWORD, totp: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ' });
  const codes = recoveryCodes((await press(node, jar, '/account/recovery-codes')).text);
  assert.equal(codes.length, 10);
  const listed = await factorsOf(node, id);
  assert.deepEqual(Object.keys(listed).sort(), ['passkeys', 'recovery_codes_left', 'totp']);
  assert.equal(listed.recovery_codes_left, 10);
  assert.deepEqual(listed.passkeys, []);

  assert.equal((await node.admin('GET', '/api/users/nobody/factors')).status, 404);
  assert.equal((await node.admin('DELETE', '/api/users/nobody/factors')).status, 404);
  assert.equal((await node.admin('DELETE', `/api/users/${id}/factors/passkeys/no-such-credential`)).status, 404);
  assert.equal((await node.admin('DELETE', `/api/users/${id}/factors/totp`)).status, 204);
  assert.equal((await node.admin('DELETE', `/api/users/${id}/factors/totp`)).status, 404, 'none left');
  assert.equal((await factorsOf(node, id)).totp.enabled, false);
  assert.equal((await factorsOf(node, id)).recovery_codes_left, 10, 'only the app went');
  assert.equal((await node.admin('DELETE', `/api/users/${id}/factors`)).status, 204);
  assert.equal((await factorsOf(node, id)).recovery_codes_left, 0);

  const removed = (await node.admin('GET', '/api/system/audit?action=user.totp_remove')).json.events.filter((e) => e.target === id);
  assert.equal(removed.length, 2, 'the refused one too');
  assert.deepEqual(removed.map((e) => e.status).sort(), [204, 404]);
  const reset = (await node.admin('GET', '/api/system/audit?action=user.factors_reset')).json.events.filter((e) => e.target === id);
  assert.equal(reset.length, 1);
  assert.equal(reset[0].before.recovery_codes_left, 10);
  assert.equal(reset[0].after.recovery_codes_left, 0);
});
