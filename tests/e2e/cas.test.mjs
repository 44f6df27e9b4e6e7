// The CAS front door over real HTTP on one node (SQLite), driven as a browser and a CAS client
// would: /cas/login with the hosted sign-in, the ticket in the redirect, its validation on every
// endpoint (CAS 1.0 text, CAS 2.0 and 3.0 XML, JSON), one sign-in shared with an OpenID Connect
// client, a service registered through the admin API served at once, and services that only look
// like a registered one. (Real CAS clients and the cluster: cas_clients and cas_cluster tests.)
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { after, before } from 'node:test';
import * as oidc from 'openid-client';
import { nodeTest, pollUntil } from './lib/node.js';
import { browse as browseUrl, hidden } from './lib/forms.js';
import { startWebApp } from './lib/web_app.js';

const PASSWORD = 'correct horse battery';
const SERVICE = 'https://app.example.com/cas/';
const SLO_SERVICE = 'https://slo.example.com/app/';
const MFA_SERVICE = 'https://mfa.example.com/app/';
const SEED = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

let node;
let web;
let sloServer;          // a CAS service's back-channel logout endpoint: records what it is sent
const sloRequests = [];
let redirectUri;
const it = nodeTest(() => [node]);

before(async () => {
  ({ node, config: web, redirectUri } = await startWebApp({
    users: [{ username: 'ada', password: PASSWORD, email: 'ada@example.com', name: 'Ada <L> & "Co"' }],
  }));
  const res = await node.admin('POST', '/api/applications', {
    client_id: 'cas-app', client_name: 'CAS App', client_secret: 'cas-app-secret-0123456789',
    grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic',
    cas_services: [{ match: 'prefix', url: SERVICE }], cas_attributes: ['email', 'name'],
  });
  assert.equal(res.status, 201, res.text);
  sloServer = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      sloRequests.push({ method: req.method, type: req.headers['content-type'], body });
      res.end('ok');
    });
  });
  await new Promise((resolve) => sloServer.listen(0, '127.0.0.1', resolve));
  const slo = await node.admin('POST', '/api/applications', {
    client_id: 'cas-slo', client_secret: 'cas-slo-secret-0123456789', grant_types: ['client_credentials'],
    token_endpoint_auth_method: 'client_secret_basic', cas_services: [{ match: 'prefix', url: SLO_SERVICE }],
    cas_logout_url: `http://127.0.0.1:${sloServer.address().port}/slo`,
  });
  assert.equal(slo.status, 201, slo.text);
});
after(async () => {
  await node?.cleanup();
  await new Promise((resolve) => (sloServer ? sloServer.close(resolve) : resolve()));
});

const browse = (jar, url, fields) => browseUrl(url.startsWith('http') ? url : node.url + url, jar, fields);

/** Posts the hosted login form of `page` as ada. */
async function signIn(jar, page) {
  assert.equal(page.status, 200, page.text);
  return browse(jar, '/oauth2/login', {
    tx: hidden(page.text, 'tx'), csrf: hidden(page.text, 'csrf'), username: 'ada', password: PASSWORD,
  });
}

const login = (jar, service, extra = '') => browse(jar, `/cas/login?service=${encodeURIComponent(service)}${extra}`);
const ticketOf = (location) => new URL(location).searchParams.get('ticket');
const validate = async (path, service, ticket, extra = '') => {
  const res = await fetch(`${node.url}${path}?service=${encodeURIComponent(service)}&ticket=${encodeURIComponent(ticket)}${extra}`);
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
};

it('a CAS sign-in issues a ticket that any validation endpoint accepts once', async () => {
  const service = `${SERVICE}page?x=1`;
  const issue = async () => {
    const jar = new Map();
    const done = await signIn(jar, await login(jar, service));
    assert.equal(done.status, 302, done.text);
    assert.ok(done.location.startsWith(`${service}&ticket=ST-`), done.location);
    return ticketOf(done.location);
  };
  const t = await issue();
  const v3 = await validate('/cas/p3/serviceValidate', service, t);
  assert.equal(v3.status, 200);
  assert.match(v3.type, /^application\/xml/);
  assert.match(v3.text, /<cas:user>ada<\/cas:user>/);
  assert.match(v3.text, /<cas:email>ada@example.com<\/cas:email>/);
  assert.match(v3.text, /<cas:name>Ada &lt;L&gt; &amp; &quot;Co&quot;<\/cas:name>/);
  const again = await validate('/cas/p3/serviceValidate', service, t);
  assert.match(again.text, /<cas:authenticationFailure code="INVALID_TICKET">/);

  assert.equal((await validate('/cas/validate', service, await issue())).text, 'yes\nada\n');
  const v2 = await validate('/cas/serviceValidate', service, await issue());
  assert.match(v2.text, /<cas:user>ada<\/cas:user>/);
  assert.doesNotMatch(v2.text, /<cas:attributes>/);
  const json = JSON.parse((await validate('/cas/p3/proxyValidate', service, await issue(), '&format=JSON')).text);
  assert.equal(json.serviceResponse.authenticationSuccess.user, 'ada');
  assert.deepEqual(json.serviceResponse.authenticationSuccess.attributes.email, ['ada@example.com']);
  const wrong = await validate('/cas/serviceValidate', `${SERVICE}other`, await issue());
  assert.match(wrong.text, /code="INVALID_SERVICE"/);
});

it('one sign-in serves an OpenID Connect client and then a CAS service without a second form', async () => {
  const jar = new Map();
  const verifier = oidc.randomPKCECodeVerifier();
  const url = oidc.buildAuthorizationUrl(web, {
    redirect_uri: redirectUri, scope: 'openid', code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256', state: oidc.randomState(),
  });
  const done = await signIn(jar, await browse(jar, url.href));
  assert.equal(done.status, 302, done.text);
  assert.ok(done.location.startsWith(redirectUri), done.location);
  const cas = await login(jar, SERVICE);
  assert.equal(cas.status, 302, 'no form: the OIDC sign-in is the CAS ticket-granting ticket');
  const v = await validate('/cas/serviceValidate', SERVICE, ticketOf(cas.location), '&renew=true');
  assert.match(v.text, /code="INVALID_TICKET"/, 'renew refuses a ticket from an existing session');
  const gateway = await browse(new Map(), `/cas/login?gateway=true&service=${encodeURIComponent(SERVICE)}`);
  assert.equal(gateway.status, 302);
  assert.equal(gateway.location, SERVICE, 'gateway without a session: back without a ticket');
});

it('a service registered through the admin API is served at once, and look-alikes never get a ticket', async () => {
  const other = 'https://other.example.org/app';
  assert.equal((await login(new Map(), other)).status, 403);
  // A CAS-only application: no OAuth grant, no secret.
  const res = await node.admin('POST', '/api/applications', { client_id: 'cas-other', cas_services: [{ match: 'exact', url: other }] });
  assert.equal(res.status, 201, res.text);
  assert.deepEqual(res.json.grant_types, []);
  assert.equal(res.json.client_secret, undefined);
  const token = await fetch(`${node.url}/oauth2/token`, {
    method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'cas-other' }),
  });
  assert.equal(token.status, 400, 'it gets no token');
  assert.equal((await login(new Map(), other)).status, 200, 'the login form for the new service');
  for (const lookalike of ['https://app.example.com/cass/', 'https://app.example.com.evil.example/cas/',
    'https://app.example.com@evil.example/cas/', 'https://app.example.com/cas/%2e%2e/admin', `${other}x`,
    'http://app.example.com/cas/']) {
    const r = await login(new Map(), lookalike);
    assert.equal(r.status, 403, lookalike);
  }
  const bad = await validate('/cas/serviceValidate', SERVICE, 'ST-' + 'x'.repeat(400));
  assert.match(bad.text, /code="INVALID_TICKET"/);
  const missing = await fetch(`${node.url}/cas/p3/serviceValidate?service=${encodeURIComponent(SERVICE)}`);
  assert.match(await missing.text(), /code="INVALID_REQUEST"/);
});

it('logout ends the session and returns only to a registered service', async () => {
  const jar = new Map();
  await signIn(jar, await login(jar, SERVICE));
  const out = await browse(jar, `/cas/logout?service=${encodeURIComponent(SERVICE)}`);
  assert.equal(out.status, 302);
  assert.equal(out.location, SERVICE);
  assert.equal((await login(jar, SERVICE)).status, 200, 'signed out: the form again');
  const open = await browse(new Map(), `/cas/logout?service=${encodeURIComponent('https://evil.example/')}`);
  assert.equal(open.status, 200, 'no open redirect');
});

it('ending a session sends a back-channel logoutRequest naming the ticket to the services that registered for it', async () => {
  /** The SessionIndex of the logoutRequests received so far. */
  const indexes = () => sloRequests.map((r) => {
    assert.equal(r.method, 'POST');
    assert.match(r.type, /^application\/x-www-form-urlencoded/);
    const xml = new URLSearchParams(r.body).get('logoutRequest');
    return /<samlp:SessionIndex>([^<]+)<\/samlp:SessionIndex>/.exec(xml)?.[1];
  });
  // A logout on the CAS front door.
  const jar = new Map();
  const done = await signIn(jar, await login(jar, SLO_SERVICE));
  const first = ticketOf(done.location);
  const again = await login(jar, SLO_SERVICE);
  assert.equal(again.status, 302);
  const secondTicket = ticketOf(again.location);
  await login(jar, SERVICE);  // a service without cas_logout_url: nothing is sent to it
  await browse(jar, '/cas/logout');
  await pollUntil(() => indexes().includes(first) && indexes().includes(secondTicket),
    { what: 'the logoutRequests of the CAS logout' });
  assert.equal(sloRequests.length, 2, 'one per ticket the service received in that session (clients key sessions by ticket)');
  // An administrator signing the user out everywhere.
  const jar2 = new Map();
  const second = ticketOf((await signIn(jar2, await login(jar2, SLO_SERVICE))).location);
  const users = await node.admin('GET', '/api/users?username=ada');
  const id = users.json.users[0].id;
  assert.equal((await node.admin('POST', `/api/users/${id}/sign-out`)).status, 204);
  await pollUntil(() => indexes().includes(second), { what: 'the logoutRequest of the sign-out everywhere' });
  assert.equal(sloRequests.length, 3);
});

it('a CAS service whose policy requires a second factor gets its ticket only after the code', async () => {
  const app = await node.admin('POST', '/api/applications', {
    client_id: 'cas-mfa', client_secret: 'cas-mfa-secret-0123456789', grant_types: ['client_credentials'],
    token_endpoint_auth_method: 'client_secret_basic', cas_services: [{ match: 'prefix', url: MFA_SERVICE }],
    mfa_policy: 'required',
  });
  assert.equal(app.status, 201, app.text);
  const user = await node.admin('POST', '/api/users', { username: 'tina', password: PASSWORD, totp_secret: SEED });
  assert.equal(user.status, 201, user.text);
  const jar = new Map();
  const page = await login(jar, MFA_SERVICE);
  const factor = await browse(jar, '/oauth2/login', {
    tx: hidden(page.text, 'tx'), csrf: hidden(page.text, 'csrf'), username: 'tina', password: PASSWORD,
  });
  assert.equal(factor.status, 200, 'the factor page, no ticket yet');
  assert.equal(factor.location, null);
  const code = execFileSync('oathtool', ['--totp', '-b', SEED], { encoding: 'utf8' }).trim();
  const done = await browse(jar, '/oauth2/login/factor', {
    tx: hidden(factor.text, 'tx'), csrf: hidden(factor.text, 'csrf'), method: 'totp', code,
  });
  assert.equal(done.status, 302, done.text);
  const v = await validate('/cas/p3/serviceValidate', MFA_SERVICE, ticketOf(done.location));
  assert.match(v.text, /<cas:user>tina<\/cas:user>/);
  assert.match(v.text, /<cas:authenticationMethod>otp<\/cas:authenticationMethod>/);
  // The same session serves the service again without a form (it has the factor now).
  assert.equal((await login(jar, MFA_SERVICE)).status, 302);
});

it('renew refuses a ticket from a step-up that asked only the second factor', async () => {
  const OFF_SERVICE = 'https://off.example.com/app/';
  const app = await node.admin('POST', '/api/applications', {
    client_id: 'cas-off', cas_services: [{ match: 'prefix', url: OFF_SERVICE }], mfa_policy: 'off',
  });
  assert.equal(app.status, 201, app.text);
  assert.equal((await node.admin('POST', '/api/users', { username: 'uma', password: PASSWORD, totp_secret: SEED })).status, 201);
  const jar = new Map();
  const page = await login(jar, OFF_SERVICE);
  const first = await browse(jar, '/oauth2/login', {
    tx: hidden(page.text, 'tx'), csrf: hidden(page.text, 'csrf'), username: 'uma', password: PASSWORD,
  });
  assert.equal(first.status, 302, 'the password alone for a service with mfa_policy off');
  const factor = await login(jar, MFA_SERVICE);
  assert.equal(factor.status, 200);
  assert.doesNotMatch(factor.text, /name="password"/, 'the factor page, not the password form');
  const code = execFileSync('oathtool', ['--totp', '-b', SEED], { encoding: 'utf8' }).trim();
  const done = await browse(jar, '/oauth2/login/factor', {
    tx: hidden(factor.text, 'tx'), csrf: hidden(factor.text, 'csrf'), method: 'totp', code,
  });
  assert.equal(done.status, 302, done.text);
  const renewed = await validate('/cas/serviceValidate', MFA_SERVICE, ticketOf(done.location), '&renew=true');
  assert.match(renewed.text, /<cas:authenticationFailure code="INVALID_TICKET">/, 'not an initial login');
  // The same session, asked again: a ticket without a form that validates without renew.
  const again = await login(jar, MFA_SERVICE);
  assert.equal(again.status, 302);
  assert.match((await validate('/cas/p3/serviceValidate', MFA_SERVICE, ticketOf(again.location))).text, /<cas:user>uma<\/cas:user>/);
});
