// The authorization code flow, driven by openid-client (an OpenID-certified relying-party library):
// discovery, an authorization URL with PKCE, the hosted login form (posted over HTTP by the test),
// the callback, the code exchange with ID token validation by the library, userinfo, refresh,
// revocation; plus the SSO session, prompt=none and the negative cases at the front channel.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import * as oidc from 'openid-client';
import { nodeTest, pollUntil } from './lib/node.js';
import { cookieHeader, hidden, storeCookies } from './lib/forms.js';
import { WEB, startWebApp } from './lib/web_app.js';

const USER = { username: 'ada', password: 'correct horse battery', email: 'ada@example.com', name: 'Ada Lovelace' };

let node;
let config;
let redirectUri;
const it = nodeTest(() => [node]);

before(async () => {
  ({ node, config, redirectUri } = await startWebApp({
    users: [{ ...USER, email_verified: true }],
    application: (origin) => ({ scope: 'api:read', post_logout_redirect_uris: [`${origin}/signed-out`] }),
  }));
});
after(async () => {
  await node?.cleanup();
});

async function authorizationUrl(extra = {}) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri, scope: 'openid profile email offline_access',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    state, nonce, ...extra,
  });
  return { url, verifier, state, nonce };
}

/** GET the authorization URL with the jar; returns the raw response. */
async function authorize(url, jar) {
  const res = await fetch(url, { redirect: 'manual', headers: { cookie: cookieHeader(jar) } });
  storeCookies(jar, res);
  return res;
}

/** Posts the login form of `page`; returns the raw response. */
async function postLogin(page, jar, { username = USER.username, password = USER.password, csrf } = {}) {
  const body = new URLSearchParams({
    tx: hidden(page, 'tx'), csrf: csrf ?? hidden(page, 'csrf'), username, password,
  });
  const res = await fetch(`${node.url}/oauth2/login`, {
    method: 'POST', redirect: 'manual', body,
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader(jar) },
  });
  storeCookies(jar, res);
  return res;
}

async function signIn(jar = new Map(), extra = {}) {
  const flow = await authorizationUrl(extra);
  const form = await authorize(flow.url, jar);
  assert.equal(form.status, 200);
  const page = await form.text();
  const res = await postLogin(page, jar);
  assert.equal(res.status, 302, await res.text());
  return { ...flow, callback: new URL(res.headers.get('location')), jar, sessionCookie: jar.get('gh_session') };
}

it('discovery describes the code flow', async () => {
  const meta = config.serverMetadata();
  assert.equal(meta.authorization_endpoint, `${node.url}/oauth2/authorize`);
  assert.deepEqual(meta.code_challenge_methods_supported, ['S256']);
  assert.ok(meta.response_types_supported.includes('code'));
  assert.ok(meta.grant_types_supported.includes('authorization_code'));
  assert.equal(meta.authorization_response_iss_parameter_supported, true);
});

it('sign in, exchange the code, validate the ID token, userinfo, refresh, revoke', async () => {
  const flow = await signIn();
  assert.equal(flow.callback.origin + flow.callback.pathname, redirectUri);
  assert.equal(flow.callback.searchParams.get('iss'), node.url);
  const tokens = await oidc.authorizationCodeGrant(config, flow.callback, {
    pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce,
  });
  const claims = tokens.claims();
  assert.equal(claims.iss, node.url);
  assert.equal(claims.aud, WEB.client_id);
  assert.equal(claims.name, USER.name);
  assert.equal(claims.email, USER.email);
  assert.ok(claims.sid && claims.auth_time);
  assert.ok(tokens.refresh_token);

  const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
  assert.equal(info.sub, claims.sub);
  assert.equal(info.preferred_username, USER.username);

  const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token);
  assert.ok(refreshed.access_token && refreshed.refresh_token !== tokens.refresh_token);
  assert.equal(refreshed.claims().sub, claims.sub);

  await oidc.tokenRevocation(config, refreshed.access_token);
  const introspected = await oidc.tokenIntrospection(config, refreshed.access_token);
  assert.equal(introspected.active, false);
});

it('a live SSO session answers the next request without a form; prompt=login asks again', async () => {
  const { jar } = await signIn();
  assert.ok([...jar.keys()].includes('gh_session'), 'the session cookie is set');
  const again = await authorizationUrl();
  const res = await authorize(again.url, jar);
  assert.equal(res.status, 302);
  const callback = new URL(res.headers.get('location'));
  assert.ok(callback.searchParams.get('code'));
  const tokens = await oidc.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: again.verifier, expectedState: again.state, expectedNonce: again.nonce,
  });
  assert.equal(tokens.claims().name, USER.name);
  const fresh = await authorizationUrl({ prompt: 'login' });
  assert.equal((await authorize(fresh.url, jar)).status, 200, 'prompt=login shows the form');
});

it('prompt=none without a session redirects with login_required', async () => {
  const flow = await authorizationUrl({ prompt: 'none' });
  const res = await authorize(flow.url, new Map());
  assert.equal(res.status, 302);
  const back = new URL(res.headers.get('location'));
  assert.equal(back.searchParams.get('error'), 'login_required');
  assert.equal(back.searchParams.get('state'), flow.state);
});

it('a redirect_uri that is not registered is an error page, never a redirect', async () => {
  const flow = await authorizationUrl({ redirect_uri: 'https://evil.example.com/cb' });
  const res = await authorize(flow.url, new Map());
  assert.equal(res.status, 400);
  assert.equal(res.headers.get('location'), null);
  assert.match(await res.text(), /redirect_uri is not registered/);
});

it('a wrong password shows the form again; the account locks after the threshold, unknown names alike', async () => {
  const jar = new Map();
  const flow = await authorizationUrl();
  let page = await (await authorize(flow.url, jar)).text();
  await node.admin('POST', '/api/users', { username: 'locky', password: 'locky-password-1' });
  // A real user and a username nobody has behave the same: no user enumeration.
  for (const username of ['locky', 'nobody-has-this-name']) {
    for (let i = 1; i <= 3; i++) {
      const res = await postLogin(page, jar, { username, password: 'wrong' });
      assert.equal(res.status, 200);
      page = await res.text();
      if (i < 3) assert.match(page, /Invalid username or password\./, `${username} attempt ${i}`);
    }
    assert.match(page, /temporarily locked/, `${username} is locked after 3 failures`);
  }
  const correct = await postLogin(page, jar, { username: 'locky', password: 'locky-password-1' });
  assert.equal(correct.status, 200, 'a locked account cannot sign in, even with the right password');
  assert.match(await correct.text(), /temporarily locked/);
  const users = await node.admin('GET', '/api/users?username=locky');
  assert.ok(users.json.users[0].locked_until > 0, 'the admin API shows the lock');
  assert.equal((await node.admin('POST', `/api/users/${users.json.users[0].id}/unlock`)).status, 200);
  const unlocked = await postLogin(page, jar, { username: 'locky', password: 'locky-password-1' });
  assert.equal(unlocked.status, 302, 'after an unlock the right password works');
});

it('a missing or wrong CSRF token is refused', async () => {
  const jar = new Map();
  const flow = await authorizationUrl();
  const page = await (await authorize(flow.url, jar)).text();
  const wrong = await postLogin(page, jar, { csrf: 'forged-token' });
  assert.equal(wrong.status, 400);
  assert.match(await wrong.text(), /data-error="csrf"/);
  const noCookie = await postLogin(page, new Map());
  assert.equal(noCookie.status, 400);
  assert.match(await noCookie.text(), /data-error="csrf"/);
  const ok = await postLogin(page, jar);
  assert.equal(ok.status, 302, 'the real form still works');
});

it('a CSRF token the browser chose is never adopted: the server issues its own, and the chosen one is refused', async () => {
  // Shaped like a real token, but not issued by the server (a cookie planted by someone else).
  const chosen = `${'a'.repeat(32)}.${'b'.repeat(43)}`;
  const jar = new Map([['gh_csrf', chosen]]);
  const flow = await authorizationUrl();
  const form = await authorize(flow.url, jar);
  assert.equal(form.status, 200);
  const page = await form.text();
  const issued = hidden(page, 'csrf');
  assert.notEqual(issued, chosen, 'the form carries a token the server issued');
  assert.equal(jar.get('gh_csrf'), issued, 'the cookie is replaced by the issued token');
  const planted = await postLogin(page, new Map([['gh_csrf', chosen]]), { csrf: chosen });
  assert.equal(planted.status, 400);
  assert.match(await planted.text(), /data-error="csrf"/);
  // The issued token is reused by the next form of this browser (two tabs share it).
  const second = await authorize((await authorizationUrl()).url, jar);
  assert.equal(hidden(await second.text(), 'csrf'), issued);
  assert.equal((await postLogin(page, jar)).status, 302, 'the real form still works');
});

it('a code is redeemed once; the second redemption revokes the first tokens', async () => {
  const flow = await signIn();
  const tokens = await oidc.authorizationCodeGrant(config, flow.callback, {
    pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce,
  });
  await assert.rejects(
    oidc.authorizationCodeGrant(config, flow.callback, {
      pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce,
    }),
    (err) => err.error === 'invalid_grant',
  );
  const introspected = await oidc.tokenIntrospection(config, tokens.access_token);
  assert.equal(introspected.active, false);
});

it('a wrong PKCE verifier is invalid_grant', async () => {
  const flow = await signIn();
  await assert.rejects(
    oidc.authorizationCodeGrant(config, flow.callback, {
      pkceCodeVerifier: oidc.randomPKCECodeVerifier(), expectedState: flow.state, expectedNonce: flow.nonce,
    }),
    (err) => err.error === 'invalid_grant',
  );
});

it('the login form survives a restart of the node between showing and posting it', async () => {
  const jar = new Map();
  const flow = await authorizationUrl();
  const page = await (await authorize(flow.url, jar)).text();
  await node.restart();
  const res = await postLogin(page, jar);
  assert.equal(res.status, 302);
  const tokens = await oidc.authorizationCodeGrant(config, new URL(res.headers.get('location')), {
    pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce,
  });
  await node.restart();
  const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token);
  assert.ok(refreshed.access_token, 'a refresh token issued before a restart works after it');
});

it('RP-initiated logout ends the SSO session and returns to the registered URI only', async () => {
  const flow = await signIn();
  const tokens = await oidc.authorizationCodeGrant(config, flow.callback, {
    pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce,
  });
  const signedOut = `http://127.0.0.1:${node.port}/signed-out`;
  const bad = oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token, post_logout_redirect_uri: 'https://evil.example.com/' });
  const refused = await fetch(bad, { redirect: 'manual', headers: { cookie: cookieHeader(flow.jar) } });
  assert.equal(refused.status, 400);
  assert.equal(refused.headers.get('location'), null);
  const url = oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token, post_logout_redirect_uri: signedOut, state: 'bye' });
  const res = await fetch(url, { redirect: 'manual', headers: { cookie: cookieHeader(flow.jar) } });
  assert.equal(res.status, 302);
  assert.equal(res.headers.get('location'), `${signedOut}?state=bye`);
  storeCookies(flow.jar, res);
  // The old cookie value no longer opens a session either (it was ended in the store).
  const again = await authorizationUrl();
  const form = await fetch(again.url, { redirect: 'manual', headers: { cookie: `gh_session=${flow.sessionCookie}` } });
  assert.equal(form.status, 200, 'the login form is shown again');
});

it('a refresh token reused within the grace window gets the same answer; after it, the family is revoked', async () => {
  // A node of its own with a 1 s grace window, so the test can wait past it.
  const { node: other, config: cfg, redirectUri: cb } = await startWebApp({
    users: [USER], config: { tokens: { refresh_grace: '1s', code_ttl: '1s' } },
  });
  try {
    const signInOther = async () => {
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const url = oidc.buildAuthorizationUrl(cfg, {
        redirect_uri: cb, scope: 'openid offline_access', state,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
      });
      const jar = new Map();
      const res = await fetch(url, { redirect: 'manual' });
      storeCookies(jar, res);
      const page = await res.text();
      const body = new URLSearchParams({ tx: hidden(page, 'tx'), csrf: hidden(page, 'csrf'), username: USER.username, password: USER.password });
      const back = await fetch(`${other.url}/oauth2/login`, {
        method: 'POST', redirect: 'manual', body,
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader(jar) },
      });
      return { callback: new URL(back.headers.get('location')), verifier, state };
    };

    const flow = await signInOther();
    const tokens = await oidc.authorizationCodeGrant(cfg, flow.callback, { pkceCodeVerifier: flow.verifier, expectedState: flow.state });
    const first = await oidc.refreshTokenGrant(cfg, tokens.refresh_token);
    const again = await oidc.refreshTokenGrant(cfg, tokens.refresh_token);
    assert.equal(again.refresh_token, first.refresh_token, 'inside the grace window: the same new pair');
    assert.equal(again.access_token, first.access_token);
    // Past the grace window the old token is a replay: invalid_grant, and the new one dies with it.
    await pollUntil(async () => {
      try {
        await oidc.refreshTokenGrant(cfg, tokens.refresh_token);
        return false;
      } catch (err) {
        return err.error === 'invalid_grant';
      }
    }, { what: 'the replay to be refused after the grace window', deadlineMs: 10000, intervalMs: 200 });
    await assert.rejects(oidc.refreshTokenGrant(cfg, first.refresh_token), (err) => err.error === 'invalid_grant');
    assert.equal((await oidc.tokenIntrospection(cfg, first.access_token)).active, false);

    // An expired code (code_ttl 1 s here, whole seconds on the server) is invalid_grant.
    const late = await signInOther();
    const issued = Date.now();
    await pollUntil(() => Date.now() - issued > 2100, { what: 'two seconds to pass', deadlineMs: 5000, intervalMs: 100 });
    await assert.rejects(
      oidc.authorizationCodeGrant(cfg, late.callback, { pkceCodeVerifier: late.verifier, expectedState: late.state }),
      (err) => err.error === 'invalid_grant',
    );
  } finally {
    await other.cleanup();
  }
});

it('a code issued to another client is invalid_grant', async () => {
  const otherClient = await node.createApplication({
    client_id: 'other-web', client_secret: 'other-web-secret-0123', grant_types: ['authorization_code'],
    redirect_uris: [redirectUri],
  });
  const cfg = await oidc.discovery(new URL(node.url), otherClient.client_id, undefined,
    oidc.ClientSecretBasic('other-web-secret-0123'), { execute: [oidc.allowInsecureRequests] });
  const flow = await signIn();  // a code for "web"
  await assert.rejects(
    oidc.authorizationCodeGrant(cfg, flow.callback, { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce }),
    (err) => err.error === 'invalid_grant',
  );
});

it('two sign-ins started in one browser both complete (the CSRF token binds the browser, not the tab)', async () => {
  const jar = new Map();
  const tab1 = await authorizationUrl();
  const page1 = await (await authorize(tab1.url, jar)).text();
  const tab2 = await authorizationUrl();
  const page2 = await (await authorize(tab2.url, jar)).text();
  const first = await postLogin(page1, jar);
  assert.equal(first.status, 302, 'the first tab still signs in');
  const second = await postLogin(page2, jar);
  assert.equal(second.status, 302, 'and so does the second');
});

it('an access token is not accepted as id_token_hint', async () => {
  const flow = await signIn();
  const tokens = await oidc.authorizationCodeGrant(config, flow.callback, {
    pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce,
  });
  const url = new URL(`${node.url}/oauth2/logout`);
  url.searchParams.set('id_token_hint', tokens.access_token);
  const res = await fetch(url, { redirect: 'manual' });
  assert.equal(res.status, 400);
  assert.match(await res.text(), /id_token_hint was not issued by this server/);
});

it('without an id_token_hint of the session, logout asks first and needs the form\'s CSRF token', async () => {
  const flow = await signIn();
  const signedOut = `http://127.0.0.1:${node.port}/signed-out`;
  const stillSignedIn = async () => {
    const probe = await authorizationUrl({ prompt: 'none' });
    const res = await fetch(probe.url, { redirect: 'manual', headers: { cookie: `gh_session=${flow.sessionCookie}` } });
    return new URL(res.headers.get('location')).searchParams.has('code');
  };
  // A plain link (another site could show one): a confirmation page, and the session lives on.
  const url = new URL(`${node.url}/oauth2/logout`);
  url.searchParams.set('client_id', WEB.client_id);
  url.searchParams.set('post_logout_redirect_uri', signedOut);
  url.searchParams.set('state', 's<1>');
  const jar = new Map(flow.jar);
  const ask = await fetch(url, { redirect: 'manual', headers: { cookie: cookieHeader(jar) } });
  assert.equal(ask.status, 200);
  storeCookies(jar, ask);
  const page = await ask.text();
  assert.match(page, /Web App asks to sign you out/);
  assert.equal(hidden(page, 'state'), 's&lt;1&gt;', 'echoed values are escaped');
  assert.ok(await stillSignedIn(), 'showing the question ends nothing');

  const post = (fields) => fetch(`${node.url}/oauth2/logout`, {
    method: 'POST', redirect: 'manual', body: new URLSearchParams(fields),
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader(jar) },
  });
  const base = { confirm: 'yes', client_id: WEB.client_id, post_logout_redirect_uri: signedOut, state: 's<1>' };
  const forged = await post(base);
  assert.equal(forged.status, 400);
  assert.match(await forged.text(), /data-error="csrf"/);
  const wrong = await post({ ...base, csrf: 'x'.repeat(43) });
  assert.equal(wrong.status, 400, 'a token that is not this browser\'s is refused');
  // A pair the browser chose itself (cookie and field alike) is not a token the server issued.
  const chosen = `${'c'.repeat(32)}.${'d'.repeat(43)}`;
  const planted = await fetch(`${node.url}/oauth2/logout`, {
    method: 'POST', redirect: 'manual', body: new URLSearchParams({ ...base, csrf: chosen }),
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `${cookieHeader(flow.jar)}; gh_logout=${chosen}` },
  });
  assert.equal(planted.status, 400, 'a self-chosen double submit is refused');
  assert.match(await planted.text(), /data-error="csrf"/);
  assert.ok(await stillSignedIn(), 'a forged confirmation ends nothing');

  const confirmed = await post({ ...base, csrf: hidden(page, 'csrf') });
  assert.equal(confirmed.status, 302);
  assert.equal(confirmed.headers.get('location'), `${signedOut}?state=s%3C1%3E`);
  assert.equal(await stillSignedIn(), false, 'the confirmed logout ended the session');
});

it('an id_token_hint of another session does not end this one without asking', async () => {
  const a = await signIn();
  const tokensA = await oidc.authorizationCodeGrant(config, a.callback, {
    pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce,
  });
  const b = await signIn();  // another browser
  const url = oidc.buildEndSessionUrl(config, { id_token_hint: tokensA.id_token });
  const res = await fetch(url, { redirect: 'manual', headers: { cookie: `gh_session=${b.sessionCookie}` } });
  assert.equal(res.status, 200);
  assert.match(await res.text(), /name="confirm"/, 'the confirmation page');
});

it('OpenID requests need a redirect_uri; a plain OAuth request may leave it out and so may its code exchange', async () => {
  const flow = await authorizationUrl();
  const noRedirect = new URL(flow.url);
  noRedirect.searchParams.delete('redirect_uri');
  const refused = await fetch(noRedirect, { redirect: 'manual' });
  assert.equal(refused.status, 400);
  assert.equal(refused.headers.get('location'), null, 'never redirected');
  assert.match(await refused.text(), /OpenID Connect requires one/);

  // scope without openid: the client's only registered URI is used and the code is not bound to it.
  const jar = new Map();
  noRedirect.searchParams.set('scope', 'api:read');
  noRedirect.searchParams.delete('nonce');
  const form = await authorize(noRedirect, jar);
  assert.equal(form.status, 200);
  const back = await postLogin(await form.text(), jar);
  assert.equal(back.status, 302);
  const location = new URL(back.headers.get('location'));
  assert.equal(location.origin + location.pathname, redirectUri);
  const exchange = await node.postForm('/oauth2/token', {
    grant_type: 'authorization_code', code: location.searchParams.get('code'), code_verifier: flow.verifier,
  }, { basic: [WEB.client_id, WEB.client_secret] });
  assert.equal(exchange.status, 200, exchange.text);
  const body = exchange.json;
  assert.equal(body.scope, 'api:read');
  assert.equal(body.id_token, undefined, 'no ID token without openid');
});

it('over-long state, nonce and login_hint are refused with invalid_request', async () => {
  for (const [name, size] of [['state', 2049], ['nonce', 513], ['login_hint', 257]]) {
    const flow = await authorizationUrl({ [name]: 'a'.repeat(size) });
    const res = await fetch(flow.url, { redirect: 'manual' });
    assert.equal(res.status, 302, name);
    const location = new URL(res.headers.get('location'));
    assert.equal(location.searchParams.get('error'), 'invalid_request', name);
    assert.match(location.searchParams.get('error_description'), new RegExp(name));
  }
});

it('with [oauth] require_pkce, a confidential client without PKCE is refused', async () => {
  const plain = () => {
    const url = new URL(`${node.url}/oauth2/authorize`);
    for (const [k, v] of Object.entries({ response_type: 'code', client_id: WEB.client_id, redirect_uri: redirectUri, scope: 'openid', state: 'st' }))
      url.searchParams.set(k, v);
    return fetch(url, { redirect: 'manual' });
  };
  assert.equal((await plain()).status, 200, 'by default a confidential client may skip PKCE');
  await node.stop();
  await node.launch({ env: { GATEHOUSE_OAUTH_REQUIRE_PKCE: 'true' } });
  try {
    const res = await plain();
    assert.equal(res.status, 302);
    const location = new URL(res.headers.get('location'));
    assert.equal(location.searchParams.get('error'), 'invalid_request');
    assert.match(location.searchParams.get('error_description'), /PKCE/);
    assert.equal(location.searchParams.get('state'), 'st');
    assert.equal((await fetch((await authorizationUrl()).url, { redirect: 'manual' })).status, 200, 'with PKCE it works');
  } finally {
    await node.stop();
    await node.launch();
  }
});

it('discovery offers every configured algorithm for ID tokens and "none" for public clients', async () => {
  const meta = config.serverMetadata();
  assert.deepEqual(meta.id_token_signing_alg_values_supported, ['RS256', 'ES256']);
  assert.ok(meta.token_endpoint_auth_methods_supported.includes('none'));
});
