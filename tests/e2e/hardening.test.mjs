// Hostile and edge-case input that must not hurt the node: unbounded chunk extensions, too many
// form parameters, too many connections; and the security rules around introspection and
// kickstart files.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import { after, before } from 'node:test';
import { ADMIN_KEY, GatehouseNode, SVC, nodeTest, pollUntil, rawExchange } from './lib/node.js';

let node;
let capped; // server.max_connections = 3
const it = nodeTest(() => [node, capped]);

before(async () => {
  node = await GatehouseNode.start();
});
after(async () => {
  await node?.cleanup();
  await capped?.cleanup();
});

function rssMegabytes(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)[1]);
  return kb / 1024;
}

it('an endless chunk extension is cut off at the body limit, without growing the node', async () => {
  const before = rssMegabytes(node.child.pid);
  const head = 'POST /oauth2/token HTTP/1.1\r\nHost: x\r\n' +
    'Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n1;a=';
  const res = await rawExchange(node.port, head + 'b'.repeat(40 * 1024 * 1024));
  assert.ok(res.closed, 'the connection was not closed');
  if (res.data) assert.match(res.data, /^HTTP\/1\.1 (413|400) /);
  const after = rssMegabytes(node.child.pid);
  assert.ok(after - before < 16, `RSS grew from ${before.toFixed(1)} MB to ${after.toFixed(1)} MB`);
  const status = await node.request('/api/status');
  assert.equal(status.status, 200);
});

it('a form with more than 64 parameters is 400 invalid_request', async () => {
  const params = Array.from({ length: 65 }, (_, i) => `p${i}=x`).join('&');
  const res = await node.postForm('/oauth2/token', `grant_type=client_credentials&${params}`,
    { basic: [SVC.client_id, SVC.client_secret] });
  assert.equal(res.status, 400, res.text);
  assert.equal(res.json.error, 'invalid_request');
});

it('a public client may not introspect (401 invalid_client)', async () => {
  await node.createApplication({
    client_id: 'public-web', token_endpoint_auth_method: 'none', grant_types: ['authorization_code'],
    redirect_uris: ['https://app.example.com/cb'],
  });
  const token = await node.accessToken(SVC);
  const res = await node.postForm('/oauth2/introspect', { token, client_id: 'public-web' });
  assert.equal(res.status, 401, res.text);
  assert.equal(res.json.error, 'invalid_client');
});

it('tokens of a deleted application introspect as inactive', async () => {
  const doomed = await node.createApplication({ client_id: 'doomed', scope: 'api:read' });
  const token = await node.accessToken({ ...doomed, token_endpoint_auth_method: 'client_secret_basic' });
  const introspect = () => node.postForm('/oauth2/introspect', { token }, { basic: [SVC.client_id, SVC.client_secret] });
  assert.equal((await introspect()).json.active, true);
  assert.equal((await node.admin('DELETE', '/api/applications/doomed')).status, 204);
  const res = await introspect();
  assert.equal(res.status, 200);
  assert.deepEqual(res.json, { active: false });
});

it('an application and API key deleted after the kickstart stay deleted across a restart', async () => {
  const ks = await GatehouseNode.start();
  try {
    assert.equal((await ks.admin('DELETE', `/api/applications/${SVC.client_id}`)).status, 204);
    const keys = await ks.admin('GET', '/api/api-keys');
    const spare = await ks.admin('POST', '/api/api-keys', { description: 'spare' });
    assert.equal(spare.status, 201, spare.text);
    for (const k of keys.json.api_keys) {
      assert.equal((await ks.admin('DELETE', `/api/api-keys/${k.id}`, undefined, { key: spare.json.key })).status, 204);
    }
    await ks.restart();
    assert.equal((await ks.admin('GET', `/api/applications/${SVC.client_id}`, undefined, { key: spare.json.key })).status, 404);
    assert.equal((await ks.admin('GET', '/api/applications', undefined, { key: ADMIN_KEY })).status, 401);
  } finally {
    await ks.cleanup();
  }
});

it('connections beyond server.max_connections are closed at once, and service resumes', async () => {
  capped = await GatehouseNode.start({ config: { server: { max_connections: 3, header_timeout: '20s' } } });
  const idle = [];
  try {
    for (let i = 0; i < 3; i++) {
      const s = net.connect(capped.port, '127.0.0.1');
      await new Promise((resolve, reject) => { s.once('connect', resolve); s.once('error', reject); });
      idle.push(s);
    }
    const extra = await rawExchange(capped.port, 'GET /api/status HTTP/1.1\r\nHost: x\r\n\r\n', { deadlineMs: 5000 });
    assert.ok(extra.closed, 'the connection over the cap was not closed');
    assert.equal(extra.data, '', 'the connection over the cap was answered');
  } finally {
    for (const s of idle) s.destroy();
  }
  await pollUntil(async () => (await capped.request('/api/status')).status === 200, { what: 'service after the idle connections closed' });
});

it('a secret rotated or an application deleted through the admin API takes effect at once (near-cache)', async () => {
  const app = await node.createApplication({
    client_id: 'cached-es', client_secret: 'first-secret-0123456789', access_token_signed_response_alg: 'ES256',
    scope: 'api:read',
  });
  const basic = (secret) => ({ basic: ['cached-es', secret] });
  const token = (secret) => node.postForm('/oauth2/token', { grant_type: 'client_credentials' }, basic(secret));
  for (let i = 0; i < 3; i++) assert.equal((await token('first-secret-0123456789')).status, 200);
  const put = await node.admin('PUT', '/api/applications/cached-es', {
    ...app, client_secret: 'second-secret-0123456789',
  });
  assert.equal(put.status, 200, put.text);
  assert.equal((await token('first-secret-0123456789')).status, 401);
  assert.equal((await token('second-secret-0123456789')).status, 200);
  assert.equal((await node.admin('DELETE', '/api/applications/cached-es')).status, 204);
  const gone = await token('second-secret-0123456789');
  assert.equal(gone.status, 401);
  assert.equal(gone.json.error, 'invalid_client');
});
