// OpenID Connect Back-Channel Logout 1.0 over real HTTP on one node (SQLite): discovery says it is
// supported, a client registers backchannel_logout_uri (kickstart and admin API; bad URIs refused
// with the member named), and when a session the client signed in from ends — by RP-initiated
// logout at /oauth2/logout or an administrator's sign-out — the node POSTs a Logout Token to the
// client's endpoint (a small HTTP server here), which the test verifies with jose against the
// node's JWKS as a relying party would: typ logout+jwt, iss, aud, iat, exp, jti, the event, the
// sub and sid the ID token had, and no nonce.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before } from 'node:test';
import * as jose from 'jose';
import * as oidc from 'openid-client';
import { freePort, makeTempDir, nodeTest, pollUntil, removeTempDir } from './lib/node.js';
import { logoutAskedAt, posted, registerSp, sp } from './lib/saml_sp.js';
import { browse as browseUrl, hidden } from './lib/forms.js';
import { startWebApp } from './lib/web_app.js';

const PASSWORD = 'correct horse battery';
const EVENT = 'http://schemas.openid.net/event/backchannel-logout';

let node;
let config;
let redirectUri;
let rp;                 // the web application's back-channel logout endpoint: records what it is sent
const received = [];    // { type, token }
const it = nodeTest(() => [node]);

before(async () => {
  const rpPort = await freePort();
  rp = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/bcl') {
        received.push({ type: req.headers['content-type'], token: new URLSearchParams(body).get('logout_token') });
        res.writeHead(200, { 'cache-control': 'no-store' }).end();  // §2.8: 200 on success
      } else {
        res.writeHead(404).end();
      }
    });
  });
  await new Promise((resolve) => rp.listen(rpPort, '127.0.0.1', resolve));
  ({ node, config, redirectUri } = await startWebApp({
    users: [{ username: 'ada', password: PASSWORD, email: 'ada@example.com' }],
    // Through the kickstart: http is allowed for this confidential client.
    application: (origin) => ({
      backchannel_logout_uri: `http://127.0.0.1:${rpPort}/bcl`, backchannel_logout_session_required: true,
      post_logout_redirect_uris: [`${origin}/signed-out`],
    }),
  }));
});
after(async () => {
  await node?.cleanup();
  await new Promise((resolve) => (rp ? rp.close(resolve) : resolve()));
});

const browse = (jar, url, fields) => browseUrl(url.startsWith('http') ? url : node.url + url, jar, fields);

/** A browser signing in to the web application with the hosted form: its jar and the tokens. */
async function signIn() {
  const jar = new Map();
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri, scope: 'openid email', state, nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  });
  const page = await browse(jar, url.href);
  assert.equal(page.status, 200, page.text);
  const done = await browse(jar, '/oauth2/login', {
    tx: hidden(page.text, 'tx'), csrf: hidden(page.text, 'csrf'), username: 'ada', password: PASSWORD,
  });
  assert.equal(done.status, 302, done.text);
  const tokens = await oidc.authorizationCodeGrant(config, new URL(done.location), {
    pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce,
  });
  return { jar, tokens, claims: tokens.claims() };
}

/** The Logout Token for `sid`, once it arrives, verified against the node's JWKS: its payload. */
async function logoutTokenFor(sid, what) {
  const jwks = jose.createRemoteJWKSet(new URL(`${node.url}/.well-known/jwks.json`));
  let found;
  await pollUntil(() => {
    found = received.find((r) => r.token && jose.decodeJwt(r.token).sid === sid);
    return found !== undefined;
  }, { what });
  assert.match(found.type, /^application\/x-www-form-urlencoded/);
  const { payload, protectedHeader } = await jose.jwtVerify(found.token, jwks, {
    issuer: node.url, audience: 'web', typ: 'logout+jwt', algorithms: ['RS256'], maxTokenAge: '2 minutes',
  });
  assert.equal(protectedHeader.typ, 'logout+jwt');
  assert.ok(protectedHeader.kid, 'the key is named');
  assert.deepEqual(payload.events, { [EVENT]: {} });
  assert.equal(payload.nonce, undefined, 'never a nonce');
  assert.ok(typeof payload.jti === 'string' && payload.jti.length >= 16, 'a jti');
  assert.ok(payload.exp > payload.iat && payload.exp - payload.iat <= 120, 'a short lifetime');
  return payload;
}

it('discovery says back-channel logout with sessions is supported', async () => {
  const doc = (await node.request('/.well-known/openid-configuration')).json;
  assert.equal(doc.backchannel_logout_supported, true);
  assert.equal(doc.backchannel_logout_session_supported, true);
  assert.equal(doc.frontchannel_logout_supported, undefined, 'front-channel logout is not offered');
});

it('RP-initiated logout sends the client a Logout Token with the sub and sid of its ID token', async () => {
  const { jar, tokens, claims } = await signIn();
  assert.ok(claims.sid, 'the ID token has a sid');
  const url = oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token });
  const out = await browse(jar, url.href);
  assert.equal(out.status, 200, out.text);
  const payload = await logoutTokenFor(claims.sid, 'the Logout Token of the RP-initiated logout');
  assert.equal(payload.sub, claims.sub);
  assert.equal(payload.aud, 'web');
  // The Logout Token is no ID token: it does not pass as an id_token_hint.
  const hinted = await fetch(`${node.url}/oauth2/logout?id_token_hint=${encodeURIComponent(received.at(-1).token)}`);
  assert.equal(hinted.status, 400);
});

it('an administrator signing the user out everywhere sends a Logout Token for each session', async () => {
  const first = await signIn();
  const second = await signIn();
  assert.notEqual(first.claims.sid, second.claims.sid);
  const users = await node.admin('GET', '/api/users?username=ada');
  assert.equal((await node.admin('POST', `/api/users/${users.json.users[0].id}/sign-out`)).status, 204);
  for (const { claims } of [first, second]) {
    const payload = await logoutTokenFor(claims.sid, `the Logout Token of session ${claims.sid}`);
    assert.equal(payload.sub, claims.sub);
  }
  const again = await browse(first.jar, oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri, scope: 'openid', state: oidc.randomState(),
    code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()), code_challenge_method: 'S256',
  }).href);
  assert.equal(again.status, 200, 'signed out: the login form again');
  assert.match(again.text, /name="password"/);
});

it('the admin API keeps backchannel_logout_uri and refuses one that cannot be used', async () => {
  const app = {
    client_id: 'bcl-admin', client_secret: 'bcl-admin-secret-0123456789', grant_types: ['authorization_code'],
    redirect_uris: ['https://rp.example.com/cb'], backchannel_logout_uri: 'https://rp.example.com/bcl?x=1',
  };
  const created = await node.admin('POST', '/api/applications', app);
  assert.equal(created.status, 201, created.text);
  const read = await node.admin('GET', '/api/applications/bcl-admin');
  assert.equal(read.json.backchannel_logout_uri, 'https://rp.example.com/bcl?x=1');
  for (const [uri, extra] of [['https://rp.example.com/bcl#f', {}], ['javascript:alert(1)', {}],
    ['http://rp.example.com/bcl', { token_endpoint_auth_method: 'none', client_secret: undefined }]]) {
    const bad = await node.admin('POST', '/api/applications', { ...app, client_id: 'bcl-bad', backchannel_logout_uri: uri, ...extra });
    assert.equal(bad.status, 400, `${uri}: ${bad.text}`);
    assert.equal(bad.json.field, 'backchannel_logout_uri', bad.text);
  }
  const front = await node.admin('POST', '/api/applications', { ...app, client_id: 'fcl', frontchannel_logout_uri: 'https://rp.example.com/fcl' });
  assert.equal(front.status, 400);
  assert.equal(front.json.field, 'frontchannel_logout_uri');
});

it('RP-initiated logout goes through the browser to a SAML SP without a SOAP endpoint, then to the post_logout_redirect_uri with its state', async (t) => {
  const dir = await makeTempDir('gatehouse-bcl-saml-');
  t.after(() => removeTempDir(dir));
  fs.writeFileSync(path.join(dir, 'idp.xml'), await (await fetch(`${node.url}/saml/metadata`)).text());
  const options = await registerSp(node, dir, 'rp-then-saml', {}, { slo: [['https://rp-then-saml.example.com/slo', 'redirect']] });
  const { jar, tokens, claims } = await signIn();
  // The same browser at the SAML SP: answered from the session, no form.
  const req = sp('request', { ...options, binding: 'redirect' });
  const checked = sp('response', { ...options, saml_response: posted(await browse(jar, req.url)).response, request_id: req.id });
  assert.equal(checked.error, undefined, checked.error);

  const signedOut = new URL('/signed-out', redirectUri).href;
  const url = oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token, post_logout_redirect_uri: signedOut, state: 'bye' });
  const asked = logoutAskedAt(await browse(jar, url.href), 'https://rp-then-saml.example.com/slo', options);
  assert.equal(asked.name_id, checked.nameid);
  const back = await browse(jar, asked.response_url);
  assert.equal(back.status, 302, back.text);
  assert.equal(back.location, `${signedOut}?state=bye`, 'on to where the logout was going, with its state');
  await logoutTokenFor(claims.sid, 'the Logout Token of that logout');
});
