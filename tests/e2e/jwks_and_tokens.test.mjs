// The independent check: tokens verified with `jose`, a JOSE library we did not write, against the
// keys published at the jwks_uri that discovery names (RFC 9068 access tokens, RFC 7517 JWKS).
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import * as jose from 'jose';
import { ACCESS_TOKEN_TTL, GatehouseNode, SVC, basicAuth, nodeTest, scopes } from './lib/node.js';

let node;
let discovery;
let jwks;
let es256; // an ES256 client authenticating with client_secret_post, with an explicit audience
const it = nodeTest(() => node);

before(async () => {
  node = await GatehouseNode.start();
  const res = await node.request('/.well-known/openid-configuration');
  assert.equal(res.status, 200, res.text);
  discovery = res.json;
  jwks = jose.createRemoteJWKSet(new URL(discovery.jwks_uri));
  es256 = {
    client_id: 'es256-post',
    client_secret: 'es256-post-secret-0123',
    client_name: 'ES256 over client_secret_post',
    grant_types: ['client_credentials'],
    token_endpoint_auth_method: 'client_secret_post',
    scope: 'orders:read orders:write',
    access_token_signed_response_alg: 'ES256',
    access_token_audience: ['https://orders.example'],
  };
  await node.createApplication(es256);
});
after(async () => { await node?.cleanup(); });

it('the JWKS publishes public signing keys only, with an RS256 and an ES256 key', async () => {
  const res = await node.request(new URL(discovery.jwks_uri).pathname);
  assert.equal(res.status, 200, res.text);
  const { keys } = res.json;
  assert.ok(Array.isArray(keys));
  const kids = new Set();
  for (const k of keys) {
    assert.equal(typeof k.kid, 'string');
    assert.ok(k.kid.length > 0);
    assert.ok(!kids.has(k.kid), `kid ${k.kid} is unique`);
    kids.add(k.kid);
    assert.equal(typeof k.kty, 'string');
    assert.equal(typeof k.alg, 'string');
    assert.equal(k.use, 'sig');
    for (const priv of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) {
      assert.equal(k[priv], undefined, `key ${k.kid} must not publish private member ${priv}`);
    }
    await jose.importJWK(k, k.alg); // each key is a well-formed public JWK
  }
  const rsa = keys.find((k) => k.alg === 'RS256');
  assert.ok(rsa, 'an RS256 key');
  assert.equal(rsa.kty, 'RSA');
  assert.ok(rsa.n && rsa.e);
  assert.ok(Buffer.from(rsa.n, 'base64url').length >= 256, 'RSA modulus of at least 2048 bits');
  const ec = keys.find((k) => k.alg === 'ES256');
  assert.ok(ec, 'an ES256 key');
  assert.equal(ec.kty, 'EC');
  assert.equal(ec.crv, 'P-256');
  assert.ok(ec.x && ec.y);
});

it('an RS256 client_secret_basic token verifies with jose and carries the RFC 9068 claims', async () => {
  const res = await node.token(SVC);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(res.json.token_type, 'Bearer');
  assert.equal(res.json.expires_in, ACCESS_TOKEN_TTL);
  assert.deepEqual(scopes(res.json.scope), scopes(SVC.scope), 'default scope: all of the client\'s');

  const { payload, protectedHeader } = await jose.jwtVerify(res.json.access_token, jwks, {
    issuer: discovery.issuer,
    audience: SVC.client_id,
    typ: 'at+jwt',
    algorithms: ['RS256'],
  });
  assert.equal(protectedHeader.alg, 'RS256');
  assert.equal(protectedHeader.typ.toLowerCase(), 'at+jwt');
  assert.equal(typeof protectedHeader.kid, 'string');
  assert.equal(payload.iss, node.url);
  assert.equal(payload.sub, SVC.client_id);
  assert.equal(payload.client_id, SVC.client_id);
  assert.deepEqual([].concat(payload.aud), [SVC.client_id]);
  assert.deepEqual(scopes(payload.scope), scopes(SVC.scope));
  assert.ok(Number.isInteger(payload.iat) && Number.isInteger(payload.exp));
  assert.equal(payload.exp - payload.iat, ACCESS_TOKEN_TTL);
  assert.ok(Math.abs(payload.iat - Date.now() / 1000) < 60, 'iat is now');
  assert.equal(typeof payload.jti, 'string');
  assert.ok(payload.jti.length >= 16, 'jti has enough entropy');
});

it('an ES256 client_secret_post token verifies with jose, with the configured audience', async () => {
  const res = await node.token(es256);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  assert.equal(res.json.token_type, 'Bearer');
  assert.equal(res.json.expires_in, ACCESS_TOKEN_TTL);
  const { payload, protectedHeader } = await jose.jwtVerify(res.json.access_token, jwks, {
    issuer: discovery.issuer,
    audience: 'https://orders.example',
    typ: 'at+jwt',
    algorithms: ['ES256'],
  });
  assert.equal(protectedHeader.alg, 'ES256');
  assert.equal(payload.sub, es256.client_id);
  assert.equal(payload.client_id, es256.client_id);
  assert.deepEqual([].concat(payload.aud), ['https://orders.example']);
  assert.deepEqual(scopes(payload.scope), scopes(es256.scope));
  assert.equal(payload.exp - payload.iat, ACCESS_TOKEN_TTL);
  // The same token must not verify as RS256 (the algorithm comes from the key, not the caller).
  await assert.rejects(jose.jwtVerify(res.json.access_token, jwks, { algorithms: ['RS256'] }));
});

it('two tokens of one client have different jti', async () => {
  const a = jose.decodeJwt(await node.accessToken(SVC));
  const b = jose.decodeJwt(await node.accessToken(SVC));
  assert.notEqual(a.jti, b.jti);
});

it('concurrent token requests all succeed with distinct jti', async () => {
  const clients = [SVC, es256];
  const results = await Promise.all(Array.from({ length: 24 }, (_, i) => node.token(clients[i % 2])));
  const jtis = new Set();
  for (const [i, res] of results.entries()) {
    assert.equal(res.status, 200, res.text);
    const client = clients[i % 2];
    const audience = client === SVC ? SVC.client_id : 'https://orders.example';
    const { payload } = await jose.jwtVerify(res.json.access_token, jwks, { issuer: discovery.issuer, audience });
    assert.equal(payload.client_id, client.client_id);
    jtis.add(payload.jti);
  }
  assert.equal(jtis.size, results.length);
});

it('a requested scope narrows the token to that subset', async () => {
  const res = await node.token(SVC, { scope: 'api:read' });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.scope, 'api:read');
  const { payload } = await jose.jwtVerify(res.json.access_token, jwks, { issuer: discovery.issuer, audience: SVC.client_id });
  assert.equal(payload.scope, 'api:read');
});

it('client_secret_basic form-urlencodes id and secret before Base64 (RFC 6749 §2.3.1)', async () => {
  const client = {
    client_id: 'special-secret',
    client_secret: 'p+ss%20w:rd/&=? x-0123456789', // RFC 6749 A.2: VSCHAR only
    token_endpoint_auth_method: 'client_secret_basic',
    scope: 'api:read',
  };
  await node.createApplication(client);
  // The secret as the client must send it: every special character encoded.
  const res = await node.postForm('/oauth2/token', { grant_type: 'client_credentials' }, {
    headers: { authorization: basicAuth(client.client_id, client.client_secret) },
  });
  assert.equal(res.status, 200, res.text);
  const { payload } = await jose.jwtVerify(res.json.access_token, jwks, { issuer: discovery.issuer, audience: client.client_id });
  assert.equal(payload.client_id, client.client_id);

  // The same secret sent without form-urlencoding decodes to something else: '+' is a space.
  const raw = `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`;
  const bad = await node.postForm('/oauth2/token', { grant_type: 'client_credentials' }, { headers: { authorization: raw } });
  assert.equal(bad.status, 401, bad.text);
  assert.equal(bad.json?.error, 'invalid_client');
});
