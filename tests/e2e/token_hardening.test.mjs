// Hardening of refresh tokens, codes and introspection (issue 10 points 3-8), against a real node:
// users sign in through the hosted login form, openid-client (an independent relying-party library)
// builds the requests and validates what comes back, and the negative cases are sent raw.
// One node for the whole file; each test signs in its own user so that the order does not matter.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import * as jose from 'jose';
import * as oidc from 'openid-client';
import { GatehouseNode, defaultKickstart, nodeTest } from './lib/node.js';
import { cookieHeader, hidden, storeCookies } from './lib/forms.js';

// Two code-flow clients with the same redirect URI (so only the client binding tells them apart), a
// code-flow client without the refresh_token grant, and a resource server that introspects.
const A = { client_id: 'app-a', client_secret: 'app-a-secret-0123456789' };
const B = { client_id: 'app-b', client_secret: 'app-b-secret-0123456789' };
const C = { client_id: 'app-c', client_secret: 'app-c-secret-0123456789' };
const RS = { client_id: 'resource-server', client_secret: 'resource-server-secret-0123' };
const API_AUDIENCE = 'https://api.example.com';
const PASSWORD = 'a long enough password 42';
const USERS = ['u-revoke', 'u-introspect', 'u-audience', 'u-norefresh', 'u-code', 'u-password', 'u-deactivate', 'u-signout'];
const SCOPE = 'openid offline_access api:read';

let node;
let redirectUri;
const configs = {};
const userIds = {};
const it = nodeTest(() => [node]);

before(async () => {
  const kickstart = defaultKickstart();
  node = await GatehouseNode.create({ kickstart });
  redirectUri = `http://127.0.0.1:${node.port}/callback`;
  const codeClient = (c, grants, extra = {}) => ({
    ...c, client_name: c.client_id, grant_types: grants, token_endpoint_auth_method: 'client_secret_basic',
    redirect_uris: [redirectUri], scope: 'api:read', ...extra,
  });
  kickstart.applications.push(
    codeClient(A, ['authorization_code', 'refresh_token'], { access_token_audience: [API_AUDIENCE] }),
    codeClient(B, ['authorization_code', 'refresh_token']),
    codeClient(C, ['authorization_code']),
    { ...RS, client_name: 'Resource server', grant_types: ['client_credentials'], scope: 'api:read' },
  );
  kickstart.users = USERS.map((username) => ({ username, password: PASSWORD }));
  node = await GatehouseNode.start({ kickstart, port: node.port, config: { passwords: { memory_kib: 256, iterations: 1 } } });
  for (const c of [A, B, C]) {
    configs[c.client_id] = await oidc.discovery(new URL(node.url), c.client_id, undefined,
      oidc.ClientSecretBasic(c.client_secret), { execute: [oidc.allowInsecureRequests] });
  }
  for (const username of USERS) {
    const res = await node.admin('GET', `/api/users?username=${username}`);
    userIds[username] = res.json.users[0].id;
  }
});
after(async () => {
  await node?.cleanup();
});

// ---------------------------------------------------------------------------------------------
// The hosted login, as a browser would drive it.

async function authorizationRequest(client, extra = {}) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(configs[client.client_id], {
    redirect_uri: redirectUri, scope: SCOPE, code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256', state, nonce, ...extra,
  });
  return { url, verifier, state, nonce };
}

async function browse(url, jar) {
  const res = await fetch(url, { redirect: 'manual', headers: { cookie: cookieHeader(jar) } });
  storeCookies(jar, res);
  return res;
}

/** Signs `username` in for `client` through the login form; returns the flow and its callback URL. */
async function signIn(client, username, jar = new Map()) {
  const flow = await authorizationRequest(client);
  const page = await browse(flow.url, jar);
  assert.equal(page.status, 200, 'the login form');
  const html = await page.text();
  const res = await fetch(`${node.url}/oauth2/login`, {
    method: 'POST', redirect: 'manual',
    body: new URLSearchParams({ tx: hidden(html, 'tx'), csrf: hidden(html, 'csrf'), username, password: PASSWORD }),
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader(jar) },
  });
  storeCookies(jar, res);
  assert.equal(res.status, 302, await res.text());
  return { ...flow, jar, callback: new URL(res.headers.get('location')) };
}

/** Redeems the flow's code as `client` with openid-client (which validates the ID token). */
function redeem(client, flow) {
  return oidc.authorizationCodeGrant(configs[client.client_id], flow.callback, {
    pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce,
  });
}

/** Signs in and redeems the code: the tokens of a fresh grant. */
async function tokensFor(client, username) {
  const flow = await signIn(client, username);
  return { tokens: await redeem(client, flow), jar: flow.jar };
}

/**
 * Whether the browser's SSO session still signs in silently: prompt=none answers with a code.
 * A session that ended answers login_required (or, equally acceptable, shows the form).
 */
async function signsInSilently(jar) {
  const flow = await authorizationRequest(A, { prompt: 'none' });
  const res = await browse(flow.url, new Map(jar));
  if (res.status === 200) {
    assert.match(await res.text(), /name="password"/, 'the login form');
    return false;
  }
  assert.equal(res.status, 302);
  const back = new URL(res.headers.get('location'));
  if (back.searchParams.has('code')) return true;
  assert.equal(back.searchParams.get('error'), 'login_required', back.toString());
  return false;
}

const basic = (c) => ({ basic: [c.client_id, c.client_secret] });
const tokenRequest = (client, params) => node.postForm('/oauth2/token', params, basic(client));
const refresh = (client, refreshToken) => tokenRequest(client, { grant_type: 'refresh_token', refresh_token: refreshToken });
const introspect = (client, token, extra = {}) => node.postForm('/oauth2/introspect', { token, ...extra }, basic(client));
const revoke = (client, token, extra = {}) => node.postForm('/oauth2/revoke', { token, ...extra }, basic(client));

function assertError(res, status, error) {
  assert.equal(res.status, status, res.text);
  assert.equal(res.json?.error, error, res.text);
}

async function assertInactive(client, token, what) {
  const res = await introspect(client, token);
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.json, { active: false }, what);
}

async function assertActive(client, token, what) {
  const res = await introspect(client, token);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.active, true, `${what}: ${res.text}`);
  return res.json;
}

// ---------------------------------------------------------------------------------------------
// Point 3: revoking a refresh token revokes its grant

it('revoking a refresh token (whatever the hint) ends its grant: refresh fails, the grant\'s access tokens go inactive', async () => {
  const { tokens: first } = await tokensFor(A, 'u-revoke');
  assert.ok(first.refresh_token, 'a refresh token');
  const second = await oidc.refreshTokenGrant(configs[A.client_id], first.refresh_token);
  assert.ok(second.refresh_token && second.refresh_token !== first.refresh_token, 'rotated');
  await assertActive(A, first.access_token, 'before the revocation');
  await assertActive(A, second.access_token, 'before the revocation');

  assertError(await revoke(B, second.refresh_token), 400, 'unauthorized_client');
  await assertActive(A, second.access_token, 'another client\'s revocation ends nothing');

  // The hint says access_token; it is a hint only (RFC 7009 §2.1), the refresh token is found anyway.
  const res = await revoke(A, second.refresh_token, { token_type_hint: 'access_token' });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.text, '');

  assertError(await refresh(A, second.refresh_token), 400, 'invalid_grant');
  await assertInactive(A, first.access_token, 'an access token issued from the family before the rotation');
  await assertInactive(A, second.access_token, 'the access token issued with the revoked refresh token');
  await assertInactive(A, second.refresh_token, 'the revoked refresh token');
});

// ---------------------------------------------------------------------------------------------
// Point 4: introspection of a refresh token

it('a live refresh token introspects as active for its client, with client_id, sub, scope, exp and iat', async () => {
  const { tokens } = await tokensFor(A, 'u-introspect');
  const sub = tokens.claims().sub;
  assert.equal(sub, userIds['u-introspect']);
  const before = Math.floor(Date.now() / 1000);
  const r = await assertActive(A, tokens.refresh_token, 'the refresh token');
  assert.equal(r.token_type, 'refresh_token');
  assert.equal(r.client_id, A.client_id);
  assert.equal(r.sub, sub);
  assert.deepEqual(r.scope.split(' ').sort(), SCOPE.split(' ').sort());
  assert.equal(typeof r.iat, 'number');
  assert.equal(typeof r.exp, 'number');
  assert.ok(r.iat <= before + 1 && r.iat >= before - 60, `iat ${r.iat} is about now`);
  assert.ok(r.exp > before, 'exp is in the future');
  // With the other hint, too: the hint does not decide.
  const hinted = await introspect(A, tokens.refresh_token, { token_type_hint: 'access_token' });
  assert.equal(hinted.json.active, true, hinted.text);
  // Only its own client learns about a refresh token.
  await assertInactive(B, tokens.refresh_token, 'another client introspecting the refresh token');
  await assertInactive(RS, tokens.refresh_token, 'a resource server introspecting the refresh token');
});

// ---------------------------------------------------------------------------------------------
// Point 5: who may introspect an access token

it('another client learns nothing about an access token until it is registered for the token\'s audience', async () => {
  const { tokens } = await tokensFor(A, 'u-audience');
  const claims = jose.decodeJwt(tokens.access_token);
  assert.deepEqual([].concat(claims.aud), [API_AUDIENCE]);

  await assertActive(A, tokens.access_token, 'its own client');
  await assertInactive(RS, tokens.access_token, 'a client that is neither the token\'s nor registered for its audience');
  await assertInactive(B, tokens.access_token, 'another code-flow client');

  const put = await node.admin('PUT', `/api/applications/${RS.client_id}`, {
    client_name: 'Resource server', grant_types: ['client_credentials'], scope: 'api:read',
    introspection_audiences: [API_AUDIENCE],
  });
  assert.equal(put.status, 200, put.text);
  assert.deepEqual(put.json.introspection_audiences, [API_AUDIENCE]);
  const r = await assertActive(RS, tokens.access_token, 'a client registered for the token\'s audience');
  assert.equal(r.client_id, A.client_id);
  assert.equal(r.sub, userIds['u-audience']);
  assert.equal(r.token_type, 'Bearer');
  await assertInactive(B, tokens.access_token, 'a client still not registered for it');
  // The audience opens access tokens only: refresh tokens stay their client's.
  await assertInactive(RS, tokens.refresh_token, 'a refresh token, to a client registered for the audience');
});

// ---------------------------------------------------------------------------------------------
// Point 6: refresh tokens only with the refresh_token grant

it('a client without the refresh_token grant gets no refresh token for offline_access, and cannot refresh', async () => {
  const { tokens } = await tokensFor(C, 'u-norefresh');
  assert.ok(tokens.access_token);
  assert.equal(tokens.refresh_token, undefined, 'no refresh token without the refresh_token grant');
  assert.ok(tokens.claims().sub, 'the ID token is still issued');

  assertError(await refresh(C, 'any-refresh-token-value'), 400, 'unauthorized_client');
  // Not even with a real refresh token of another client.
  const { tokens: ofA } = await tokensFor(A, 'u-norefresh');
  assertError(await refresh(C, ofA.refresh_token), 400, 'unauthorized_client');
  await assertActive(A, ofA.refresh_token, 'the refresh token of A is untouched');
});

// ---------------------------------------------------------------------------------------------
// Point 7: the code is checked before it is spent

it('another client presenting a code gets invalid_grant and the code stays redeemable by its client, once', async () => {
  const flow = await signIn(A, 'u-code');
  const code = flow.callback.searchParams.get('code');
  assert.ok(code);
  const stolen = await tokenRequest(B, {
    grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: flow.verifier,
  });
  assertError(stolen, 400, 'invalid_grant');

  const tokens = await redeem(A, flow);
  assert.equal(tokens.claims().sub, userIds['u-code']);
  assert.equal(tokens.claims().aud, A.client_id);
  await assertActive(A, tokens.access_token, 'the tokens of the first redemption');
  await assertActive(A, tokens.refresh_token, 'the refresh token of the first redemption');

  const again = await tokenRequest(A, {
    grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: flow.verifier,
  });
  assertError(again, 400, 'invalid_grant');
  await assertInactive(A, tokens.access_token, 'a replayed code revokes the first tokens');
  await assertInactive(A, tokens.refresh_token, 'and the first refresh token');
  assertError(await refresh(A, tokens.refresh_token), 400, 'invalid_grant');
});

// ---------------------------------------------------------------------------------------------
// Point 8: a password change, a deactivation and a sign-out end everything

/** Signs `username` in and checks the starting point: tokens active, refresh possible, SSO alive. */
async function signedInEverywhere(username) {
  const { tokens, jar } = await tokensFor(A, username);
  // A second grant of the same user, through the SSO session (no form): both must end.
  const silent = await authorizationRequest(A);
  const res = await browse(silent.url, jar);
  assert.equal(res.status, 302, 'the SSO session answers without a form');
  const second = await redeem(A, { ...silent, callback: new URL(res.headers.get('location')) });
  await assertActive(A, tokens.access_token, 'before');
  await assertActive(A, second.access_token, 'before');
  assert.equal(await signsInSilently(jar), true, 'the SSO session signs in silently before');
  return { grants: [tokens, second], jar };
}

async function assertEverythingEnded({ grants, jar }, what) {
  for (const [i, t] of grants.entries()) {
    await assertInactive(A, t.access_token, `${what}: access token of grant ${i + 1}`);
    await assertInactive(A, t.refresh_token, `${what}: refresh token of grant ${i + 1}`);
    assertError(await refresh(A, t.refresh_token), 400, 'invalid_grant');
  }
  assert.equal(await signsInSilently(jar), false, `${what}: the SSO session no longer signs in silently`);
}

it('a new password (POST /api/users/{id}/password) ends the user\'s sessions, refresh tokens and access tokens', async () => {
  const state = await signedInEverywhere('u-password');
  const res = await node.admin('POST', `/api/users/${userIds['u-password']}/password`, { password: 'an entirely new password 43' });
  assert.equal(res.status, 204, res.text);
  await assertEverythingEnded(state, 'after the password change');
});

it('a deactivation ends everything, a resource server sees the tokens inactive, and re-activation brings nothing back', async () => {
  const state = await signedInEverywhere('u-deactivate');
  const id = userIds['u-deactivate'];
  const res = await node.admin('POST', `/api/users/${id}/deactivate`);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.active, false);
  await assertEverythingEnded(state, 'after the deactivation');
  // A token of a deactivated user is inactive to a client registered for its audience, too.
  const put = await node.admin('PUT', `/api/applications/${RS.client_id}`, {
    client_name: 'Resource server', grant_types: ['client_credentials'], scope: 'api:read',
    introspection_audiences: [API_AUDIENCE],
  });
  assert.equal(put.status, 200, put.text);
  await assertInactive(RS, state.grants[0].access_token, 'a deactivated user\'s token, to its audience');

  const back = await node.admin('POST', `/api/users/${id}/activate`);
  assert.equal(back.status, 200, back.text);
  assert.equal(back.json.active, true);
  await assertEverythingEnded(state, 'after the re-activation');
  // The user can sign in again, with new tokens.
  const { tokens } = await tokensFor(A, 'u-deactivate');
  await assertActive(A, tokens.access_token, 'a token of a new sign-in');
});

it('POST /api/users/{id}/sign-out ends the user\'s sessions, refresh tokens and access tokens', async () => {
  const state = await signedInEverywhere('u-signout');
  // A grant without a refresh token (client C), and a code issued but not yet redeemed.
  const { tokens: noRefresh } = await tokensFor(C, 'u-signout');
  await assertActive(C, noRefresh.access_token, 'before');
  const pending = await signIn(A, 'u-signout');
  const res = await node.admin('POST', `/api/users/${userIds['u-signout']}/sign-out`);
  assert.equal(res.status, 204, res.text);
  await assertEverythingEnded(state, 'after the sign-out');
  await assertInactive(C, noRefresh.access_token, 'the access token of a grant without a refresh token');
  const late = await tokenRequest(A, {
    grant_type: 'authorization_code', code: pending.callback.searchParams.get('code'), redirect_uri: redirectUri,
    code_verifier: pending.verifier,
  });
  // Issued in (almost always) the same second as the sign-out: the seconds cut-off cannot refuse it, its
  // revoked grant must; no tokens, and above all no ID token, for it.
  assertError(late, 400, 'invalid_grant');
  assertError(await node.admin('POST', '/api/users/no-such-user/sign-out'), 404, 'not_found');
  // The user is still active and signs in again.
  const { tokens } = await tokensFor(A, 'u-signout');
  await assertActive(A, tokens.refresh_token, 'a refresh token of a new sign-in');
});
