// Hostile and edge-case input that must not hurt the node: unbounded chunk extensions, too many
// form parameters, too many connections, a flood of anonymous authorization requests; and the
// security rules around introspection and kickstart files.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { after, before } from 'node:test';
import { ADMIN_KEY, GatehouseNode, SVC, defaultKickstart, nodeTest, pollUntil, rawExchange, rawRequest } from './lib/node.js';

let node;
let capped; // server.max_connections = 3
let flooded; // rate_limits.authorize_per_ip = FLOOD_LIMIT
const it = nodeTest(() => [node, capped, flooded]);

before(async () => {
  node = await GatehouseNode.start();
});
after(async () => {
  await node?.cleanup();
  await capped?.cleanup();
  await flooded?.cleanup();
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
  // A resource server registered to introspect the tokens meant for 'doomed' (their default aud).
  const rs = await node.createApplication({ client_id: 'doomed-rs', introspection_audiences: ['doomed'] });
  const token = await node.accessToken({ ...doomed, token_endpoint_auth_method: 'client_secret_basic' });
  const introspect = () => node.postForm('/oauth2/introspect', { token }, { basic: [rs.client_id, rs.client_secret] });
  assert.equal((await introspect()).json.active, true);
  const other = await node.postForm('/oauth2/introspect', { token }, { basic: [SVC.client_id, SVC.client_secret] });
  assert.deepEqual(other.json, { active: false }, 'a client without the right learns nothing (RFC 7662 §4)');
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

// --- anonymous authorization requests cannot grow the store without bound -------------------

const FLOOD_LIMIT = 40;
const FLOOD_WINDOW = 3600;
const WEB = { client_id: 'web', client_secret: 'web-secret-0123456789', grant_types: ['authorization_code'],
  redirect_uris: ['http://127.0.0.1:1/cb'], scope: '' };

async function floodedNode() {
  if (flooded) return flooded;
  const kickstart = defaultKickstart();
  kickstart.applications.push(WEB);
  flooded = await GatehouseNode.start({
    kickstart, config: { rate_limits: { window: `${FLOOD_WINDOW}s`, authorize_per_ip: FLOOD_LIMIT } },
  });
  return flooded;
}

const authorizePath = (params) => `/oauth2/authorize?${new URLSearchParams({
  response_type: 'code', client_id: WEB.client_id, redirect_uri: WEB.redirect_uris[0], scope: 'openid', ...params,
})}`;
const storedTransactions = (n) => Number(execFileSync('sqlite3', [n.dbFile, 'SELECT count(*) FROM login_transactions']).toString().trim());
const windowOf = (ms) => Math.floor(ms / 1000 / FLOOD_WINDOW);

it('20,000 anonymous authorization requests from one address store at most authorize_per_ip transactions', async () => {
  const n = await floodedNode();
  const TOTAL = 20000;
  const CONCURRENCY = 16;
  // Fields at their maximum length: what one address may keep is bounded in rows and in bytes.
  const path = authorizePath({ state: 's'.repeat(2048), nonce: 'n'.repeat(512), login_hint: 'h'.repeat(256) });
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const statuses = new Map();
  let sent = 0;
  let badRetryAfter = 0;
  const started = Date.now();
  try {
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (sent < TOTAL) {
        sent += 1;
        const res = await rawRequest(n.port, { path, agent });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 200) assert.match(res.text, /name="tx"/);
        if (res.status === 429) {
          const retry = Number(res.headers['retry-after']);
          if (!(retry >= 1 && retry <= FLOOD_WINDOW)) badRetryAfter += 1;
        }
      }
    }));
  } finally {
    agent.destroy();
  }
  const elapsed = Date.now() - started;
  // The fixed windows are aligned to the hour: a run across a boundary may start a second one.
  const windows = windowOf(Date.now()) - windowOf(started) + 1;
  assert.deepEqual([...statuses.keys()].sort(), [200, 429], `answers: ${JSON.stringify([...statuses])}`);
  assert.equal(badRetryAfter, 0, 'every 429 carries a Retry-After within the window');
  assert.ok(statuses.get(200) >= FLOOD_LIMIT && statuses.get(200) <= FLOOD_LIMIT * windows, `${statuses.get(200)} forms shown`);
  const rows = storedTransactions(n);
  assert.equal(rows, statuses.get(200), 'one stored transaction per form shown, none for a 429');
  assert.ok(rows <= FLOOD_LIMIT * windows, `${rows} transactions stored`);
  const bytes = Number(execFileSync('sqlite3', [n.dbFile,
    'SELECT max(length(state) + length(nonce) + length(login_hint) + length(redirect_uri) + length(scope)) FROM login_transactions']).toString().trim());
  assert.ok(bytes < 4096, `a stored transaction holds ${bytes} bytes of request fields`);
  assert.ok(elapsed < 150000, `20,000 requests took ${elapsed} ms`);
  // Other clients of the node are not affected.
  assert.equal((await n.request('/api/status')).status, 200);
});

it('over-long authorization request fields are refused: before the redirect_uri is verified on a page, after it at the client', async () => {
  const n = await floodedNode();
  const before = storedTransactions(n);
  const page = async (params, what) => {
    const res = await n.request(authorizePath(params));
    assert.equal(res.status, 400, `${what}: ${res.text}`);
    assert.equal(res.headers.get('location'), null, `${what} redirected`);
    assert.match(res.text, new RegExp(`${what} is longer than`));
  };
  await page({ client_id: 'c'.repeat(257) }, 'client_id');
  await page({ redirect_uri: `${WEB.redirect_uris[0]}?${'r'.repeat(2048)}` }, 'redirect_uri');
  const redirected = async (params, what) => {
    const res = await n.request(authorizePath({ state: 'st', ...params }));
    assert.equal(res.status, 302, `${what}: ${res.text}`);
    const location = new URL(res.headers.get('location'));
    assert.equal(location.origin + location.pathname, WEB.redirect_uris[0]);
    assert.equal(location.searchParams.get('error'), 'invalid_request');
    assert.match(location.searchParams.get('error_description'), new RegExp(`${what} is longer than`));
    return location;
  };
  await redirected({ nonce: 'n'.repeat(513) }, 'nonce');
  await redirected({ login_hint: 'h'.repeat(257) }, 'login_hint');
  await redirected({ prompt: 'login '.repeat(11) }, 'prompt');
  await redirected({ scope: `openid ${'a'.repeat(2048)}` }, 'scope');
  assert.equal((await redirected({ nonce: 'n'.repeat(513) }, 'nonce')).searchParams.get('state'), 'st');
  // An over-long state is refused without being echoed back.
  assert.equal((await redirected({ state: 's'.repeat(2049) }, 'state')).searchParams.get('state'), null);
  assert.equal(storedTransactions(n), before, 'a refused request stores nothing');
});

// --- headers every response carries ----------------------------------------------------------

it('every response says nosniff, none sends HSTS over an http public_url, every HTML page forbids framing', async () => {
  const answers = {
    'JSON document': await node.request('/.well-known/openid-configuration'),
    'OAuth error': await node.postForm('/oauth2/token', { grant_type: 'nope' }),
    'admin API error': await node.admin('GET', '/api/applications', undefined, { key: null }),
    'unknown path': await node.request('/no/such/path'),
    stylesheet: await node.request('/assets/style.css'),
    'admin script': await node.request('/admin/admin.js'),
    'error page': await node.request('/oauth2/authorize?client_id=nobody'),
    'signed-out page': await node.request('/oauth2/logout'),
    'admin console': await node.request('/admin/'),
  };
  for (const [what, res] of Object.entries(answers)) {
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff', what);
    assert.equal(res.headers.get('strict-transport-security'), null, what);
    if (/^text\/html/.test(res.headers.get('content-type') ?? '')) {
      assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/, what);
    }
  }
  for (const what of ['error page', 'signed-out page', 'admin console']) {
    assert.match(answers[what].headers.get('content-type'), /^text\/html/, what);
  }
  // The login form (on the node with a web client) and the answers the server gives by itself.
  const n = await floodedNode();
  const form = await rawRequest(n.port, { path: authorizePath({ state: 'x' }) });
  assert.ok([200, 429].includes(form.status), form.text);
  assert.match(form.headers['content-type'], /^text\/html/);
  assert.match(form.headers['content-security-policy'], /frame-ancestors 'none'/);
  assert.equal(form.headers['x-content-type-options'], 'nosniff');
  const malformed = await rawExchange(node.port, 'GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n', { endOnData: true });
  assert.match(malformed.data, /^HTTP\/1\.1 400 /);
  assert.match(malformed.data, /\r\nX-Content-Type-Options: nosniff\r\n/i);
});
