// private_key_jwt client authentication (RFC 7523, OpenID Connect Core §9) on one node, checked
// with openid-client (which signs its own assertions) and assertions made with jose.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import * as jose from 'jose';
import * as oidc from 'openid-client';
import { GatehouseNode, nodeTest } from './lib/node.js';

const TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
let node;
let ec; // {publicKey, privateKey}, registered with kid "ec-1"
let rsa; // registered without a kid
const it = nodeTest(() => [node]);

before(async () => {
  node = await GatehouseNode.start();
  // WebCrypto keys: what openid-client signs with (jose accepts them too).
  ec = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  rsa = await crypto.subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]),
    hash: 'SHA-256' }, true, ['sign', 'verify']);
  const created = await node.createApplication({
    client_id: 'signed-jwt',
    client_name: 'Signs its requests',
    token_endpoint_auth_method: 'private_key_jwt',
    grant_types: ['client_credentials'],
    scope: 'api:read',
    jwks: { keys: [{ ...(await jose.exportJWK(ec.publicKey)), kid: 'ec-1' }, await jose.exportJWK(rsa.publicKey)] },
  });
  assert.equal(created.client_secret, undefined, 'a private_key_jwt client gets no secret');
});
after(async () => { await node?.cleanup(); });

/** An assertion for `signed-jwt`, signed with `key`, with claims changed by `claims`. */
async function assertion({ key = ec.privateKey, alg = 'ES256', kid = 'ec-1', claims = {} } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    iss: 'signed-jwt', sub: 'signed-jwt', aud: `${node.url}/oauth2/token`, jti: crypto.randomUUID(), iat: now, exp: now + 60,
    ...claims,
  };
  return new jose.SignJWT(payload).setProtectedHeader(kid ? { alg, kid } : { alg }).sign(key);
}
const token = (clientAssertion, extra = {}) => node.postForm('/oauth2/token', {
  grant_type: 'client_credentials', client_assertion_type: TYPE, client_assertion: clientAssertion, ...extra,
});

it('discovery announces private_key_jwt and the algorithms it accepts', async () => {
  const meta = (await node.request('/.well-known/openid-configuration')).json;
  for (const endpoint of ['token', 'introspection', 'revocation']) {
    assert.ok(meta[`${endpoint}_endpoint_auth_methods_supported`].includes('private_key_jwt'), endpoint);
    assert.deepEqual(meta[`${endpoint}_endpoint_auth_signing_alg_values_supported`], ['RS256', 'ES256'], endpoint);
  }
});

it('openid-client gets, introspects and revokes a token with its own assertions', async () => {
  for (const [key, kid] of [[ec.privateKey, 'ec-1'], [rsa.privateKey, undefined]]) {
    const config = await oidc.discovery(new URL(node.url), 'signed-jwt', undefined,
      oidc.PrivateKeyJwt(kid ? { key, kid } : key), { execute: [oidc.allowInsecureRequests] });
    const tokens = await oidc.clientCredentialsGrant(config, { scope: 'api:read' });
    assert.equal(jose.decodeJwt(tokens.access_token).client_id, 'signed-jwt');
    const introspected = await oidc.tokenIntrospection(config, tokens.access_token);
    assert.equal(introspected.active, true);
    assert.equal(introspected.client_id, 'signed-jwt');
    await oidc.tokenRevocation(config, tokens.access_token);
    assert.equal((await oidc.tokenIntrospection(config, tokens.access_token)).active, false);
  }
});

it('an assertion is accepted once; its replay and a forged or mistaken one are invalid_client', async () => {
  const once = await assertion();
  assert.equal((await token(once)).status, 200);
  const replay = await token(once);
  assert.equal(replay.status, 401, replay.text);
  assert.equal(replay.json.error, 'invalid_client');
  const stranger = await jose.generateKeyPair('ES256');  // right alg and kid, wrong key
  const bad = [
    await assertion({ key: stranger.privateKey }),
    await assertion({ claims: { aud: 'https://elsewhere.example' } }),
    await assertion({ claims: { exp: Math.floor(Date.now() / 1000) - 120 } }),
    await assertion({ claims: { exp: Math.floor(Date.now() / 1000) + 3600 } }),
    await assertion({ claims: { sub: 'someone-else' } }),
    await assertion({ kid: 'unknown' }),
  ];
  for (const jwt of bad) {
    const res = await token(jwt);
    assert.equal(res.status, 401, `${res.text} for ${JSON.stringify(jose.decodeJwt(jwt))}`);
    assert.equal(res.json.error, 'invalid_client');
  }
  // Two methods at once is a malformed request.
  const both = await token(await assertion(), { client_id: 'signed-jwt', client_secret: 'x' });
  assert.equal(both.status, 400);
  assert.equal(both.json.error, 'invalid_request');
});

it('the admin API shows the public keys only and refuses a private key', async () => {
  const shown = await node.admin('GET', '/api/applications/signed-jwt');
  assert.equal(shown.status, 200, shown.text);
  assert.deepEqual(shown.json.jwks.keys.map((k) => k.kid).slice(0, 1), ['ec-1']);
  for (const k of shown.json.jwks.keys) assert.equal(k.d, undefined);
  const leaked = await node.admin('POST', '/api/applications', {
    client_id: 'leaky', token_endpoint_auth_method: 'private_key_jwt', grant_types: ['client_credentials'],
    jwks: { keys: [await jose.exportJWK(ec.privateKey)] },
  });
  assert.equal(leaked.status, 400, leaked.text);
  assert.match(leaked.text, /public key/);
});
