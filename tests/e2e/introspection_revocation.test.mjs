// Token introspection (RFC 7662) and revocation (RFC 7009), per docs/API.md.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import * as jose from 'jose';
import { GatehouseNode, SVC, nodeTest, pollUntil } from './lib/node.js';

let node;
let shortLived; // a node with access_token_ttl 1s
const it = nodeTest(() => [node, shortLived]);
const OTHER = {
  client_id: 'other-client',
  client_secret: 'other-client-secret-0123',
  token_endpoint_auth_method: 'client_secret_post',
  scope: 'api:read',
};
const svcAuth = { basic: [SVC.client_id, SVC.client_secret] };

before(async () => {
  node = await GatehouseNode.start();
  await node.createApplication(OTHER);
});
after(async () => {
  await node?.cleanup();
  await shortLived?.cleanup();
});

const introspect = (token, opts = svcAuth, extra = {}) => node.postForm('/oauth2/introspect', { token, ...extra }, opts);
const revoke = (token, opts = svcAuth, extra = {}) => node.postForm('/oauth2/revoke', { token, ...extra }, opts);
const asOther = (params) => ({ ...params, client_id: OTHER.client_id, client_secret: OTHER.client_secret });

function assertInactive(res) {
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.json, { active: false });
}

it('an issued token introspects as active with the claims of docs/API.md', async () => {
  const token = await node.accessToken(SVC, { scope: 'api:read' });
  const claims = jose.decodeJwt(token);
  const res = await introspect(token);
  assert.equal(res.status, 200, res.text);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  const r = res.json;
  assert.equal(r.active, true);
  assert.equal(r.scope, 'api:read');
  assert.equal(r.client_id, SVC.client_id);
  assert.equal(r.sub, SVC.client_id);
  assert.deepEqual([].concat(r.aud), [].concat(claims.aud));
  assert.equal(r.iss, node.url);
  assert.equal(r.exp, claims.exp);
  assert.equal(r.iat, claims.iat);
  assert.equal(r.jti, claims.jti);
  assert.equal(r.token_type, 'Bearer');
  // token_type_hint is optional and does not change the answer.
  const hinted = await introspect(token, svcAuth, { token_type_hint: 'access_token' });
  assert.equal(hinted.status, 200, hinted.text);
  assert.equal(hinted.json.active, true);
});

it('garbage introspects as {"active":false}', async () => {
  for (const garbage of ['garbage', 'a.b.c', 'eyJhbGciOiJub25lIn0.e30.']) {
    assertInactive(await introspect(garbage));
  }
});

it('a token signed by someone else, with one of our kids, introspects as inactive', async () => {
  const real = await node.accessToken(SVC);
  const header = jose.decodeProtectedHeader(real);
  const claims = jose.decodeJwt(real);
  const { privateKey } = await jose.generateKeyPair('RS256');
  const forged = await new jose.SignJWT({ ...claims, jti: `${claims.jti}-forged` })
    .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: header.kid })
    .sign(privateKey);
  assertInactive(await introspect(forged));
  // alg "none" with a real kid and real claims
  const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt', kid: header.kid })).toString('base64url')}.${real.split('.')[1]}.`;
  assertInactive(await introspect(unsigned));
  // a real signature over changed claims
  const [h, , s] = real.split('.');
  const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, scope: 'api:read api:write admin' })).toString('base64url')}.${s}`;
  assertInactive(await introspect(tampered));
});

it('introspection without the token parameter is 400 invalid_request', async () => {
  const res = await node.postForm('/oauth2/introspect', { token_type_hint: 'access_token' }, svcAuth);
  assert.equal(res.status, 400, res.text);
  assert.equal(res.json.error, 'invalid_request');
});

it('unauthenticated introspection is 401 invalid_client', async () => {
  const token = await node.accessToken(SVC);
  const res = await node.postForm('/oauth2/introspect', { token });
  assert.equal(res.status, 401, res.text);
  assert.equal(res.json.error, 'invalid_client');
  assert.match(res.headers.get('www-authenticate') ?? '', /^Basic\b/);
  const wrong = await introspect(token, { basic: [SVC.client_id, 'wrong-secret-0123456789'] });
  assert.equal(wrong.status, 401, wrong.text);
  assert.equal(wrong.json.error, 'invalid_client');
});

it('a revoked token introspects as inactive; revoking again or revoking garbage is 200', async () => {
  const token = await node.accessToken(SVC);
  const before = await introspect(token);
  assert.equal(before.json.active, true, before.text);

  const res = await revoke(token);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.text, '', 'revocation answers an empty body');

  assertInactive(await introspect(token));
  const again = await revoke(token, svcAuth, { token_type_hint: 'access_token' });
  assert.equal(again.status, 200, again.text);
  assert.equal(again.text, '');
  const garbage = await revoke('garbage-token');
  assert.equal(garbage.status, 200, garbage.text);
  assert.equal(garbage.text, '');
  // Revoking one token leaves the client's other tokens alone.
  const fresh = await node.accessToken(SVC);
  assert.equal((await introspect(fresh)).json.active, true);
});

it('revoking another client\'s token is 400 unauthorized_client and leaves it active', async () => {
  const token = await node.accessToken(SVC);
  const res = await node.postForm('/oauth2/revoke', asOther({ token }));
  assert.equal(res.status, 400, res.text);
  assert.equal(res.json.error, 'unauthorized_client');
  assert.equal((await introspect(token)).json.active, true);
});

it('revocation needs client authentication and the token parameter', async () => {
  const token = await node.accessToken(SVC);
  const anon = await node.postForm('/oauth2/revoke', { token });
  assert.equal(anon.status, 401, anon.text);
  assert.equal(anon.json.error, 'invalid_client');
  const missing = await node.postForm('/oauth2/revoke', { token_type_hint: 'access_token' }, svcAuth);
  assert.equal(missing.status, 400, missing.text);
  assert.equal(missing.json.error, 'invalid_request');
  assert.equal((await introspect(token)).json.active, true);
});

it('a revocation survives a restart (it is kept in the store, not in memory)', async () => {
  const token = await node.accessToken(SVC);
  const res = await revoke(token);
  assert.equal(res.status, 200, res.text);
  await node.restart();
  assertInactive(await introspect(token));
  assert.equal((await introspect(await node.accessToken(SVC))).json.active, true);
});

it('an expired token introspects as inactive, and revoking it is 200', async () => {
  shortLived = await GatehouseNode.start({ config: { tokens: { access_token_ttl: '1s' } } });
  const res = await shortLived.token(SVC);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.expires_in, 1);
  const token = res.json.access_token;
  const claims = jose.decodeJwt(token);
  assert.equal(claims.exp - claims.iat, 1);
  const ask = (p) => shortLived.postForm(p, { token }, svcAuth);
  // Polled with a deadline: the token must turn inactive once exp has passed.
  await pollUntil(async () => (await ask('/oauth2/introspect')).json?.active === false,
    { deadlineMs: 5000, intervalMs: 200, what: 'expired token inactive' });
  assert.ok(Date.now() / 1000 >= claims.exp, 'not inactive before exp');
  assertInactive(await ask('/oauth2/introspect'));
  const rev = await ask('/oauth2/revoke');
  assert.equal(rev.status, 200, rev.text);
  assert.equal(rev.text, '');
});
