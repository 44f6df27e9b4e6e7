// GET /metrics (Prometheus text format 0.0.4) on one node: who may read it, and that the figures
// move with what the node does — requests by route and status with latency histograms, tokens by
// grant type, sign-ins by outcome, job runs, cluster gauges, build info.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { hostedSignIn } from './lib/cluster.js';
import { ADMIN_KEY, GatehouseNode, SVC, defaultKickstart, nodeTest, pollUntil, rawExchange } from './lib/node.js';

const USER = { username: 'ada', password: 'correct horse battery', name: 'Ada Lovelace' };
const WEB = { client_id: 'web', client_secret: 'web-secret-0123456789', grant_types: ['authorization_code'],
  redirect_uris: ['http://127.0.0.1:1/cb'], scope: '' };

const TOKEN = 'metrics-scraper-token-0123456789';
let node; // allows nobody by address; readable with the token
let open; // default allow list (loopback); one pending request at most
const it = nodeTest(() => [node, open]);

before(async () => {
  const kickstart = defaultKickstart();
  kickstart.users = [USER];
  kickstart.applications.push(WEB);
  node = await GatehouseNode.start({ kickstart, config: { metrics: { allow: [], token: TOKEN }, login: { lockout_threshold: 2 } } });
  open = await GatehouseNode.start({ config: { server: { max_pending_requests: 1 } } });
});
after(async () => {
  await node?.cleanup();
  await open?.cleanup();
});

const scrape = (n, headers = {}) => n.request('/metrics', { headers });
const withToken = () => scrape(node, { authorization: `Bearer ${TOKEN}` });

/** Parses the exposition text into {name{labels}: value} and checks every line's shape. */
function parse(text) {
  const samples = new Map();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      assert.match(line, /^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$/, line);
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.e+]+|\+Inf|NaN)$/.exec(line);
    assert.ok(m, `not a sample line: ${line}`);
    samples.set(`${m[1]}${m[2] ?? ''}`, Number(m[3]));
  }
  return samples;
}
const value = (samples, key) => samples.get(key) ?? 0;

it('is refused without the token to an address not allowed, and served with it', async () => {
  const refused = await scrape(node);
  assert.equal(refused.status, 403, refused.text);
  assert.equal((await scrape(node, { authorization: 'Bearer wrong-token-wrong-token' })).status, 403);
  const res = await withToken();
  assert.equal(res.status, 200, res.text);
  assert.match(res.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  const samples = parse(res.text);
  assert.equal(value(samples, 'gatehouse_store_up'), 1);
  assert.ok([...samples.keys()].some((k) => k.startsWith('gatehouse_build_info{version="')));
  assert.ok(value(samples, 'gatehouse_process_resident_memory_bytes') > 1e6);
  // The default allow list is this machine: the loopback test client may read without a token.
  assert.equal((await scrape(open)).status, 200);
});

it('counts requests by route and status with a latency histogram, and tokens by grant type', async () => {
  const before = parse((await withToken()).text);
  for (let i = 0; i < 3; i++) assert.equal((await node.token(SVC)).status, 200);
  assert.equal((await node.token({ ...SVC, client_secret: 'wrong-secret-0123456789' })).status, 401);
  const after = parse((await withToken()).text);
  const route = 'route="POST /oauth2/token (client_credentials)"';
  assert.equal(value(after, `gatehouse_http_requests_total{${route},status="200"}`)
    - value(before, `gatehouse_http_requests_total{${route},status="200"}`), 3);
  assert.equal(value(after, `gatehouse_http_requests_total{${route},status="401"}`)
    - value(before, `gatehouse_http_requests_total{${route},status="401"}`), 1);
  assert.equal(value(after, `gatehouse_http_request_duration_seconds_count{${route},status="200"}`),
    value(after, `gatehouse_http_requests_total{${route},status="200"}`));
  assert.equal(value(after, `gatehouse_http_request_duration_seconds_bucket{${route},status="200",le="+Inf"}`),
    value(after, `gatehouse_http_request_duration_seconds_count{${route},status="200"}`));
  assert.ok(value(after, `gatehouse_http_request_duration_seconds_sum{${route},status="200"}`) > 0);
  assert.equal(value(after, 'gatehouse_tokens_issued_total{grant_type="client_credentials"}')
    - value(before, 'gatehouse_tokens_issued_total{grant_type="client_credentials"}'), 3);
});

it('counts sign-ins by outcome: failure, lockout, locked and success', async () => {
  const signIn = (username, password) => hostedSignIn({
    formNode: node, clientId: WEB.client_id, redirectUri: WEB.redirect_uris[0], username, password,
  });
  assert.equal((await signIn(USER.username, USER.password)).status, 302);
  await signIn('someone', 'wrong-1');
  await signIn('someone', 'wrong-2'); // the second failure locks the name (threshold 2)
  await signIn('someone', 'wrong-3'); // refused while locked
  const samples = parse((await withToken()).text);
  assert.equal(value(samples, 'gatehouse_logins_total{outcome="success"}'), 1);
  assert.equal(value(samples, 'gatehouse_logins_total{outcome="failure"}'), 1);
  assert.equal(value(samples, 'gatehouse_logins_total{outcome="lockout"}'), 1);
  assert.equal(value(samples, 'gatehouse_logins_total{outcome="locked"}'), 1);
});

it('reports job runs, the event watermark and the cluster membership', async () => {
  // The sign-ins of the test before wrote cluster events (lockouts) that the node applies in the
  // background: the lag must fall to 0, and the watermark then equals the latest event.
  const samples = await pollUntil(async () => {
    const s = parse((await withToken()).text);
    // The job's run is counted on the jobs thread as it ends.
    const ran = value(s, 'gatehouse_job_runs_total{job="purge.expired",outcome="ok"}') >= 1;
    return ran && s.has('gatehouse_cluster_event_lag') && value(s, 'gatehouse_cluster_event_lag') === 0 ? s : null;
  }, { what: 'event lag 0 and a purge run counted' });
  assert.equal(value(samples, 'gatehouse_cluster_nodes{state="up"}'), 1);
  assert.ok(value(samples, 'gatehouse_cluster_event_latest') >= 1);
  assert.equal(value(samples, 'gatehouse_cluster_event_applied'), value(samples, 'gatehouse_cluster_event_latest'));
});

it('counts what the server refuses before routing: malformed, oversized and overloaded requests', async () => {
  const refused = async (reason) => value(parse((await scrape(open)).text), `gatehouse_http_refused_total{reason="${reason}"}`);
  const malformed = await refused('malformed');
  const garbage = await rawExchange(open.port, 'NOT AN HTTP REQUEST\r\n\r\n');
  assert.match(garbage.data, /^HTTP\/1\.1 400 /);
  const big = await rawExchange(open.port,
    `POST /oauth2/token HTTP/1.1\r\nHost: x\r\nContent-Length: 200000\r\n\r\n${'a'.repeat(200000)}`);
  assert.match(big.data, /^HTTP\/1\.1 413 /);
  assert.equal(await refused('malformed') - malformed, 2);

  // With one pending request allowed, a burst of admin requests (each needs a worker) gets some
  // 503s at once; the counter matches the 503s the clients saw.
  const overloaded = await refused('overloaded');
  let seen = 0;
  await pollUntil(async () => {
    const answers = await Promise.all(Array.from({ length: 32 }, () => open.admin('GET', '/api/applications', undefined, { key: ADMIN_KEY })));
    for (const a of answers) {
      assert.ok(a.status === 200 || a.status === 503, `${a.status} ${a.text}`);
      if (a.status === 503) {
        assert.equal(a.json.error, 'overloaded');
        assert.equal(a.headers.get('retry-after'), '1');
        seen++;
      }
    }
    return seen > 0;
  }, { what: 'an overloaded answer', deadlineMs: 15000, intervalMs: 10 });
  assert.equal(await refused('overloaded') - overloaded, seen);
  const samples = parse((await scrape(open)).text);
  assert.ok(value(samples, 'gatehouse_http_connections_open') >= 1, 'the scrape itself is a connection');
  assert.ok(samples.has('gatehouse_http_requests_pending'));
  assert.ok(samples.has('gatehouse_http_refused_total{reason="connections"}'));
  assert.ok(samples.has('gatehouse_http_refused_total{reason="tls_handshake"}'));
});
