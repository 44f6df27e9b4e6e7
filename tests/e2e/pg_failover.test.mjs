// A PostgreSQL failover under load (issue 15): three nodes on a primary with a synchronous standby
// (scripts/lib/postgres.sh pg_ha_start sync), reached through the libpq multi-host URL with
// target_session_attrs=read-write, HAProxy in front. Under a bounded load of client_credentials
// tokens, hosted sign-ins with their code exchanges and refresh rotations, the primary is killed
// (pg_ctl stop -m immediate) and the standby promoted a second later. Then:
//   - every node serves store-bound requests (a read and a write) within 5 s of the promotion;
//   - store-bound requests in the gap are answered 503 with Retry-After, never 500, never a hang;
//   - what needs nothing from the store (JWKS, discovery, a cached client's ES256 token) answers
//     throughout, on every node;
//   - no code, refresh token or CAS ticket issued before the failover can be used twice, and none
//     that was issued and not used is lost (the synchronous standby had it);
//   - an application deleted just before the kill is refused by every node once they are back,
//     and cluster events (LISTEN/NOTIFY on the new primary) and check-ins carry on.
// The figures (gap, recovery per node, statuses by kind) are printed for the closing note.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before } from 'node:test';
import { BALANCER_503, clusterNode, startBalancer } from './lib/cluster.js';
import { browse, hidden } from './lib/forms.js';
import { REPO, SVC, basicAuth, defaultKickstart, form, ms, nodeTest, pollUntil } from './lib/node.js';

const REQUIRED = process.env.GATEHOUSE_TEST_POSTGRES_REQUIRED === '1';
const LIB = path.join(REPO, 'scripts', 'lib', 'postgres.sh');
const MASTER_KEY = crypto.randomBytes(32).toString('base64url');
const USER = { username: 'grace', password: 'correct horse battery', email: 'grace@example.com' };
const CB = 'http://127.0.0.1:1/cb';
const WEB = { client_id: 'web', client_secret: 'web-secret-0123456789' };
const ES = { ...SVC, client_id: 'svc-es', client_secret: 'svc-es-secret-0123456789', access_token_signed_response_alg: 'ES256' };
const DOOMED = { ...SVC, client_id: 'doomed', client_secret: 'doomed-secret-0123456789' };  // deleted just before the kill
const SERVICE = 'https://app.example.com/cas/';
const CAS_APP = {
  client_id: 'cas-app', client_name: 'CAS App', client_secret: 'cas-app-secret-0123456789',
  grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic', redirect_uris: [], scope: '',
  cas_services: [{ match: 'prefix', url: SERVICE }], cas_attributes: ['email'],
};
const REQUEST_TIMEOUT = ms(10000);     // a request without an answer by then is a hang: the test fails
const RECOVERY_DEADLINE = ms(5000);    // after the promotion, per node
const SECONDS_DOWN = 1;                // between the kill and the promotion
const LOAD_BEFORE = 1500;              // ms of load before the kill
const LOAD_AFTER = 1500;               // ms of load after the last node recovered
const LOOPS = 2;                       // concurrent loops per kind of load

let server; // {url, dir, bindir}
const nodes = [];
let lb;
const it = nodeTest(() => nodes);

/** Runs bash with scripts/lib/postgres.sh sourced and this test's pair in its environment. */
function haEnv() {
  const env = { ...process.env };
  for (const k of ['PG_HA_DIR', 'PG_TMP_BINDIR', 'PG_TMP_DIR']) delete env[k];
  if (server) Object.assign(env, { PG_HA_DIR: server.dir, PG_TMP_BINDIR: server.bindir });
  return env;
}
const haScript = (script) => ['-c', `set -e; source '${LIB}'; ${script}`];
const pg = (script) => execFileSync('bash', haScript(script), { env: haEnv(), stdio: ['ignore', 'pipe', 'pipe'] }).toString().trim();
const pgAsync = async (script) => (await promisify(execFile)('bash', haScript(script), { env: haEnv() })).stdout.trim();

let available = true;
before(async () => {
  try {
    const out = pg('pg_ha_start sync >/dev/null; echo "$GATEHOUSE_TEST_POSTGRES_HA_URL $PG_HA_DIR $PG_TMP_BINDIR"');
    const [url, dir, bindir] = out.split(' ');
    server = { url, dir, bindir };
  } catch (err) {
    if (REQUIRED) throw new Error(`could not start a PostgreSQL primary and standby: ${err.stderr || err.message}`);
    available = false;
    return;
  }
  execFileSync('psql', [server.url, '-qc', 'CREATE DATABASE gatehouse']);
  const database = server.url.replace('/postgres?', '/gatehouse?');
  const kickstart = defaultKickstart();
  kickstart.users = [USER];
  kickstart.applications.push(ES, DOOMED, CAS_APP, {
    ...WEB, client_name: 'Web', grant_types: ['authorization_code', 'refresh_token'], redirect_uris: [CB], scope: '',
  });
  const config = {
    tokens: { refresh_grace: '0s', code_ttl: '5m' },  // a replay is refused at once; codes outlive a slow run
    cas: { ticket_ttl: '5m' },
    rate_limits: { authorize_per_ip: 1000000 },
    cluster: { checkin_interval_ms: 300, instance_timeout_ms: 3000, instance_recovery_timeout_ms: 3000 },
  };
  const node = (id, ks = false) => clusterNode(id, { database, masterKey: MASTER_KEY, kickstart: ks, config });
  nodes.push(await node('node-a', kickstart));
  nodes.push(...await Promise.all([node('node-b'), node('node-c')]));
  lb = await startBalancer(nodes, { retryAfter: true });
});
after(async () => {
  await lb?.stop();
  await Promise.all(nodes.map((n) => n.cleanup()));
  if (server) pg('pg_ha_stop');
});
// Decided when the test runs, not when it is declared: before() finds out whether a pair starts.
const itWithPair = (name, fn) => it(name, async (t) => {
  if (!available) { t.skip('no PostgreSQL primary and standby could be started'); return; }
  await fn(t);
});

// ---------------------------------------------------------------------------------------------
// Every request of the test goes through call(): a deadline, and a record of what came back.

const records = []; // {kind, at, end, status, retryAfter, by: 'node' | 'balancer', error, note}

async function call(kind, url, init = {}) {
  const at = Date.now();
  try {
    const res = await fetch(url, { redirect: 'manual', ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT) });
    const text = await res.text();
    let json;
    try { json = JSON.parse(text); } catch { json = undefined; }
    // A redirect with an error: the authorization endpoint's way to say 503 to a browser.
    const location = res.headers.get('location');
    const note = location && /[?&]error=([^&]*)/.exec(location)?.[1];
    const by = res.status === 503 && text.includes(BALANCER_503) ? 'balancer' : 'node';
    records.push({ kind, at, end: Date.now(), status: res.status, retryAfter: res.headers.get('retry-after'), by, note,
      text: res.status >= 500 ? text.slice(0, 200) : undefined });
    return { status: res.status, headers: res.headers, text, json, by };
  } catch (err) {
    records.push({ kind, at, end: Date.now(), status: 0, error: err.message });
    return { status: 0, error: err.message };
  }
}

/** A form POST to `base` + `route` with client_secret_basic. */
const post = (kind, base, route, params, [id, secret]) => call(kind, `${base}${route}`, {
  method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(id, secret) },
  body: form(params),
});
const web = [WEB.client_id, WEB.client_secret];
const token = (kind, base, client) => post(kind, base, '/oauth2/token', { grant_type: 'client_credentials' }, [client.client_id, client.client_secret]);
const redeem = (kind, base, issued) => post(kind, base, '/oauth2/token', {
  grant_type: 'authorization_code', code: issued.code, redirect_uri: CB, code_verifier: issued.verifier,
}, web);
const refresh = (kind, base, rt) => post(kind, base, '/oauth2/token', { grant_type: 'refresh_token', refresh_token: rt }, web);
const introspect = (kind, base, at) => post(kind, base, '/oauth2/introspect', { token: at }, [SVC.client_id, SVC.client_secret]);
const validate = (kind, base, ticket) => call(kind, `${base}/cas/serviceValidate?service=${encodeURIComponent(SERVICE)}&ticket=${encodeURIComponent(ticket)}`);

/** fn(item, index) for every item of `list`, 8 at a time; the results in order. */
async function inBatches(list, fn) {
  const out = [];
  for (let i = 0; i < list.length; i += 8) out.push(...await Promise.all(list.slice(i, i + 8).map((x, k) => fn(x, i + k))));
  return out;
}

function pkce() {
  const verifier = crypto.randomBytes(32).toString('base64url');
  return { verifier, challenge: crypto.createHash('sha256').update(verifier).digest('base64url') };
}
function authorizeUrl(base, challenge) {
  const url = new URL(`${base}/oauth2/authorize`);
  url.search = new URLSearchParams({
    response_type: 'code', client_id: WEB.client_id, redirect_uri: CB, scope: 'openid offline_access', state: 's',
    code_challenge: challenge, code_challenge_method: 'S256',
  });
  return url;
}
const codeOf = (res) => (res.status === 302 ? new URL(res.headers.get('location')).searchParams.get('code') : null);

/** A hosted sign-in through the form at `base`: {code, verifier} or null, with every step recorded. */
async function signIn(base) {
  const { verifier, challenge } = pkce();
  const page = await call('authorize (form)', authorizeUrl(base, challenge));
  if (page.status !== 200) return null;
  const csrf = /gh_csrf=([^;]+)/.exec(page.headers.get('set-cookie'))?.[1];
  const field = (name) => new RegExp(`name="${name}" value="([^"]*)"`).exec(page.text)?.[1];
  const posted = await call('sign-in (form post)', `${base}/oauth2/login`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `gh_csrf=${csrf}` },
    body: form({ tx: field('tx'), csrf: field('csrf'), username: USER.username, password: USER.password }),
  });
  const code = codeOf(posted);
  if (!code) return null;
  const session = /(gh_session=[^;]+)/.exec(posted.headers.get('set-cookie'))?.[1];
  return { code, verifier, session };
}

/** A code for the SSO session `session`, from `base`, without the form. */
async function sessionCode(base, session) {
  const { verifier, challenge } = pkce();
  const res = await call('authorize (session)', authorizeUrl(base, challenge), { headers: { cookie: session } });
  assert.equal(res.status, 302, res.text);
  return { code: codeOf(res), verifier };
}

/** The CAS ticket of a /cas/login answered from the session in `jar`. */
async function casTicket(base, jar) {
  const res = await browse(`${base}/cas/login?service=${encodeURIComponent(SERVICE)}`, jar);
  assert.equal(res.status, 302, res.text);
  return new URL(res.location).searchParams.get('ticket');
}

// ---------------------------------------------------------------------------------------------
// Shared between the tests: what was issued before the failover.

const items = {
  usedCodes: [], unusedCodes: [], doubtfulCodes: [],       // doubtful: its use was answered 503
  usedRefresh: [], unusedRefresh: [], doubtfulRefresh: [],
  usedTickets: [], unusedTickets: [],
};
let failedOver = false;
let lastRotation = 0;  // when the last refresh token in usedRefresh was rotated

/** Notes a refresh token rotated (used). */
function spend(rt) {
  items.usedRefresh.push(rt);
  lastRotation = Date.now();
}

/** Issues (and partly spends) the one-time items the second test checks, on every node directly. */
async function issueItems(session, jar) {
  const families = [];
  for (let i = 0; i < 45; i++) {
    const n = nodes[i % 3];
    const issued = await sessionCode(n.url, session);
    const res = await redeem('code exchange (setup)', nodes[(i + 1) % 3].url, issued);
    assert.equal(res.status, 200, res.text);
    items.usedCodes.push(issued);
    families.push(res.json);
  }
  for (let i = 0; i < 6; i++) items.unusedCodes.push(await sessionCode(nodes[i % 3].url, session));
  // Six families rotated once: the spent token is used, the new one unused.
  for (const [i, f] of families.splice(0, 6).entries()) {
    const res = await refresh('refresh (setup)', nodes[i % 3].url, f.refresh_token);
    assert.equal(res.status, 200, res.text);
    spend(f.refresh_token);
    items.unusedRefresh.push(res.json.refresh_token);
  }
  for (let i = 0; i < 12; i++) {
    const ticket = await casTicket(nodes[i % 3].url, jar);
    if (i < 6) {
      const v = await validate('cas validate (setup)', nodes[(i + 1) % 3].url, ticket);
      assert.match(v.text, /<cas:authenticationSuccess>/);
      items.usedTickets.push(ticket);
    } else {
      items.unusedTickets.push(ticket);
    }
  }
  return families.map((f) => f.refresh_token);  // 39 unused refresh tokens for the load and the probes
}

// ---------------------------------------------------------------------------------------------

itWithPair('a failover under load: every node back within 5 s of the promotion, 503 with Retry-After in the gap, nothing store-free interrupted', async () => {
  const [a] = nodes;
  // The sign-in sessions (OIDC and CAS) and the items to check afterwards.
  const first = await signIn(a.url);
  assert.ok(first, 'the first sign-in');
  const jar = new Map();
  const casPage = await browse(`${a.url}/cas/login?service=${encodeURIComponent(SERVICE)}`, jar);
  const casDone = await browse(`${a.url}/oauth2/login`, jar, {
    tx: hidden(casPage.text, 'tx'), csrf: hidden(casPage.text, 'csrf'), username: USER.username, password: USER.password,
  });
  assert.equal(casDone.status, 302, casDone.text);
  const spare = await issueItems(first.session, jar);
  const probeTokens = nodes.map((_, k) => spare.slice(k * 8, k * 8 + 8));  // 8 writes per node to prove recovery
  const loadTokens = spare.slice(24);                                       // 15 families for the refresh loops
  // Every node has the ES256 client in its cache, and an access token to introspect.
  for (const n of nodes) {
    const es = await token('es256 token (setup)', n.url, ES);
    assert.equal(es.status, 200, es.text);
    assert.equal(JSON.parse(Buffer.from(es.json.access_token.split('.')[0], 'base64url')).alg, 'ES256');
  }
  const accessToken = (await token('setup', a.url, SVC)).json.access_token;
  for (const n of nodes) assert.equal((await token('setup', n.url, DOOMED)).status, 200);  // cached everywhere

  // The load, through the balancer, until `stop`.
  let stop = false;
  const loops = [];
  for (let l = 0; l < LOOPS; l++) {
    loops.push((async () => {
      while (!stop) { await token('client_credentials', lb.url, SVC); await delay(5); }
    })());
    loops.push((async () => {
      while (!stop) {
        const signedIn = await signIn(lb.url);
        if (signedIn) {
          const res = await redeem('code exchange', lb.url, signedIn);
          if (res.status === 200) {
            items.usedCodes.push(signedIn);
            loadTokens.push(res.json.refresh_token);
          } else if (res.status === 503) {
            // Refused by the balancer: no node saw it. By a node: the outcome is not known.
            (res.by === 'balancer' ? items.unusedCodes : items.doubtfulCodes).push(signedIn);
          }
        }
        await delay(5);
      }
    })());
    loops.push((async () => {
      let rt;
      while (!stop) {
        rt ??= loadTokens.shift();
        if (!rt) {  // every family spent: wait for the sign-in loops to make one
          await delay(20);
          continue;
        }
        const res = await refresh('refresh', lb.url, rt);
        if (res.status === 200) {
          spend(rt);
          rt = res.json.refresh_token;
        } else if (res.status !== 503 || res.by === 'node') {
          if (res.status === 503) items.doubtfulRefresh.push(rt);
          rt = undefined;  // a fresh family next: this one's outcome is not known
        }  // else the balancer refused it (no node up): no node saw it, the same token again
        await delay(5);
      }
      if (rt) items.unusedRefresh.push(rt);
    })());
  }
  // What needs nothing from the store, on every node directly, all along.
  const storeFree = nodes.map((n) => (async () => {
    while (!stop) {
      await call('jwks', `${n.url}/.well-known/jwks.json`);
      await call('discovery', `${n.url}/.well-known/openid-configuration`);
      await token('es256 token (cached client)', n.url, ES);
      await delay(20);
    }
  })());

  await delay(LOAD_BEFORE);
  // An application deleted right before the kill: the other nodes may miss the notice, and must
  // catch up once they reach the new primary.
  assert.equal((await a.admin('DELETE', `/api/applications/${DOOMED.client_id}`)).status, 204);
  const killedAt = Date.now();
  const failover = pgAsync(`pg_ha_failover ${SECONDS_DOWN}`);
  // In the gap, a store-bound read on every node directly (introspection: one store round trip).
  let promoted = false;
  const gapProbes = nodes.map((n) => (async () => {
    while (!promoted) { await introspect('introspection (gap probe)', n.url, accessToken); await delay(50); }
  })());
  const promotedAt = Number(await failover);
  promoted = true;
  failedOver = true;
  await Promise.all(gapProbes);
  assert.ok(promotedAt >= killedAt, `promotion time ${promotedAt}`);

  // Each node is back when it answers a read (introspection) and a write (a refresh rotation).
  const recoveries = await Promise.all(nodes.map(async (n, k) => {
    const pool = probeTokens[k];
    for (;;) {
      const read = await introspect('introspection (recovery probe)', n.url, accessToken);
      if (read.status === 200) {
        const rt = pool.shift();
        assert.ok(rt, `${n.url}: no refresh token left to prove a write`);
        const write = await refresh('refresh (recovery probe)', n.url, rt);
        if (write.status === 200) {
          spend(rt);
          items.unusedRefresh.push(write.json.refresh_token);
          return Date.now() - promotedAt;
        }
        if (write.status === 503) items.doubtfulRefresh.push(rt);
      }
      if (Date.now() - promotedAt > RECOVERY_DEADLINE + ms(5000)) return Infinity;  // reported below
      await delay(25);
    }
  }));
  const recoveredAt = promotedAt + Math.max(...recoveries);
  await pollUntil(async () => (await Promise.all(nodes.map((n) => token('deleted client', n.url, DOOMED))))
    .every((r) => r.status === 401), { what: 'every node to refuse the application deleted before the kill', deadlineMs: 2000 });
  const doomedGone = Date.now() - recoveredAt;
  await delay(LOAD_AFTER);
  stop = true;
  await Promise.all([...loops, ...storeFree]);
  for (const pool of probeTokens) items.unusedRefresh.push(...pool);
  items.unusedRefresh.push(...loadTokens);

  // The figures.
  const gap = (r) => r.end >= killedAt && r.at <= recoveredAt;
  const table = {};
  for (const r of records.filter((x) => x.at >= killedAt - LOAD_BEFORE)) {
    const phase = r.end < killedAt ? 'before' : gap(r) ? 'gap' : 'after';
    const key = `${r.kind} [${phase}]`;
    const status = r.status === 0 ? 'no answer'
      : `${r.status}${r.by === 'balancer' ? ' (haproxy)' : ''}${r.note ? ` error=${r.note}` : ''}`;
    table[key] ??= {};
    table[key][status] = (table[key][status] ?? 0) + 1;
  }
  console.log(`failover: primary killed, standby promoted ${promotedAt - killedAt} ms later (${SECONDS_DOWN} s down + pg_ctl)`);
  for (const [k, n] of nodes.entries()) {
    console.log(`failover: ${n.overrides.cluster.node_id} serves a read and a write ${recoveries[k]} ms after the promotion`);
  }
  console.log(`failover: store-bound gap seen by the clients ${recoveredAt - killedAt} ms (kill to last node back)`);
  console.log(`failover: the application deleted before the kill refused by every node ${doomedGone} ms after the recovery`);
  for (const key of Object.keys(table).sort()) console.log(`failover: ${key}: ${JSON.stringify(table[key])}`);
  console.log(`failover: items: ${Object.entries(items).map(([k, v]) => `${k} ${v.length}`).join(', ')}`);

  // Never a 500, never a hang; every 503 a node gave says when to retry.
  const bad = records.filter((r) => r.status === 0 || r.status >= 500 && r.status !== 503);
  assert.deepEqual(bad.slice(0, 5), [], `${bad.length} requests failed badly`);
  const bare = records.filter((r) => r.status === 503 && !r.retryAfter);
  assert.deepEqual(bare.slice(0, 5), [], `${bare.length} 503 answers without Retry-After`);
  // The gap was real: the store-bound probes saw it on the nodes.
  assert.ok(records.some((r) => r.kind === 'introspection (gap probe)' && r.status === 503), 'no node noticed the failover');
  // What needs no store never stopped, on any node.
  const storeFreeKinds = ['jwks', 'discovery', 'es256 token (cached client)'];
  const interrupted = records.filter((r) => storeFreeKinds.includes(r.kind) && r.status !== 200);
  assert.deepEqual(interrupted.slice(0, 5), [], `${interrupted.length} store-free requests failed`);
  for (const kind of storeFreeKinds) assert.ok(records.some((r) => r.kind === kind && gap(r)), `no ${kind} request in the gap`);
  // Every node back within the deadline of the promotion.
  for (const [k, n] of nodes.entries()) {
    assert.ok(recoveries[k] <= RECOVERY_DEADLINE, `${n.url} recovered ${recoveries[k]} ms after the promotion (limit ${RECOVERY_DEADLINE})`);
  }
  // The load saw only successes and 503s (no code or refresh token refused: none was lost).
  const loadKinds = ['client_credentials', 'authorize (form)', 'sign-in (form post)', 'code exchange', 'refresh'];
  const odd = records.filter((r) => loadKinds.includes(r.kind) && (![200, 302, 503].includes(r.status) ||
    r.note && !(r.note === 'temporarily_unavailable' && gap(r))));
  assert.deepEqual(odd.slice(0, 5), [], `${odd.length} load requests answered neither success nor 503`);
  // The load succeeded before and after the failover (through the balancer).
  for (const kind of ['client_credentials', 'code exchange', 'refresh']) {
    assert.ok(records.some((r) => r.kind === kind && r.status === 200 && r.at > recoveredAt), `no ${kind} succeeded after the recovery`);
    const before = records.filter((r) => r.kind === kind && r.end < killedAt);
    assert.ok(before.length > 0 && before.every((r) => r.status === 200), `${kind} before the failover: ${JSON.stringify(before.filter((r) => r.status !== 200).slice(0, 3))}`);
  }
});

itWithPair('after the failover, no code, refresh token or CAS ticket issued before it can be used twice', async () => {
  assert.ok(failedOver, 'the failover test did not get to the failover');
  const [a, b, c] = nodes;
  const pairs = [[a, b], [b, c], [c, a]];
  const outcome = (r) => (r.status === 200 ? 'ok' : `${r.status} ${r.json?.error ?? ''}`.trim());
  const casOutcome = (r) => (r.text?.includes('<cas:authenticationSuccess>') ? 'ok'
    : /code="INVALID_TICKET"/.test(r.text ?? '') ? 'INVALID_TICKET' : `${r.status} ${r.text?.slice(0, 120)}`);

  // First an unused item on two nodes at once: exactly one wins (with a synchronous standby none
  // is lost); one whose use was answered 503 (outcome unknown to the client): at most one.
  // Two refresh answers with the same new token are one use: the second got the first's answer
  // (the grace window of the same second).
  const race = (kind, list, use, ok) => inBatches(list, async (x, i) => {
    const [p, q] = pairs[i % 3];
    const answers = await Promise.all([use(p, x), use(q, x)]);
    const wins = answers.filter(ok);
    return [kind, new Set(wins.map((r) => r.json?.refresh_token ?? r.text)).size, answers];
  });
  const results = [
    ...await race('unused code', items.unusedCodes, (n, x) => redeem('race', n.url, x), (r) => r.status === 200),
    ...await race('unused refresh token', items.unusedRefresh, (n, x) => refresh('race', n.url, x), (r) => r.status === 200),
    ...await race('unused CAS ticket', items.unusedTickets, (n, x) => validate('race', n.url, x), (r) => casOutcome(r) === 'ok'),
    ...await race('doubtful code', items.doubtfulCodes, (n, x) => redeem('race', n.url, x), (r) => r.status === 200),
    ...await race('doubtful refresh token', items.doubtfulRefresh, (n, x) => refresh('race', n.url, x), (r) => r.status === 200),
  ];
  const won = {};
  for (const [kind, wins] of results) {
    won[kind] ??= {};
    won[kind][`${wins} of 2`] = (won[kind][`${wins} of 2`] ?? 0) + 1;
  }
  console.log(`failover: items raced on two nodes after it: ${JSON.stringify(won)}`);
  const twice = results.filter(([, wins]) => wins > 1);
  assert.deepEqual(twice.map(([kind, , answers]) => [kind, answers.map((r) => r.status)]), [], 'an item used twice');
  const lost = results.filter(([kind, wins]) => kind.startsWith('unused') && wins === 0);
  assert.deepEqual(lost.map(([kind, , answers]) => [kind, answers.map((r) => r.text?.slice(0, 150))]), [], 'an unused item lost');
  // Then a used item again, on each node in turn: refused. (After the races: a replayed refresh
  // token or code revokes its family, whose current token may be among the unused ones.) A
  // refresh token used again in the second of its rotation gets that rotation's answer (the
  // grace window, 0 s here, counts whole seconds): wait for that second to pass.
  const graceOver = lastRotation + 1100 - Date.now();
  if (graceOver > 0) await delay(graceOver);
  const replays = [
    ...await inBatches(items.usedCodes, async (x, i) => ['code', outcome(await redeem('replay', nodes[i % 3].url, x))]),
    ...await inBatches(items.usedRefresh, async (x, i) => ['refresh token', outcome(await refresh('replay', nodes[i % 3].url, x))]),
    ...await inBatches(items.usedTickets, async (x, i) => ['CAS ticket', casOutcome(await validate('replay', nodes[i % 3].url, x))]),
  ];
  const replayed = {};
  for (const [kind, o] of replays) {
    replayed[kind] ??= {};
    replayed[kind][o] = (replayed[kind][o] ?? 0) + 1;
  }
  console.log(`failover: used items replayed after it: ${JSON.stringify(replayed)}`);
  assert.deepEqual(replayed, {
    code: { '400 invalid_grant': items.usedCodes.length },
    'refresh token': { '400 invalid_grant': items.usedRefresh.length },
    'CAS ticket': { INVALID_TICKET: items.usedTickets.length },
  });

  // Nothing above was a 500 or a hang either.
  const bad = records.filter((r) => ['replay', 'race'].includes(r.kind) && (r.status === 0 || r.status >= 500));
  assert.deepEqual(bad.slice(0, 5), []);
});

itWithPair('after the failover, cluster events flow on the new primary and every node checks in', async () => {
  assert.ok(failedOver, 'the failover test did not get to the failover');
  const [a, , c] = nodes;
  const app = { client_id: 'after-failover', client_secret: 'after-failover-secret-0123456789' };
  await a.createApplication({ ...app, grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic', redirect_uris: [] });
  const created = Date.now();
  await pollUntil(async () => (await token('new client', c.url, app)).status === 200,
    { what: 'node-c to serve an application created on node-a', deadlineMs: 1000, intervalMs: 20 });
  console.log(`failover: an application created on node-a after it served by node-c ${Date.now() - created} ms later`);
  for (const n of nodes) {
    await pollUntil(async () => {
      const res = await n.admin('GET', '/api/system/nodes');
      return res.status === 200 && res.json.nodes.filter((x) => x.state === 'up').length === 3 && res.json.drift.length === 0;
    }, { what: `${n.url}: three nodes up and no drift`, deadlineMs: 10000, intervalMs: 100 });
  }
});
