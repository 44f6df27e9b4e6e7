// Passkeys in a real headless Chromium with the DevTools WebAuthn virtual authenticator (issue 12
// §2): a passkey added on /account after a password sign-in (a second registration of the same
// authenticator refused), a passwordless "Sign in with a passkey" through an OpenID Connect code
// flow (openid-client checks the ID token; amr hwk|swk + user, acr multi-factor since the
// authenticator verifies its user), and a passkey as the second factor after the password for a
// client whose mfa_policy is "required". Chromium refuses WebAuthn on 127.0.0.1: the node's
// public_url is http://localhost:<port>, so its RP ID is "localhost".
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before } from 'node:test';
import * as oidc from 'openid-client';
import { chromium } from 'playwright-core';
import { GatehouseNode, defaultKickstart, freePort, ms, nodeTest } from './lib/node.js';
import { cookieHeader, hidden, storeCookies } from './lib/forms.js';
import { addVirtualAuthenticator, passkeySignIn, registerPasskey, submitPassword, usePasskey } from './lib/passkey.js';
import { softPasskey } from './lib/soft_passkey.js';

const CHROMIUM = process.env.GATEHOUSE_CHROMIUM || '/usr/bin/chromium';
const USER = { username: 'ada', password: 'lovelace-password-1', name: 'Ada Lovelace' };
const BOB = { username: 'bob', password: 'bob-password-0123', name: 'Bob' };
const WEB = { client_id: 'web', client_secret: 'web-secret-0123456789' };
const STRICT = { client_id: 'strict', client_secret: 'strict-secret-0123456789' };
const MFA = 'https://refeds.org/profile/mfa';

let node;
let base;       // http://localhost:<port>
let callback;   // a relying party's callback that only answers 200
let browser;
let context;
let page;
let authenticator;
const it = nodeTest(() => [node]);

before(async () => {
  const port = await freePort();
  base = `http://localhost:${port}`;
  const rpPort = await freePort();
  const redirectUri = `http://127.0.0.1:${rpPort}/callback`;
  const server = http.createServer((req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('callback'));
  await new Promise((resolve) => server.listen(rpPort, '127.0.0.1', resolve));
  callback = { server, redirectUri };
  const kickstart = defaultKickstart();
  for (const app of [WEB, { ...STRICT, mfa_policy: 'required' }]) {
    kickstart.applications.push({ ...app, client_name: `App ${app.client_id}`, grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic', redirect_uris: [redirectUri] });
  }
  kickstart.users = [USER, BOB];
  node = await GatehouseNode.start({
    kickstart, port,
    config: { server: { public_url: base }, passwords: { memory_kib: 256, iterations: 1 } },
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync'],
  });
  context = await browser.newContext();
  page = await context.newPage();
  authenticator = await addVirtualAuthenticator(page);
});
after(async () => {
  await browser?.close();
  callback?.server.close();
  await node?.cleanup();
});

/** An authorization URL of `app` (PKCE, state) and what redeeming its code needs. */
async function authorization(app, extra = {}) {
  const config = await oidc.discovery(new URL(base), app.client_id, undefined, oidc.ClientSecretBasic(app.client_secret),
    { execute: [oidc.allowInsecureRequests] });
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: callback.redirectUri, scope: 'openid profile', state,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', ...extra,
  });
  return { url: url.href, redeem: (landed) => oidc.authorizationCodeGrant(config, new URL(landed), { pkceCodeVerifier: verifier, expectedState: state }) };
}

const onCallback = (u) => u.href.startsWith(callback.redirectUri);

it('a passkey is added on the account page after a password sign-in, and only once', async () => {
  await page.goto(`${base}/account`, { timeout: ms(20000) });
  await submitPassword(page, USER.username, USER.password);
  assert.equal(new URL(page.url()).pathname, '/account');
  const added = await registerPasskey(page, base, { name: 'Virtual key' });
  assert.ok(added.ok, added.message);
  assert.equal(await page.locator('li.passkey').count(), 1);
  assert.match(await page.textContent('li.passkey'), /Virtual key/);
  assert.equal((await authenticator.credentials()).length, 1);
  // The same authenticator again: the options exclude its credential, so the browser refuses.
  const again = await registerPasskey(page, base, { name: 'Again' });
  assert.equal(again.ok, false);
  assert.match(again.message, /registered already/);
  await page.goto(`${base}/account`, { timeout: ms(20000) });
  assert.equal(await page.locator('li.passkey').count(), 1);
  assert.equal((await authenticator.credentials()).length, 1);
});

it('"Sign in with a passkey" needs no username and reaches the multi-factor acr', async () => {
  // Sign out (every session of the user), then sign in to the application with the passkey alone.
  await page.goto(`${base}/account`, { timeout: ms(20000) });
  await Promise.all([page.waitForNavigation({ timeout: ms(20000) }), page.click('#sign-out-everywhere')]);
  const flow = await authorization(WEB);
  const landed = await passkeySignIn(page, flow.url, onCallback);
  const claims = (await flow.redeem(landed)).claims();
  assert.ok(claims.amr.includes('hwk') || claims.amr.includes('swk'), JSON.stringify(claims.amr));
  assert.ok(claims.amr.includes('user'), JSON.stringify(claims.amr));
  assert.ok(claims.amr.includes('mfa'), 'the virtual authenticator verifies its user');
  assert.ok(!claims.amr.includes('pwd'));
  assert.equal(claims.acr, MFA);
});

it('a passkey is the second factor after the password for a client that requires one', async () => {
  await context.clearCookies();
  const flow = await authorization(STRICT);
  await page.goto(flow.url, { timeout: ms(20000) });
  await submitPassword(page, USER.username, USER.password);
  assert.match(await page.textContent('h1'), /Second factor/);
  const landed = await usePasskey(page, onCallback);
  const claims = (await flow.redeem(landed)).claims();
  for (const v of ['pwd', 'user', 'mfa']) assert.ok(claims.amr.includes(v), `${v} in ${JSON.stringify(claims.amr)}`);
  assert.ok(claims.amr.includes('hwk') || claims.amr.includes('swk'));
  assert.equal(claims.acr, MFA);
});

/** A request as the browser of `jar` makes it (cookies sent and kept, no redirects), to the node. */
async function browse(jar, path, form) {
  const init = { redirect: 'manual', headers: { cookie: cookieHeader(jar) } };
  if (form) {
    init.method = 'POST';
    init.body = new URLSearchParams(form);
    init.headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  const res = await fetch(node.url + path, init);
  storeCookies(jar, res);
  const text = await res.text();
  return { status: res.status, location: res.headers.get('location'), type: res.headers.get('content-type'), text };
}

it('over HTTP with a software passkey: replayed, malformed and cloned answers are refused, nothing stored', async () => {
  const key = softPasskey();
  // Bob signs in with his password on /account and adds the passkey.
  const jar = new Map();
  const login = await browse(jar, '/account');
  const signedIn = await browse(jar, '/oauth2/login', { tx: hidden(login.text, 'tx'), csrf: hidden(login.text, 'csrf'),
    username: BOB.username, password: BOB.password });
  assert.equal(signedIn.status, 303);
  const csrf = hidden((await browse(jar, '/account')).text, 'csrf');
  const options = await browse(jar, '/account/passkeys/options', { csrf });
  assert.equal(options.status, 200, options.text);
  assert.match(options.type, /application\/json/);
  const registration = key.register(JSON.parse(options.text), base, { counter: 1 });
  const added = await browse(jar, '/account/passkeys', { csrf, name: 'Soft key', credential: registration });
  assert.equal(added.status, 200, added.text);
  assert.match(added.text, /The passkey was added\./);
  const replayed = await browse(jar, '/account/passkeys', { csrf, name: 'Again', credential: registration });
  assert.equal(replayed.status, 400);
  assert.match(replayed.text, /expired or was already used/);
  const malformed = await browse(jar, '/account/passkeys', { csrf, name: 'Bad', credential: '{"type":"public-key"}' });
  assert.equal(malformed.status, 400);
  assert.match(malformed.text, /could not be read/);
  assert.equal([...(await browse(jar, '/account')).text.matchAll(/<li class="passkey"/g)].length, 1);

  // A passkey sign-in without a username (to /account: its front door), then its answer replayed.
  const other = new Map();
  const page = await browse(other, '/account');
  const form = { tx: hidden(page.text, 'tx'), csrf: hidden(page.text, 'csrf') };
  const auth = JSON.parse((await browse(other, '/oauth2/login/passkey/options', form)).text);
  assert.deepEqual(auth.allowCredentials, []);
  const answer = key.authenticate(auth, base, { counter: 2 });
  const done = await browse(other, '/oauth2/login/passkey', { ...form, credential: answer });
  assert.equal(done.status, 303, done.text);
  assert.equal(done.location, '/account');
  const again = await browse(new Map([['gh_csrf', form.csrf]]), '/oauth2/login/passkey', { ...form, credential: answer });
  assert.equal(again.status, 400);

  // A counter that goes back: the passkey is blocked, from then on too.
  const third = new Map();
  const p3 = await browse(third, '/account');
  const f3 = { tx: hidden(p3.text, 'tx'), csrf: hidden(p3.text, 'csrf') };
  for (const counter of [1, 50]) {
    const o = JSON.parse((await browse(third, '/oauth2/login/passkey/options', f3)).text);
    const r = await browse(third, '/oauth2/login/passkey', { ...f3, credential: key.authenticate(o, base, { counter }) });
    assert.equal(r.status, 400);
    assert.match(r.text, /blocked/);
  }
  assert.match((await browse(jar, '/account')).text, /data-flagged="true"/);
});
