// The SAML 2.0 IdP over real HTTP on one node (SQLite), checked by an independent SAML stack:
// pysaml2 (Debian's python3-pysaml2) plays the service provider — it writes the AuthnRequests
// (HTTP-Redirect and HTTP-POST, signed or not) and checks every Response Gatehouse sends (its
// signature against the IdP's published metadata, audience, recipient, InResponseTo, times,
// decryption). The browser is a form client with a cookie jar.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { after, before } from 'node:test';
import * as oidc from 'openid-client';
import { makeTempDir, nodeTest, removeTempDir } from './lib/node.js';
import { browse as browseUrl } from './lib/forms.js';
import { keyPair, posted, sp, registerSp as registerSpOn, submitLogin } from './lib/saml_sp.js';
import { startWebApp } from './lib/web_app.js';

const PASSWORD = 'correct horse battery';

let node;
let dir;
let web;
let redirectUri;
const it = nodeTest(() => [node]);

/** An SP's options for the tool, its metadata registered as application `name` with `members`. */
async function registerSp(name, members = {}, extra = {}) {
  const options = await registerSpOn(node, dir, name, members, extra);
  const res = await node.admin('GET', `/api/applications/${name}`);
  assert.deepEqual(res.json.grant_types, [], 'a SAML-only application has no OAuth grant');
  return options;
}

before(async () => {
  dir = await makeTempDir('gatehouse-saml-');
  ({ node, config: web, redirectUri } = await startWebApp({
    users: [{ username: 'ada', password: PASSWORD, email: 'ada@example.com', name: 'Ada <L> & "Co"' }],
    config: { keys: { jwks_max_age: '0s' } }, // a published next key may sign at once: the rotation test
  }));
  const metadata = await fetch(`${node.url}/saml/metadata`);
  assert.equal(metadata.status, 200);
  fs.writeFileSync(path.join(dir, 'idp.xml'), await metadata.text());
});
after(async () => {
  await node?.cleanup();
  if (dir) await removeTempDir(dir);
});

const browse = (jar, url, fields) => browseUrl(url.startsWith('http') ? url : node.url + url, jar, fields);

/** Signs in as ada on the login page `page`; the page that posts the SAMLResponse. */
const signIn = (jar, page) => submitLogin(node, jar, page, 'ada', PASSWORD);

it('an SP-initiated sign-in by HTTP-Redirect gets a signed assertion pysaml2 accepts, with a stable persistent NameID', async () => {
  const options = await registerSp('alpha', { saml_attributes: ['email', 'name'], saml_nameid_format: 'persistent' });
  const signInOnce = async () => {
    const req = sp('request', { ...options, binding: 'redirect' });
    const jar = new Map();
    const page = await browse(jar, req.url);
    const answer = posted(await signIn(jar, page));
    assert.equal(answer.action, options.acs_url, 'posted to the consumer in the metadata');
    assert.equal(answer.relay, 'rs-1');
    const checked = sp('response', { ...options, saml_response: answer.response, request_id: req.id });
    assert.equal(checked.error, undefined, checked.error);
    assert.equal(checked.in_response_to, req.id);
    return { checked, jar };
  };
  const { checked: first, jar } = await signInOnce();
  assert.equal(first.format, 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent');
  assert.deepEqual(first.attributes.mail, ['ada@example.com']);
  assert.deepEqual(first.attributes.displayName, ['Ada <L> & "Co"']);
  assert.equal(first.authn_class, 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport');
  const { checked: second } = await signInOnce();
  assert.equal(second.nameid, first.nameid, 'the persistent NameID is stable across sign-ins');
  assert.notEqual(second.session_index, first.session_index);
  // The session answers the next request without a form.
  const again = sp('request', { ...options, binding: 'redirect' });
  const direct = posted(await browse(jar, again.url));
  assert.equal(sp('response', { ...options, saml_response: direct.response, request_id: again.id }).nameid, first.nameid);
});

it('a replayed, unsigned-where-required, or wrongly signed request is refused with nothing issued', async () => {
  const options = await registerSp('beta', { saml_require_signed_requests: true }, { sign_requests: true });
  const signed = sp('request', { ...options, binding: 'redirect' });
  assert.match(signed.url, /Signature=/);
  const jar = new Map();
  assert.equal((await browse(jar, signed.url)).status, 200, 'a signed request: the login page');
  assert.equal((await browse(new Map(), signed.url)).status, 403, 'the same request ID again, anywhere');
  const unsigned = sp('request', { ...options, binding: 'redirect', sign_requests: false });
  assert.equal((await browse(new Map(), unsigned.url)).status, 403, 'unsigned, and the SP must sign');
  const other = keyPair(dir, 'intruder');
  const forged = sp('request', { ...options, binding: 'redirect', key_file: other.key, cert_file: other.cert });
  assert.equal((await browse(new Map(), forged.url)).status, 403, 'signed by a key not in the metadata');
  const tampered = signed.url.replace('RelayState=rs-1', 'RelayState=rs-2');
  assert.equal((await browse(new Map(), tampered)).status, 403);
});

it('an HTTP-POST request from an SP that wants encrypted assertions gets one pysaml2 decrypts', async () => {
  const options = await registerSp('gamma', { saml_encrypt: true, saml_attributes: ['email'] }, { encrypt: true });
  const req = sp('request', { ...options, binding: 'post' });
  const html = req.html ?? '';
  const message = /name="SAMLRequest" value="([^"]*)"/.exec(html)?.[1];
  assert.ok(message, html);
  const jar = new Map();
  const page = await browse(jar, '/saml/sso', { SAMLRequest: message, RelayState: 'rs-post' });
  const answer = posted(await signIn(jar, page));
  assert.equal(answer.relay, 'rs-post');
  const xml = Buffer.from(answer.response, 'base64').toString('utf8');
  assert.match(xml, /EncryptedAssertion/);
  assert.doesNotMatch(xml, /ada@example\.com/, 'nothing of the assertion in the clear');
  const checked = sp('response', { ...options, saml_response: answer.response, request_id: req.id });
  assert.equal(checked.error, undefined, checked.error);
  assert.deepEqual(checked.attributes.mail, ['ada@example.com']);
});

it('the HTTP-Artifact binding: the Response waits at the IdP until the SP resolves the artifact, once', async () => {
  const options = await registerSp('delta', { saml_attributes: ['email'] },
    { artifact_url: 'https://delta.example.com/artifact', sign_requests: true });
  const req = sp('request', { ...options, binding: 'redirect', response_binding: 'artifact' });
  const jar = new Map();
  const done = await signIn(jar, await browse(jar, req.url));
  assert.equal(done.status, 302, done.text);
  const location = new URL(done.location);
  assert.equal(`${location.origin}${location.pathname}`, 'https://delta.example.com/artifact');
  assert.equal(location.searchParams.get('RelayState'), 'rs-1');
  const artifact = location.searchParams.get('SAMLart');
  const intruder = keyPair(dir, 'delta-intruder');
  assert.match(sp('artifact', { ...options, key_file: intruder.key, cert_file: intruder.cert, artifact, request_id: req.id }).error,
    /no Response/, 'an ArtifactResolve signed with a key not in the SP\'s metadata gets nothing');
  const checked = sp('artifact', { ...options, artifact, request_id: req.id });
  assert.equal(checked.error, undefined, checked.error);
  assert.deepEqual(checked.attributes.mail, ['ada@example.com']);
  assert.match(sp('artifact', { ...options, artifact, request_id: req.id }).error, /no Response/, 'an artifact resolves once');
});

it('IsPassive without a session answers NoPassive; ForceAuthn asks for the password despite the session', async () => {
  const options = await registerSp('epsilon');
  const passive = sp('request', { ...options, binding: 'redirect', is_passive: true });
  const answer = posted(await browse(new Map(), passive.url));
  const xml = Buffer.from(answer.response, 'base64').toString('utf8');
  assert.match(xml, /urn:oasis:names:tc:SAML:2\.0:status:NoPassive/);
  assert.doesNotMatch(xml, /Assertion/);
  const jar = new Map();
  const first = sp('request', { ...options, binding: 'redirect' });
  posted(await signIn(jar, await browse(jar, first.url)));
  const email = sp('request', { ...options, binding: 'redirect', nameid_format: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress' });
  const refused = Buffer.from(posted(await browse(jar, email.url)).response, 'base64').toString('utf8');
  assert.match(refused, /status:InvalidNameIDPolicy/, 'the email address as NameID only to an SP it is released to');
  assert.doesNotMatch(refused, /ada@example\.com/);
  const forced = sp('request', { ...options, binding: 'redirect', force_authn: true });
  const page = await browse(jar, forced.url);
  assert.equal(page.status, 200);
  assert.match(page.text, /name="password"/, 'the password form, not an answer from the session');
});

it('one sign-in at a SAML SP serves an OpenID Connect client and a CAS service without a second form', async () => {
  const options = await registerSp('zeta', { saml_attributes: ['email'] });
  const service = 'https://cas.example.com/app/';
  const cas = await node.admin('POST', '/api/applications', { client_id: 'cas-zeta', cas_services: [{ match: 'prefix', url: service }] });
  assert.equal(cas.status, 201, cas.text);
  const jar = new Map();
  const req = sp('request', { ...options, binding: 'redirect' });
  const answer = posted(await signIn(jar, await browse(jar, req.url)));
  assert.equal(sp('response', { ...options, saml_response: answer.response, request_id: req.id }).error, undefined);
  const url = oidc.buildAuthorizationUrl(web, {
    redirect_uri: redirectUri, scope: 'openid', code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
    code_challenge_method: 'S256', state: oidc.randomState(),
  });
  const code = await browse(jar, url.href);
  assert.equal(code.status, 302, 'no form for the OpenID Connect client');
  assert.ok(code.location.startsWith(redirectUri), code.location);
  const ticket = await browse(jar, `/cas/login?service=${encodeURIComponent(service)}`);
  assert.equal(ticket.status, 302, 'no form for the CAS service');
  assert.match(ticket.location, /[?&]ticket=ST-/);
});

it('bad input gets the error page, never an answer, and the node stays up', async () => {
  const options = await registerSp('eta');
  const now = new Date();
  const at = (d) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const request = ({ id = `_${Math.random().toString(16).slice(2)}`, instant = at(now), destination = `${node.url}/saml/sso`,
    acs = options.acs_url, issuer = options.entity_id, prolog = '' } = {}) => `${prolog}<samlp:AuthnRequest ` +
    'xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ' +
    `ID="${id}" Version="2.0" IssueInstant="${instant}" Destination="${destination}" AssertionConsumerServiceURL="${acs}">` +
    `<saml:Issuer>${issuer}</saml:Issuer></samlp:AuthnRequest>`;
  const redirect = (xml) => browse(new Map(), `/saml/sso?SAMLRequest=${encodeURIComponent(zlib.deflateRawSync(xml).toString('base64'))}`);
  assert.equal((await redirect(request())).status, 200, 'the well-formed request: the login page');
  const cases = [
    ['a DTD with an entity', request({ prolog: '<!DOCTYPE x [<!ENTITY e "e">]>' }), 400],
    ['an external entity', request({ prolog: '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' }), 400],
    ['a deflate bomb', `<x>${'a'.repeat(4 * 1024 * 1024)}</x>`, 400],
    ['not XML', 'hello', 400],
    ['an unknown issuer', request({ issuer: 'https://unknown.example.com/sp' }), 403],
    ['a stale IssueInstant', request({ instant: at(new Date(now.getTime() - 3600 * 1000)) }), 403],
    ['an IssueInstant in the future', request({ instant: at(new Date(now.getTime() + 3600 * 1000)) }), 403],
    ['another Destination', request({ destination: 'https://other.example.com/saml/sso' }), 403],
    ['a consumer not in the metadata', request({ acs: 'https://eta.example.com/acs/../evil' }), 403],
    ['a consumer on another host', request({ acs: 'https://evil.example.com/acs' }), 403],
  ];
  for (const [what, xml, status] of cases) {
    const res = await redirect(xml);
    assert.equal(res.status, status, what);
    assert.doesNotMatch(res.text, /SAMLResponse/, `${what}: nothing issued`);
  }
  assert.equal((await browse(new Map(), '/saml/sso?SAMLRequest=%%%')).status, 400, 'bad percent-encoding');
  assert.equal((await browse(new Map(), '/saml/sso?SAMLRequest=not*base64')).status, 400, 'bad base64');
  assert.equal((await browse(new Map(), '/saml/sso', { SAMLRequest: Buffer.from(request({ id: '_post1' })).toString('base64') })).status, 200);
  assert.equal((await browse(new Map(), '/saml/sso', { SAMLRequest: Buffer.from(request({ id: '_post1' })).toString('base64') })).status, 403,
    'the same ID by the other binding: a replay');
  assert.equal((await fetch(`${node.url}/saml/metadata`)).status, 200, 'the node is alive');
});

it('an IdP-initiated sign-in (/saml/unsolicited) answers an SP that allows it, unsolicited, and no other', async () => {
  const options = await registerSp('portal', { saml_allow_idp_initiated: true, saml_attributes: ['email'] },
    { allow_unsolicited: true });
  const jar = new Map();
  const start = `/saml/unsolicited?providerId=${encodeURIComponent(options.entity_id)}&target=${encodeURIComponent('/deep/link')}`;
  const answer = posted(await signIn(jar, await browse(jar, start)));
  assert.equal(answer.action, options.acs_url);
  assert.equal(answer.relay, '/deep/link', 'target comes back as RelayState');
  const checked = sp('response', { ...options, saml_response: answer.response });
  assert.equal(checked.error, undefined, checked.error);
  assert.equal(checked.in_response_to, null, 'an unsolicited Response answers no request');
  assert.deepEqual(checked.attributes.mail, ['ada@example.com']);
  const again = posted(await browse(jar, start + '&shire=' + encodeURIComponent(options.acs_url)));
  assert.ok(again.response, 'the SSO session answers a second one without a form');
  const unknownAcs = await browse(jar, start + '&shire=' + encodeURIComponent('https://evil.example.com/acs'));
  assert.equal(unknownAcs.status, 403, 'a consumer URL not in the metadata');

  const closed = await registerSp('closed', {}, { allow_unsolicited: true });
  const refused = await browse(jar, `/saml/unsolicited?providerId=${encodeURIComponent(closed.entity_id)}`);
  assert.equal(refused.status, 403, 'an SP without saml_allow_idp_initiated');
  assert.doesNotMatch(refused.text, /SAMLResponse/);
});

/**
 * Signs in at the SP of `options` in a fresh browser: pysaml2's checked Response, and the
 * certificate of the key that signed it (from the signature's KeyInfo; whitespace removed).
 */
async function signInFresh(options) {
  const jar = new Map();
  const req = sp('request', { ...options, binding: 'redirect' });
  const answer = posted(await signIn(jar, await browse(jar, req.url)));
  const checked = sp('response', { ...options, saml_response: answer.response, request_id: req.id });
  assert.equal(checked.error, undefined, checked.error);
  const xml = Buffer.from(answer.response, 'base64').toString('utf8');
  const cert = /<ds:X509Certificate>([^<]+)</.exec(xml)?.[1]?.replace(/\s+/g, '');
  assert.ok(cert, 'the signature names its certificate');
  return { ...checked, cert };
}

/** The signing certificates an IdP metadata lists (whitespace removed). */
const metadataCerts = (xml) => [...xml.matchAll(/<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>([^<]+)</g)]
  .map((m) => m[1].replace(/\s+/g, ''));

it('the persistent NameID is stable across a signing key rotation (the SP refreshes the IdP metadata)', async () => {
  const options = await registerSp('rotated', { saml_nameid_format: 'persistent' });
  const before = await signInFresh(options);
  const rotated = await node.admin('POST', '/api/system/keys/rotate');
  assert.equal(rotated.status, 200, rotated.text);
  const fresh = await (await fetch(`${node.url}/saml/metadata`)).text();
  const refreshed = path.join(dir, 'idp-rotated.xml');
  fs.writeFileSync(refreshed, fresh);
  const after = await signInFresh({ ...options, idp_metadata: refreshed });
  assert.notEqual(after.cert, before.cert, 'the new key signs');
  assert.ok(metadataCerts(fresh).includes(after.cert), 'the refreshed metadata lists the key that signs now');
  assert.equal(after.nameid, before.nameid, 'the same persistent NameID after the rotation');
});
