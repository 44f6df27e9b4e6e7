// Discovery documents (RFC 8414, OpenID Connect Discovery 1.0) as docs/API.md describes them.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { GatehouseNode, nodeTest, rawRequest } from './lib/node.js';

let node;
const it = nodeTest(() => node);

before(async () => { node = await GatehouseNode.start(); });
after(async () => { await node?.cleanup(); });

const DOCUMENTS = ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server'];

for (const doc of DOCUMENTS) {
  it(`${doc} names the public URL as issuer and the endpoints under it`, async () => {
    const res = await node.request(doc);
    assert.equal(res.status, 200, res.text);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const cc = res.headers.get('cache-control');
    assert.ok(cc, 'Cache-Control is set');
    assert.match(cc, /\bpublic\b/);
    assert.match(cc, /\bmax-age=300\b/);

    const d = res.json;
    assert.ok(d && typeof d === 'object', 'body is a JSON object');
    assert.equal(d.issuer, node.url);
    assert.equal(d.jwks_uri, `${node.url}/.well-known/jwks.json`);
    assert.equal(d.token_endpoint, `${node.url}/oauth2/token`);
    assert.equal(d.introspection_endpoint, `${node.url}/oauth2/introspect`);
    assert.equal(d.revocation_endpoint, `${node.url}/oauth2/revoke`);
    for (const key of ['jwks_uri', 'token_endpoint', 'introspection_endpoint', 'revocation_endpoint']) {
      assert.ok(d[key].startsWith(`${d.issuer}/`), `${key} lies under the issuer`);
    }
    assert.ok(Array.isArray(d.grant_types_supported), 'grant_types_supported is an array');
    assert.ok(d.grant_types_supported.includes('client_credentials'));
    assert.ok(Array.isArray(d.token_endpoint_auth_methods_supported));
    assert.ok(d.token_endpoint_auth_methods_supported.includes('client_secret_basic'));
    assert.ok(d.token_endpoint_auth_methods_supported.includes('client_secret_post'));
  });
}

it('both documents agree on issuer and endpoints', async () => {
  const [a, b] = await Promise.all(DOCUMENTS.map((d) => node.request(d)));
  assert.equal(a.status, 200);
  assert.equal(b.status, 200);
  for (const key of ['issuer', 'jwks_uri', 'token_endpoint', 'introspection_endpoint', 'revocation_endpoint']) {
    assert.equal(a.json[key], b.json[key], key);
  }
});

it('the issuer never comes from the Host or X-Forwarded-* headers of the request', async () => {
  const res = await rawRequest(node.port, {
    path: '/.well-known/openid-configuration',
    headers: { host: 'attacker.example', 'x-forwarded-host': 'attacker.example', 'x-forwarded-proto': 'https' },
  });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.issuer, node.url);
  assert.ok(!res.text.includes('attacker.example'), 'no endpoint names the Host header');
});

it('the jwks_uri answers with keys and a Cache-Control max-age', async () => {
  const d = (await node.request('/.well-known/openid-configuration')).json;
  const res = await node.request(new URL(d.jwks_uri).pathname);
  assert.equal(res.status, 200, res.text);
  assert.match(res.headers.get('content-type') ?? '', /^application\/(jwk-set\+)?json/);
  assert.match(res.headers.get('cache-control') ?? '', /\bmax-age=\d+\b/);
  assert.ok(Array.isArray(res.json.keys) && res.json.keys.length >= 2, 'at least an RS256 and an ES256 key');
});
