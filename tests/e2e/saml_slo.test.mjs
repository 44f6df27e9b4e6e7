// SAML Single Logout (SAML profiles §4.4) over real HTTP on one node (SQLite), every message
// written and checked by an independent SAML stack: pysaml2 (tools/saml_sp.py) plays each service
// provider — it signs the LogoutRequests it sends (SOAP, HTTP-Redirect), verifies the IdP's
// LogoutRequests and LogoutResponses (signatures against the IdP's published metadata, Destination,
// InResponseTo) and writes its own signed LogoutResponses. A tiny HTTP server stands in for an SP's
// SOAP endpoint, to catch what the back channel sends. The browser is a form client with a cookie jar.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before } from 'node:test';
import { GatehouseNode, defaultKickstart, makeTempDir, nodeTest, pollUntil, removeTempDir } from './lib/node.js';
import { browse as browseUrl, hidden } from './lib/forms.js';
import { logoutAskedAt, posted, sp, registerSp as registerSpOn, submitLogin } from './lib/saml_sp.js';

const PASSWORD = 'correct horse battery';

let node;
let dir;
const it = nodeTest(() => [node]);

/** An SP's options for the tool (its SLO endpoints in extra.slo), registered as application `name` with `members`. */
const registerSp = (name, members = {}, extra = {}) => registerSpOn(node, dir, name, members, extra);

before(async () => {
  dir = await makeTempDir('gatehouse-saml-slo-');
  const kickstart = defaultKickstart();
  kickstart.users = [{ username: 'ada', password: PASSWORD, email: 'ada@example.com', name: 'Ada' }];
  node = await GatehouseNode.start({ kickstart, config: { passwords: { memory_kib: 256, iterations: 1 } } });
  const metadata = await fetch(`${node.url}/saml/metadata`);
  assert.equal(metadata.status, 200);
  const xml = await metadata.text();
  for (const binding of ['SOAP', 'HTTP-Redirect', 'HTTP-POST'])
    assert.match(xml, new RegExp(`SingleLogoutService Binding="urn:oasis:names:tc:SAML:2\\.0:bindings:${binding}"`));
  fs.writeFileSync(path.join(dir, 'idp.xml'), xml);
});
after(async () => {
  await node?.cleanup();
  if (dir) await removeTempDir(dir);
});

const browse = (jar, url, fields) => browseUrl(url.startsWith('http') ? url : node.url + url, jar, fields);

/** Signs in as ada on the login page `page`; the page that posts the SAMLResponse. */
const signIn = (jar, page) => submitLogin(node, jar, page, 'ada', PASSWORD);

/** Signs in at the SP of `options` with `jar` (the form if no session, else the answer at once); pysaml2's checked Response. */
async function signInAt(options, jar) {
  const req = sp('request', { ...options, binding: 'redirect' });
  let page = await browse(jar, req.url);
  if (/name="password"/.test(page.text)) page = await signIn(jar, page);
  const checked = sp('response', { ...options, saml_response: posted(page).response, request_id: req.id });
  assert.equal(checked.error, undefined, checked.error);
  return checked;
}

/** The NameID of a checked sign-in, as a LogoutRequest names it. */
const nameIdOf = (c) => ({ text: c.nameid, format: c.format, name_qualifier: c.name_qualifier, sp_name_qualifier: c.sp_name_qualifier });

/** Whether `jar`'s SSO session still answers the SP of `options` without the sign-in form. */
async function hasSession(options, jar) {
  const req = sp('request', { ...options, binding: 'redirect' });
  const page = await browse(jar, req.url);
  assert.equal(page.status, 200, page.text);
  return !/name="password"/.test(page.text);
}

/** Posts a SOAP envelope to the node's /saml/slo: { status, text }. */
async function soapSlo(envelope) {
  const res = await fetch(`${node.url}/saml/slo`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: envelope });
  return { status: res.status, text: await res.text() };
}

/** A stand-in SP's SOAP endpoint on 127.0.0.1: every body posted to it, in `received`. Closed after the test. */
async function soapEndpoint(t) {
  const received = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d) => { body += d; }).on('end', () => {
      received.push({ path: req.url, type: req.headers['content-type'], body });
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end('<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body/></soap:Envelope>');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${server.address().port}/slo`, received };
}

it('single logout by SOAP: pysaml2\'s signed LogoutRequest ends the session, and the other SP\'s SOAP endpoint is told', async (t) => {
  const endpoint = await soapEndpoint(t);
  const one = await registerSp('slo-soap-1', { saml_nameid_format: 'persistent' }, { slo: [['https://slo-soap-1.example.com/slo', 'soap']] });
  const two = await registerSp('slo-soap-2', {}, { slo: [[endpoint.url, 'soap']], nameid_format: 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient' });
  const jar = new Map();
  const first = await signInAt(one, jar);
  const second = await signInAt(two, jar);
  assert.notEqual(second.session_index, first.session_index, 'a SessionIndex for each SP');

  const req = sp('logout_request', { ...one, binding: 'soap', name_id: nameIdOf(first), session_index: first.session_index });
  assert.equal(req.error, undefined, req.error);
  assert.equal(req.url, `${node.url}/saml/slo`, 'the SOAP SingleLogoutService of the IdP metadata');
  const answer = await soapSlo(req.envelope);
  assert.equal(answer.status, 200, answer.text);
  const checked = sp('logout_response', { ...one, binding: 'soap', message: answer.text, request_id: req.id });
  assert.equal(checked.error, undefined, checked.error);
  assert.equal(checked.status, 'urn:oasis:names:tc:SAML:2.0:status:Success');
  assert.equal(checked.second_status, null, 'no PartialLogout: the other SP was told by SOAP');
  assert.equal(checked.in_response_to, req.id);
  assert.equal(await hasSession(one, jar), false, 'the session is gone: the next request gets the sign-in form');

  const told = await pollUntil(() => endpoint.received[0], { what: 'the LogoutRequest at the other SP' });
  assert.match(told.type, /^text\/xml/);
  const parsed = sp('idp_logout_request', { ...two, binding: 'soap', message: told.body });
  assert.equal(parsed.error, undefined, parsed.error);
  assert.equal(parsed.name_id, second.nameid, 'the NameID that SP was given');
  assert.equal(parsed.format, second.format);
  assert.deepEqual(parsed.session_indexes, [second.session_index], 'the SessionIndex that SP was given');
  assert.equal(parsed.destination, endpoint.url);
  assert.equal(endpoint.received.length, 1, 'the SP that asked is not sent a LogoutRequest');
});

it('single logout by HTTP-Redirect: the browser carries a LogoutRequest to the other SP, its answer back, then SP1\'s LogoutResponse', async () => {
  const one = await registerSp('slo-redirect-1', {}, { slo: [['https://slo-redirect-1.example.com/slo', 'redirect']] });
  const two = await registerSp('slo-redirect-2', {}, { slo: [['https://slo-redirect-2.example.com/slo', 'redirect']] });
  const jar = new Map();
  const first = await signInAt(one, jar);
  const second = await signInAt(two, jar);

  const req = sp('logout_request', { ...one, binding: 'redirect', name_id: nameIdOf(first), session_index: first.session_index, relay_state: 'rs-slo' });
  assert.equal(req.error, undefined, req.error);
  assert.ok(req.url.startsWith(`${node.url}/saml/slo?`), req.url);
  const asked = logoutAskedAt(await browse(jar, req.url), 'https://slo-redirect-2.example.com/slo', two);
  assert.equal(asked.name_id, second.nameid);
  assert.deepEqual(asked.session_indexes, [second.session_index]);
  assert.ok(asked.relay_state, 'the chain\'s state travels as the RelayState');
  assert.ok(asked.response_url.startsWith(`${node.url}/saml/slo?`), asked.response_url);

  const toOne = await browse(jar, asked.response_url);
  assert.equal(toOne.status, 302, toOne.text);
  assert.ok(toOne.location.startsWith('https://slo-redirect-1.example.com/slo?'), toOne.location);
  assert.equal(new URL(toOne.location).searchParams.get('RelayState'), 'rs-slo', 'SP1\'s own RelayState back');
  const checked = sp('logout_response', { ...one, binding: 'redirect', message: toOne.location, request_id: req.id });
  assert.equal(checked.error, undefined, checked.error);
  assert.equal(checked.status, 'urn:oasis:names:tc:SAML:2.0:status:Success');
  assert.equal(checked.second_status, null, 'every SP confirmed');
  assert.equal(checked.in_response_to, req.id);
  assert.equal(await hasSession(one, jar), false, 'the session is gone');

  // SP2's answer again: no chain waits for it any more; nor for a RelayState never handed out.
  const again = await browse(new Map(), asked.response_url);
  assert.equal(again.status, 400, 'a LogoutResponse no logout waits for');
  assert.doesNotMatch(again.text, /SAMLResponse|SAMLRequest/);
  const stray = new URL(asked.response_url);
  stray.searchParams.set('RelayState', 'no-such-chain');
  assert.equal((await browse(new Map(), stray.href)).status, 400);
});

it('single logout through the browser: an SP that answers it could not log out makes the answer to the asking SP a PartialLogout', async () => {
  const one = await registerSp('slo-partial-1', {}, { slo: [['https://slo-partial-1.example.com/slo', 'redirect']] });
  const two = await registerSp('slo-partial-2', {}, { slo: [['https://slo-partial-2.example.com/slo', 'redirect']] });
  const jar = new Map();
  const first = await signInAt(one, jar);
  await signInAt(two, jar);
  const req = sp('logout_request', { ...one, binding: 'redirect', name_id: nameIdOf(first), session_index: first.session_index });
  const refused = logoutAskedAt(await browse(jar, req.url), 'https://slo-partial-2.example.com/slo', two,
    { respond_status: 'urn:oasis:names:tc:SAML:2.0:status:Responder' });
  const toOne = await browse(jar, refused.response_url);
  assert.equal(toOne.status, 302, toOne.text);
  const checked = sp('logout_response', { ...one, binding: 'redirect', message: toOne.location, request_id: req.id });
  assert.equal(checked.error, undefined, checked.error);
  assert.equal(checked.status, 'urn:oasis:names:tc:SAML:2.0:status:Success', 'the asking SP\'s own session did end');
  assert.equal(checked.second_status, 'urn:oasis:names:tc:SAML:2.0:status:PartialLogout', 'not every SP confirmed');
  assert.equal(await hasSession(one, jar), false, 'the session is gone all the same');
});

it('single logout by HTTP-POST: pysaml2\'s signed LogoutRequest posted by the browser, the signed LogoutResponse posted back', async () => {
  const options = await registerSp('slo-post', {}, { slo: [['https://slo-post.example.com/slo', 'post']] });
  const jar = new Map();
  const signedIn = await signInAt(options, jar);
  const req = sp('logout_request', { ...options, binding: 'post', name_id: nameIdOf(signedIn), session_index: signedIn.session_index, relay_state: 'rs-post' });
  assert.equal(req.error, undefined, req.error);
  assert.equal(req.action, `${node.url}/saml/slo`);
  const page = await browse(jar, req.action, { SAMLRequest: hidden(req.html, 'SAMLRequest'), RelayState: hidden(req.html, 'RelayState') });
  const answer = posted(page);
  assert.equal(answer.action, 'https://slo-post.example.com/slo', 'posted to the SP\'s SingleLogoutService (POST)');
  assert.equal(answer.relay, 'rs-post');
  const checked = sp('logout_response', { ...options, binding: 'post', message: answer.response, request_id: req.id });
  assert.equal(checked.error, undefined, checked.error);
  assert.equal(checked.status, 'urn:oasis:names:tc:SAML:2.0:status:Success');
  assert.equal(checked.destination, 'https://slo-post.example.com/slo');
  assert.equal(await hasSession(options, jar), false, 'the session is gone');
});

it('single logout refuses an unsigned or replayed LogoutRequest, and the session survives a refusal', async () => {
  const options = await registerSp('slo-bad', {}, { slo: [['https://slo-bad.example.com/slo', 'redirect'], ['https://slo-bad.example.com/soap', 'soap']] });
  const jar = new Map();
  const signedIn = await signInAt(options, jar);
  const logout = (binding, extra = {}) => sp('logout_request', {
    ...options, binding, name_id: nameIdOf(signedIn), session_index: signedIn.session_index, ...extra,
  });

  const unsignedRedirect = logout('redirect', { sign: false });
  assert.doesNotMatch(unsignedRedirect.url, /Signature=/);
  const refused = await browse(jar, unsignedRedirect.url);
  assert.equal(refused.status, 403, 'an unsigned LogoutRequest by Redirect');
  assert.doesNotMatch(refused.text, /SAMLResponse/);

  const unsignedSoap = logout('soap', { sign: false });
  assert.doesNotMatch(unsignedSoap.envelope, /Signature/);
  // Refused unsigned: a request nobody authenticated costs the IdP no RSA signature.
  const denied = (await soapSlo(unsignedSoap.envelope)).text;
  assert.match(denied, /<samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Requester"><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:RequestDenied"\/>/,
    'an unsigned LogoutRequest by SOAP');
  assert.match(denied, new RegExp(`InResponseTo="${unsignedSoap.id}"`));
  assert.doesNotMatch(denied, /Signature/);
  assert.equal(await hasSession(options, jar), true, 'the session survives both');

  const signed = logout('soap');
  const ok = sp('logout_response', { ...options, binding: 'soap', message: (await soapSlo(signed.envelope)).text, request_id: signed.id });
  assert.equal(ok.status, 'urn:oasis:names:tc:SAML:2.0:status:Success');
  const replayed = sp('logout_response', { ...options, binding: 'soap', message: (await soapSlo(signed.envelope)).text, request_id: signed.id });
  assert.equal(replayed.second_status, 'urn:oasis:names:tc:SAML:2.0:status:RequestDenied', 'the same request ID again');
  assert.equal((await fetch(`${node.url}/saml/metadata`)).status, 200, 'the node is alive');
});

it('a logout on another front door (CAS) is carried through the browser to an SP without a SOAP endpoint, then to the service', async () => {
  const options = await registerSp('slo-elsewhere', {}, { slo: [['https://slo-elsewhere.example.com/slo', 'redirect']] });
  const service = 'https://cas-after-slo.example.com/app/home';
  const app = await node.admin('POST', '/api/applications', { client_id: 'cas-after-slo', cas_services: [{ match: 'exact', url: service }] });
  assert.equal(app.status, 201, app.text);
  const jar = new Map();
  const signedIn = await signInAt(options, jar);

  // /cas/logout ends the session, then the browser goes by the SP's SingleLogoutService first.
  const asked = logoutAskedAt(await browse(jar, `/cas/logout?service=${encodeURIComponent(service)}`),
    'https://slo-elsewhere.example.com/slo', options);
  assert.equal(asked.name_id, signedIn.nameid, 'the NameID that SP was given');
  assert.deepEqual(asked.session_indexes, [signedIn.session_index]);
  assert.equal(await hasSession(options, jar), false, 'the session ended at /cas/logout already');

  // The SP's signed LogoutResponse: on to where the logout was going, the CAS service.
  const back = await browse(jar, asked.response_url);
  assert.equal(back.status, 302, back.text);
  assert.equal(back.location, service);
  assert.equal((await browse(new Map(), asked.response_url)).status, 400, 'that step is spent');

  // An SP with a SOAP endpoint is the back channel's: the logout goes straight on.
  const soap = await registerSp('slo-elsewhere-soap', {}, { slo: [['https://slo-elsewhere.example.com/soap', 'soap']] });
  const again = new Map();
  await signInAt(soap, again);
  const straight = await browse(again, `/cas/logout?service=${encodeURIComponent(service)}`);
  assert.equal(straight.status, 302);
  assert.equal(straight.location, service);
});
