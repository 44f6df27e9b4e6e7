// Bad requests to the token endpoint: each answers the exact status and RFC 6749 §5.2 error code of
// docs/API.md, and the node keeps serving afterwards.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { GatehouseNode, SVC, basicAuth, form, nodeTest } from './lib/node.js';

const MAX_BODY = 2048;
let node;
const it = nodeTest(() => node);
const POST_CLIENT = {
  client_id: 'post-client',
  client_secret: 'post-client-secret-0123',
  token_endpoint_auth_method: 'client_secret_post',
  scope: 'api:read',
};

before(async () => {
  node = await GatehouseNode.start({ config: { server: { max_body_bytes: MAX_BODY } } });
  await node.createApplication(POST_CLIENT);
});
after(async () => { await node?.cleanup(); });

/** Asserts an RFC 6749 §5.2 error answer. */
function assertOAuthError(res, status, error) {
  assert.equal(res.status, status, `expected ${status} ${error}, got ${res.status} ${res.text}`);
  assert.ok(res.json && typeof res.json === 'object', `JSON error body: ${res.text}`);
  assert.equal(res.json.error, error);
  if (res.json.error_description !== undefined) assert.equal(typeof res.json.error_description, 'string');
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
}

function assertInvalidClient(res) {
  assertOAuthError(res, 401, 'invalid_client');
  assert.match(res.headers.get('www-authenticate') ?? '', /^Basic\b/);
}

const svcBasic = { basic: [SVC.client_id, SVC.client_secret] };

it('missing grant_type is 400 invalid_request', async () => {
  assertOAuthError(await node.postForm('/oauth2/token', { scope: 'api:read' }, svcBasic), 400, 'invalid_request');
});

it('an unknown grant_type is 400 unsupported_grant_type', async () => {
  assertOAuthError(await node.postForm('/oauth2/token', { grant_type: 'urn:example:nope' }, svcBasic), 400, 'unsupported_grant_type');
  assertOAuthError(await node.postForm('/oauth2/token', { grant_type: 'password', username: 'a', password: 'b' }, svcBasic), 400, 'unsupported_grant_type');
});

it('a wrong secret with client_secret_basic is 401 invalid_client with WWW-Authenticate: Basic', async () => {
  const res = await node.postForm('/oauth2/token', { grant_type: 'client_credentials' }, { basic: [SVC.client_id, 'wrong-secret-0123456789'] });
  assertInvalidClient(res);
  assert.match(res.headers.get('www-authenticate'), /realm="gatehouse"/);
});

it('an unknown client with client_secret_post is 401 invalid_client', async () => {
  const res = await node.postForm('/oauth2/token', { grant_type: 'client_credentials', client_id: 'nobody', client_secret: 'nobody-secret-0123456' });
  assertInvalidClient(res);
});

it('no client authentication at all is 401 invalid_client', async () => {
  assertInvalidClient(await node.postForm('/oauth2/token', { grant_type: 'client_credentials' }));
});

it('a malformed Basic header is 401 invalid_client', async () => {
  for (const value of ['Basic', 'Basic !!!not-base64!!!', `Basic ${Buffer.from('no-colon').toString('base64')}`]) {
    const res = await node.postForm('/oauth2/token', { grant_type: 'client_credentials' }, { headers: { authorization: value } });
    assert.ok(res.status === 401 || res.status === 400, `${value}: ${res.status} ${res.text}`);
    assert.ok(['invalid_client', 'invalid_request'].includes(res.json?.error), `${value}: ${res.text}`);
  }
});

it('client_secret_basic and client_secret_post in one request is 400 invalid_request', async () => {
  const res = await node.postForm('/oauth2/token',
    { grant_type: 'client_credentials', client_id: SVC.client_id, client_secret: SVC.client_secret }, svcBasic);
  assertOAuthError(res, 400, 'invalid_request');
});

it('a client registered for client_secret_basic using client_secret_post is 401 invalid_client', async () => {
  const res = await node.postForm('/oauth2/token',
    { grant_type: 'client_credentials', client_id: SVC.client_id, client_secret: SVC.client_secret });
  assertInvalidClient(res);
});

it('a client registered for client_secret_post using client_secret_basic is 401 invalid_client', async () => {
  const res = await node.postForm('/oauth2/token', { grant_type: 'client_credentials' },
    { basic: [POST_CLIENT.client_id, POST_CLIENT.client_secret] });
  assertInvalidClient(res);
});

it('a scope outside the client\'s is 400 invalid_scope', async () => {
  assertOAuthError(await node.postForm('/oauth2/token', { grant_type: 'client_credentials', scope: 'admin' }, svcBasic), 400, 'invalid_scope');
  assertOAuthError(await node.postForm('/oauth2/token', { grant_type: 'client_credentials', scope: 'api:read admin' }, svcBasic), 400, 'invalid_scope');
});

it('a client without the client_credentials grant is 400 unauthorized_client', async () => {
  // A web application registered only for authorization_code (used from the sign-in release on).
  const res = await node.admin('POST', '/api/applications', {
    client_id: 'web-only', client_secret: 'web-only-secret-0123', grant_types: ['authorization_code'],
    redirect_uris: ['https://app.example.com/callback'], scope: 'api:read',
  });
  assert.equal(res.status, 201, res.text);
  assertOAuthError(await node.postForm('/oauth2/token', { grant_type: 'client_credentials' },
    { basic: ['web-only', 'web-only-secret-0123'] }), 400, 'unauthorized_client');
});

it('a parameter given twice is 400 invalid_request (RFC 6749 §3.1)', async () => {
  const body = form([['grant_type', 'client_credentials'], ['grant_type', 'client_credentials']]);
  assertOAuthError(await node.postForm('/oauth2/token', body, svcBasic), 400, 'invalid_request');
  const scopeTwice = form([['grant_type', 'client_credentials'], ['scope', 'api:read'], ['scope', 'api:write']]);
  assertOAuthError(await node.postForm('/oauth2/token', scopeTwice, svcBasic), 400, 'invalid_request');
});

it('a JSON body is 400 invalid_request', async () => {
  const res = await node.request('/oauth2/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: basicAuth(SVC.client_id, SVC.client_secret) },
    body: JSON.stringify({ grant_type: 'client_credentials' }),
  });
  assertOAuthError(res, 400, 'invalid_request');
});

it('GET on the token endpoint is 405', async () => {
  const res = await node.request('/oauth2/token?grant_type=client_credentials', {
    headers: { authorization: basicAuth(SVC.client_id, SVC.client_secret) },
  });
  assert.equal(res.status, 405, res.text);
});

it('malformed percent-encoding in the body is 400 invalid_request', async () => {
  for (const body of ['grant_type=client_credentials&scope=%zz', 'grant_type=client_credentials%', 'grant_type=client_credentials&scope=api%3']) {
    assertOAuthError(await node.postForm('/oauth2/token', body, svcBasic), 400, 'invalid_request');
  }
});

it('a body over server.max_body_bytes is 413', async () => {
  const body = form({ grant_type: 'client_credentials', scope: 'a'.repeat(MAX_BODY + 100) });
  const res = await node.postForm('/oauth2/token', body, svcBasic);
  assert.equal(res.status, 413, res.text);
});

it('after all of these the node still answers /api/status 200 and issues tokens', async () => {
  const status = await node.request('/api/status');
  assert.equal(status.status, 200, status.text);
  assert.equal(status.json.status, 'ok');
  const res = await node.token(SVC, { scope: 'api:read' });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.token_type, 'Bearer');
  const post = await node.token(POST_CLIENT);
  assert.equal(post.status, 200, post.text);
});
