// The account page (/account), driven over HTTP as a browser would (cookie jars, forms posted by
// the test): it is a front door of its own (no session: sign in, then back to /account), lists the
// user's sessions, changes the password (the current one checked like a sign-in; every other
// browser and every grant signed out, this browser kept), signs out everywhere, and refuses forms
// without this browser's CSRF token. Each test has its own user, so lockouts and sign-outs of one
// do not reach another.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import * as oidc from 'openid-client';
import { nodeTest } from './lib/node.js';
import { cookieHeader, hidden, storeCookies } from './lib/forms.js';
import { startWebApp } from './lib/web_app.js';

const PASSWORD = 'correct horse battery';
const USERS = ['ada', 'bob', 'cy', 'dee', 'eve', 'fay'].map((username) => ({
  username, password: PASSWORD, name: `${username[0].toUpperCase()}${username.slice(1)} Tester`, email: `${username}@example.com`,
}));

let node;
let config;
let redirectUri;
const it = nodeTest(() => [node]);

before(async () => {
  ({ node, config, redirectUri } = await startWebApp({ users: USERS }));
});
after(async () => {
  await node?.cleanup();
});

/** A request as the browser of `jar` makes it (cookies sent and kept, no redirects followed). */
async function browse(jar, path, form) {
  const init = { redirect: 'manual', headers: { cookie: cookieHeader(jar) } };
  if (form) {
    init.method = 'POST';
    init.body = new URLSearchParams(form);
    init.headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  const res = await fetch(path.startsWith('http') ? path : node.url + path, init);
  storeCookies(jar, res);
  return { res, status: res.status, text: await res.text() };
}

/** A new browser signed in through /account: the login form, then back to the page. */
async function signedIn(user) {
  const jar = new Map();
  const login = await browse(jar, '/account');
  assert.equal(login.status, 200);
  assert.match(login.text, /your account/, 'the login page names the account page');
  const posted = await browse(jar, '/oauth2/login', {
    tx: hidden(login.text, 'tx'), csrf: hidden(login.text, 'csrf'), username: user.username, password: user.password,
  });
  assert.equal(posted.status, 303, posted.text);
  assert.equal(posted.res.headers.get('location'), '/account');
  return jar;
}

/** The code flow from the browser of `jar`, which has a live SSO session (no form): the tokens. */
async function tokensFor(jar) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri, scope: 'openid profile offline_access', state,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  });
  const answer = await browse(jar, url.href);
  assert.equal(answer.status, 302, 'the SSO session answers without a form');
  return oidc.authorizationCodeGrant(config, new URL(answer.res.headers.get('location')), {
    pkceCodeVerifier: verifier, expectedState: state,
  });
}

const sessionsListed = (page) => (page.match(/<li class="session"/g) || []).length;
const refreshFails = (token) => assert.rejects(oidc.refreshTokenGrant(config, token), (err) => err.error === 'invalid_grant');

async function changePassword(jar, current, fresh, repeat = fresh) {
  const page = await browse(jar, '/account');
  return browse(jar, '/account/password', {
    csrf: hidden(page.text, 'csrf'), current_password: current, new_password: fresh, new_password_repeat: repeat,
  });
}

it('visiting /account signs in first, then shows the profile and this browser', async () => {
  const jar = await signedIn(USERS[0]);
  const page = await browse(jar, '/account');
  assert.equal(page.status, 200);
  assert.match(page.text, /Ada Tester/);
  assert.match(page.text, /ada@example\.com/);
  assert.match(page.text, /data-current="true"/);
  assert.equal(page.res.headers.get('cache-control'), 'no-store');
  assert.match(page.res.headers.get('content-security-policy'), /frame-ancestors 'none'/);
  assert.equal(page.res.headers.get('x-frame-options'), 'DENY');
});

it("a second browser's session is listed, with the applications signed in to from it", async () => {
  const first = await signedIn(USERS[1]);
  const second = await signedIn(USERS[1]);
  await tokensFor(second);
  const page = await browse(first, '/account');
  assert.equal(sessionsListed(page.text), 2);
  assert.match(page.text, /Signed in to: your account, Web App/);
});

it('a password change: the wrong current password fails; the right one signs out every other browser and grant, this browser keeps working', async () => {
  const user = USERS[2];
  const here = await signedIn(user);
  const other = await signedIn(user);
  const hereTokens = await tokensFor(here);
  const otherTokens = await tokensFor(other);

  const wrong = await changePassword(here, 'not the password', 'a new password 1');
  assert.equal(wrong.status, 400);
  assert.match(wrong.text, /The current password is not correct\./);
  const mismatch = await changePassword(here, PASSWORD, 'a new password 1', 'a new password 2');
  assert.equal(mismatch.status, 400);
  assert.match(mismatch.text, /do not match/);

  const changed = await changePassword(here, PASSWORD, 'a new password 1');
  assert.equal(changed.status, 200, changed.text);
  assert.match(changed.text, /Your password was changed\./);
  assert.equal(sessionsListed(changed.text), 1);

  // The other browser is signed out; every refresh token of the old password is revoked.
  assert.match((await browse(other, '/account')).text, /name="tx"/, 'the other browser is asked to sign in');
  await refreshFails(otherTokens.refresh_token);
  await refreshFails(hereTokens.refresh_token);
  // This browser keeps its session: the page, and new tokens without a form, which refresh.
  const page = await browse(here, '/account');
  assert.equal(page.status, 200);
  assert.match(page.text, /data-current="true"/);
  const fresh = await tokensFor(here);
  assert.ok((await oidc.refreshTokenGrant(config, fresh.refresh_token)).access_token);
  // The new password signs in; the change is audited.
  await signedIn({ ...user, password: 'a new password 1' });
  const audit = (await node.admin('GET', '/api/system/audit?action=account.password_changed')).json.events;
  assert.equal(audit.length, 1);
});

it('wrong current passwords count towards the lockout, as at sign-in', async () => {
  const user = USERS[3];
  const jar = await signedIn(user);
  for (let i = 0; i < 3; i += 1) await changePassword(jar, 'wrong guess', 'a new password 1');
  const locked = await changePassword(jar, PASSWORD, 'a new password 1');
  assert.equal(locked.status, 400);
  assert.match(locked.text, /temporarily locked/);
  const login = await browse(new Map(), '/account');
  const refused = await browse(new Map(), '/oauth2/login', {
    tx: hidden(login.text, 'tx'), csrf: hidden(login.text, 'csrf'), username: user.username, password: user.password,
  });
  assert.notEqual(refused.status, 303, 'the login form is locked as well');
});

it('sign out everywhere ends every session, this one too, and clears the cookie', async () => {
  const user = USERS[4];
  const here = await signedIn(user);
  const other = await signedIn(user);
  const tokens = await tokensFor(other);
  const oldCookie = here.get('gh_session');
  const page = await browse(here, '/account');
  const out = await browse(here, '/account/sign-out-everywhere', { csrf: hidden(page.text, 'csrf') });
  assert.equal(out.status, 200);
  assert.match(out.text, /signed out everywhere/);
  assert.equal(here.has('gh_session'), false, 'the session cookie is cleared');
  assert.match((await browse(other, '/account')).text, /name="tx"/);
  assert.match((await browse(new Map([['gh_session', oldCookie]]), '/account')).text, /name="tx"/);
  await refreshFails(tokens.refresh_token);
});

it('the forms refuse a missing CSRF token, one of another browser, and one of another form', async () => {
  const user = USERS[0];
  const jar = await signedIn(user);
  const elsewhere = await signedIn(user);
  const theirs = hidden((await browse(elsewhere, '/account')).text, 'csrf');
  await browse(jar, '/account');
  const loginCsrf = jar.get('gh_csrf');
  for (const csrf of [undefined, theirs, loginCsrf]) {
    const form = { current_password: PASSWORD, new_password: 'a new password 1', new_password_repeat: 'a new password 1' };
    if (csrf) form.csrf = csrf;
    const refused = await browse(jar, '/account/password', form);
    assert.equal(refused.status, 400);
    assert.match(refused.text, /CSRF check failed/);
    const signOut = await browse(jar, '/account/sign-out-everywhere', csrf ? { csrf } : { x: '1' });
    assert.equal(signOut.status, 400);
  }
  assert.equal((await browse(elsewhere, '/account')).status, 200, 'nothing was signed out');
  assert.equal((await browse(jar, '/account')).status, 200);
});

it('the password form posted twice (a double click), one after the other or at once, changes it once and never answers 5xx', async () => {
  // A node of its own whose password hashes take a while, so that two posts at once are both
  // checking the current password before either changes it.
  const slow = await startWebApp({ users: [USERS[5]], config: { passwords: { memory_kib: 16384, iterations: 2 } } });
  const saved = node;
  node = slow.node;  // the page helpers (browse, signedIn) and a failure's log go to it for this test
  try {
    const user = USERS[5];
    const form = (csrf, current, fresh) => ({ csrf, current_password: current, new_password: fresh, new_password_repeat: fresh });
    // One after the other, both with the cookies the browser had when it showed the form: the first
    // changes the password, the second finds its session renewed away and goes back to the page.
    const jar = await signedIn(user);
    const csrf = hidden((await browse(jar, '/account')).text, 'csrf');
    const first = await browse(new Map(jar), '/account/password', form(csrf, PASSWORD, 'a new password 0'));
    assert.equal(first.status, 200, first.text);
    const second = await browse(new Map(jar), '/account/password', form(csrf, PASSWORD, 'a new password 0'));
    assert.equal(second.status, 303, second.text);
    assert.equal(second.res.headers.get('location'), '/account');
    // At once, a few times (the race is in the timing): exactly one of the two changes it; the
    // other goes back to the page or, if it checked the old password after the change, says so.
    let current = 'a new password 0';
    for (let round = 1; round <= 10; round += 1) {
      const here = await signedIn({ ...user, password: current });
      const token = hidden((await browse(here, '/account')).text, 'csrf');
      const fresh = `a new password ${round}`;
      const both = await Promise.all([0, 1].map(() => browse(new Map(here), '/account/password', form(token, current, fresh))));
      for (const answer of both) {
        assert.ok(answer.status < 500, `round ${round}: ${answer.status} ${answer.text}`);
        if (answer.status === 303) assert.equal(answer.res.headers.get('location'), '/account');
        else if (answer.status !== 200) {
          assert.equal(answer.status, 400, answer.text);
          assert.match(answer.text, /The current password is not correct\./);
        }
      }
      assert.equal(both.filter((answer) => answer.status === 200).length, 1, `round ${round}: changed exactly once`);
      current = fresh;
    }
    await signedIn({ ...user, password: current });
  } finally {
    node = saved;
    await slow.node.cleanup();
  }
});
