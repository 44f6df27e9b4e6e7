// One browser (Debian's headless Chromium) across the three front doors on one node (SQLite):
// sign in at a SAML service provider (pysaml2, tools/saml_sp.py, writes the AuthnRequest and
// checks the Response) with the hosted form, then an OpenID Connect client and a CAS service get
// their code and ticket with no second form; then one logout, RP-initiated at /oauth2/logout from
// that browser, ends all three: the SAML SP's SOAP endpoint receives a signed LogoutRequest for
// its NameID and SessionIndex (checked by pysaml2 against the IdP's metadata), the OIDC client a
// Logout Token with the sid its ID token had (verified with jose against the JWKS), the CAS
// service a logoutRequest naming its ticket; and the next authorization request in the browser
// shows the login form again. The three applications' endpoints are one small HTTP server here.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before } from 'node:test';
import * as jose from 'jose';
import * as oidc from 'openid-client';
import { launchChromium } from './lib/chromium.js';
import { GatehouseNode, defaultKickstart, makeTempDir, ms, nodeTest, pollUntil, removeTempDir } from './lib/node.js';
import { registerSp, sp } from './lib/saml_sp.js';

const USER = { username: 'ada', password: 'correct horse battery', email: 'ada@example.com', name: 'Ada Lovelace' };
const RP = { client_id: 'ob-rp', client_secret: 'ob-rp-secret-0123456789' };
const EVENT = 'http://schemas.openid.net/event/backchannel-logout';

let node;
let dir;
let apps;          // the SAML SP's, the OIDC client's and the CAS service's endpoints
let browser;
let saml;          // the SP's options for the tool
let config;        // openid-client's Configuration for RP
const seen = { acs: [], samlSlo: [], callback: [], logoutTokens: [], casTickets: [], casSlo: [] };
const it = nodeTest(() => [node]);

/** Every endpoint the three applications expose to the browser and to the node, recording what arrives. */
async function startApps() {
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d) => { body += d; }).on('end', () => {
      const url = new URL(req.url, 'http://127.0.0.1');
      const form = new URLSearchParams(body);
      const page = (id) => res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><h1 id="${id}">${id}</h1>`);
      switch (`${req.method} ${url.pathname}`) {
        case 'POST /saml/acs': seen.acs.push(form.get('SAMLResponse')); return page('saml-acs');
        case 'GET /oidc/callback': seen.callback.push(url.href); return page('oidc-callback');
        case 'GET /cas/app': seen.casTickets.push(url.searchParams.get('ticket')); return page('cas-app');
        case 'POST /saml/slo':
          seen.samlSlo.push({ type: req.headers['content-type'], body });
          return res.writeHead(200, { 'content-type': 'text/xml' })
            .end('<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body/></soap:Envelope>');
        case 'POST /oidc/bcl': seen.logoutTokens.push(form.get('logout_token')); return res.writeHead(200).end();
        case 'POST /cas/slo': seen.casSlo.push(form.get('logoutRequest')); return res.writeHead(200).end('ok');
        default: return res.writeHead(404).end();
      }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${server.address().port}` };
}

before(async () => {
  dir = await makeTempDir('gatehouse-one-browser-');
  apps = await startApps();
  const kickstart = defaultKickstart();
  kickstart.users = [USER];
  node = await GatehouseNode.start({ kickstart, config: { passwords: { memory_kib: 256, iterations: 1 } } });
  fs.writeFileSync(path.join(dir, 'idp.xml'), await (await fetch(`${node.url}/saml/metadata`)).text());
  saml = await registerSp(node, dir, 'ob-sp', {}, { acs_url: `${apps.url}/saml/acs`, slo: [[`${apps.url}/saml/slo`, 'soap']] });
  const rp = await node.admin('POST', '/api/applications', {
    ...RP, grant_types: ['authorization_code'], token_endpoint_auth_method: 'client_secret_basic',
    redirect_uris: [`${apps.url}/oidc/callback`], backchannel_logout_uri: `${apps.url}/oidc/bcl`,
  });
  assert.equal(rp.status, 201, rp.text);
  const cas = await node.admin('POST', '/api/applications', {
    client_id: 'ob-cas', cas_services: [{ match: 'prefix', url: `${apps.url}/cas/` }], cas_logout_url: `${apps.url}/cas/slo`,
  });
  assert.equal(cas.status, 201, cas.text);
  config = await oidc.discovery(new URL(node.url), RP.client_id, undefined, oidc.ClientSecretBasic(RP.client_secret),
    { execute: [oidc.allowInsecureRequests] });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await new Promise((resolve) => (apps ? apps.server.close(resolve) : resolve()));
  await node?.cleanup();
  if (dir) await removeTempDir(dir);
});

/** A code-flow authorization request of RP: its URL and what redeeming its code needs. */
async function authorization() {
  const flow = { verifier: oidc.randomPKCECodeVerifier(), state: oidc.randomState(), nonce: oidc.randomNonce() };
  flow.url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: `${apps.url}/oidc/callback`, scope: 'openid email', state: flow.state, nonce: flow.nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(flow.verifier), code_challenge_method: 'S256',
  });
  return flow;
}

/** Navigates `page` to `url` and asserts the browser went straight through to `pathname` of the apps, no form on the way. */
async function straightThrough(page, url, pathname) {
  const answer = await page.goto(url, { timeout: ms(20000) });
  const landed = new URL(page.url());
  assert.equal(`${landed.origin}${landed.pathname}`, `${apps.url}${pathname}`, `no login form: straight to ${pathname}`);
  assert.equal(answer.status(), 200);
  assert.equal(await page.locator('#password').count(), 0);
  return landed;
}

it('one browser signs in once at a SAML SP, an OIDC client and a CAS service, and one logout ends all three', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    // SAML: the one login form of this browser.
    const request = sp('request', { ...saml, binding: 'redirect' });
    await page.goto(request.url, { timeout: ms(20000) });
    await page.waitForSelector('#username', { timeout: ms(10000) });
    await page.fill('#username', USER.username);
    await page.fill('#password', USER.password);
    await Promise.all([
      page.waitForURL(`${apps.url}/saml/acs`, { timeout: ms(20000) }),  // the answer page posts itself
      page.click('button[type=submit]'),
    ]);
    assert.equal(seen.acs.length, 1);
    const signedIn = sp('response', { ...saml, saml_response: seen.acs[0], request_id: request.id });
    assert.equal(signedIn.error, undefined, signedIn.error);
    assert.ok(signedIn.nameid && signedIn.session_index, 'a NameID and a SessionIndex for the SP');

    // OIDC: a code at once from the same session.
    const flow = await authorization();
    const callback = await straightThrough(page, flow.url.href, '/oidc/callback');
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce,
    });
    const idToken = tokens.claims();
    assert.ok(idToken.sid, 'the ID token names the session');

    // CAS: a ticket at once from the same session.
    const service = `${apps.url}/cas/app`;
    const landed = await straightThrough(page, `${node.url}/cas/login?service=${encodeURIComponent(service)}`, '/cas/app');
    const ticket = landed.searchParams.get('ticket');
    assert.match(ticket ?? '', /^ST-/);
    const validated = await (await fetch(`${node.url}/cas/p3/serviceValidate?service=${encodeURIComponent(service)}&ticket=${ticket}`)).text();
    assert.match(validated, /<cas:user>ada<\/cas:user>/);

    // One logout, RP-initiated by the OIDC client, in the browser.
    await page.goto(oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token }).href, { timeout: ms(20000) });
    assert.match(await page.content(), /signed out/i);

    // The SAML SP: a signed SOAP LogoutRequest for the NameID and SessionIndex it was given.
    const soap = await pollUntil(() => seen.samlSlo[0], { what: 'the SAML SP\'s LogoutRequest' });
    assert.match(soap.type, /^text\/xml/);
    const asked = sp('idp_logout_request', { ...saml, binding: 'soap', message: soap.body });
    assert.equal(asked.error, undefined, asked.error);
    assert.equal(asked.name_id, signedIn.nameid);
    assert.deepEqual(asked.session_indexes, [signedIn.session_index]);
    assert.equal(asked.destination, `${apps.url}/saml/slo`);

    // The OIDC client: a Logout Token with the sub and sid of its ID token.
    const token = await pollUntil(() => seen.logoutTokens[0], { what: 'the OIDC client\'s Logout Token' });
    const { payload } = await jose.jwtVerify(token, jose.createRemoteJWKSet(new URL(`${node.url}/.well-known/jwks.json`)), {
      issuer: node.url, audience: RP.client_id, typ: 'logout+jwt', maxTokenAge: '2 minutes',
    });
    assert.equal(payload.sid, idToken.sid);
    assert.equal(payload.sub, idToken.sub);
    assert.deepEqual(payload.events, { [EVENT]: {} });
    assert.equal(payload.nonce, undefined);

    // The CAS service: a logoutRequest naming its ticket.
    const casLogout = await pollUntil(() => seen.casSlo[0], { what: 'the CAS service\'s logoutRequest' });
    assert.equal(/<samlp:SessionIndex>([^<]+)<\/samlp:SessionIndex>/.exec(casLogout)?.[1], ticket);

    assert.deepEqual([seen.samlSlo.length, seen.logoutTokens.length, seen.casSlo.length], [1, 1, 1], 'one message each');

    // The browser is signed out: the next authorization request shows the login form.
    const again = await authorization();
    await page.goto(again.url.href, { timeout: ms(20000) });
    await page.waitForSelector('#password', { timeout: ms(10000) });
    assert.ok(page.url().startsWith(node.url), 'the form is the node\'s');
    assert.equal(seen.callback.length, 1, 'no second code');
  } finally {
    await context.close();
  }
});
