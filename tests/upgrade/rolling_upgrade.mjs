// A rolling upgrade from the previous release to this tree under load (issue 15 §4). Run by
// tests/upgrade/rolling_upgrade, which builds the previous release and passes both binaries:
//   GATEHOUSE_OLD_BIN   the previous release's gatehouse
//   GATEHOUSE_BIN       this tree's gatehouse
//   GATEHOUSE_TEST_POSTGRES_URL  a PostgreSQL server (a database of its own is made on it)
//
// Three nodes of the old release on PostgreSQL behind HAProxy (round robin, health checks, retries
// and redispatch as scripts/cluster sets them); state made through the balancer: an application,
// users signed in (SSO session cookies), refresh tokens, access tokens. Then, while a bounded load
// runs through the balancer (client_credentials tokens, refresh rotations, hosted sign-ins with
// their code exchange and an RP-initiated logout, sign-ins by an existing SSO session; every
// response recorded with the node that served it): the new binary's `migrate --dry-run` (changes
// nothing) and `migrate`, then each node in turn stopped with SIGTERM (graceful drain) and started
// again on the new binary with the same configuration, the drift view checked for the mixed
// versions between replacements.
// Afterwards: no request failed, the sessions, refresh tokens, access tokens and application made
// before the upgrade work on the new nodes, and the drift view is empty.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { clusterNode, createDatabase, dropDatabase } from '../e2e/lib/cluster.js';
import { cookieHeader, hidden, storeCookies } from '../e2e/lib/forms.js';
import {
  ADMIN_KEY, BIN, SVC, basicAuth, defaultKickstart, freePort, makeTempDir, ms, pollUntil, removeTempDir, runCli, tail,
} from '../e2e/lib/node.js';

const OLD_BIN = process.env.GATEHOUSE_OLD_BIN;
const NODES = 3;
const PASSWORD = 'upgrade-password-0123';
const WEB = Object.freeze({ client_id: 'web', client_secret: 'web-secret-0123456789' });
const REDIRECT_URI = 'http://127.0.0.1:9/callback'; // never followed
const SIGNED_IN_BEFORE = 4; // users signed in before the upgrade, checked after it
const LOAD_USERS = 6; // users the load signs in

const version = (bin) => execFileSync(bin, ['version']).toString().trim().replace(/^gatehouse /, '');
const psqlValue = (url, sql) => execFileSync('psql', [url, '-tAc', sql]).toString().trim();

// ---------------------------------------------------------------------------------------------
// HAProxy in front of fixed node ports (a replaced node comes back on its port), telling which
// server answered (X-Served-By).

async function startHaproxy(port, nodes) {
  const dir = await makeTempDir('gatehouse-upgrade-haproxy-');
  const cfg = [
    'global', '  maxconn 1024',
    'defaults', '  mode http', '  timeout connect 2s', '  timeout client 30s', '  timeout server 30s',
    '  option redispatch', '  retries 3', '  retry-on conn-failure empty-response response-timeout',
    'frontend gatehouse', `  bind 127.0.0.1:${port}`, '  default_backend nodes',
    'backend nodes', '  balance roundrobin', '  option httpchk GET /api/status', '  http-check expect status 200',
    '  http-response set-header X-Served-By %s',
    ...nodes.map((n) => `  server ${n.name} 127.0.0.1:${n.port} check inter 100ms fall 1 rise 2`),
  ].join('\n');
  await fsp.writeFile(path.join(dir, 'haproxy.cfg'), `${cfg}\n`);
  const child = spawn('haproxy', ['-db', '-f', path.join(dir, 'haproxy.cfg')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill();
      await exited;
    }
    await removeTempDir(dir);
  };
  return { url: `http://127.0.0.1:${port}`, stop, output: () => out, child };
}

// ---------------------------------------------------------------------------------------------
// Requests through the balancer, each recorded.

class Recorder {
  constructor(lb, versions) {
    this.lb = lb;
    this.versions = versions; // server name -> the version it runs now
    this.records = [];
    this.crossings = {}; // "form version→post version" -> hosted sign-ins completed so
  }

  /** One request; `expect(res)` returns '' when the answer is right, else what is wrong. */
  async send(kind, p, { method = 'GET', jar, form, basic, headers = {}, expect }) {
    const h = { ...headers };
    if (jar) h.cookie = cookieHeader(jar);
    if (basic) h.authorization = basicAuth(basic[0], basic[1]);
    const init = { method, redirect: 'manual', headers: h, signal: AbortSignal.timeout(ms(15000)) };
    if (form) {
      init.body = new URLSearchParams(form);
      h['content-type'] = 'application/x-www-form-urlencoded';
    }
    let res;
    const started = Date.now();
    try {
      const r = await fetch(p.startsWith('http') ? p : this.lb + p, init);
      if (jar) storeCookies(jar, r);
      const text = await r.text();
      let json;
      try { json = JSON.parse(text); } catch { json = undefined; }
      const node = r.headers.get('x-served-by') ?? '?';
      res = { status: r.status, text, json, location: r.headers.get('location'), node, version: this.versions[node] ?? '?' };
    } catch (err) {
      res = { status: 0, text: String(err), node: '?', version: '?' };
    }
    const wrong = res.status === 0 ? res.text : expect(res);
    this.records.push({ kind, status: res.status, ok: !wrong, node: res.node, version: res.version, wrong, at: started });
    res.ok = !wrong;
    return res;
  }

  failures() { return this.records.filter((r) => !r.ok); }
  okSince(kind, since, node) {
    return this.records.filter((r) => r.kind === kind && r.ok && r.at >= since && (!node || r.node === node)).length;
  }
}

/** An answer's text for a report: a page's words without its markup, cut short. */
const brief = (text) => String(text).replace(/<head>[\s\S]*<\/head>/i, '').replace(/<[^>]*>/g, ' ')
  .replace(/\s+/g, ' ').trim().slice(0, 160);
const status = (want) => (res) => (res.status === want ? '' : `status ${res.status}: ${brief(res.text)}`);
const codeOf = (res) => {
  if (res.status !== 302 || !res.location?.startsWith(REDIRECT_URI)) return null;
  return new URL(res.location).searchParams.get('code');
};
const redirectsWithCode = (res) => (codeOf(res) ? '' : `no code: status ${res.status} location ${res.location} ${brief(res.text)}`);

/** The hosted sign-in of `username` in a fresh browser; resolves its jar and tokens, or null if a step failed. */
async function signIn(rec, kind, username) {
  const jar = new Map();
  const query = new URLSearchParams({ response_type: 'code', client_id: WEB.client_id, redirect_uri: REDIRECT_URI,
    scope: 'openid', state: 's' });
  const form = await rec.send(`${kind}: login form`, `/oauth2/authorize?${query}`, { jar, expect: status(200) });
  if (!form.ok) return null;
  const posted = await rec.send(`${kind}: form posted`, '/oauth2/login', {
    method: 'POST', jar, form: { tx: hidden(form.text, 'tx'), csrf: hidden(form.text, 'csrf'), username, password: PASSWORD },
    expect: (res) => {
      const wrong = redirectsWithCode(res);
      return wrong ? `${wrong} (form from ${form.node} ${form.version}, posted to ${res.node} ${res.version})` : '';
    },
  });
  if (!posted.ok) return null;
  const crossing = `${form.version}→${posted.version}`;
  rec.crossings[crossing] = (rec.crossings[crossing] ?? 0) + 1;
  const tokens = await redeem(rec, `${kind}: code redeemed`, codeOf(posted));
  return tokens ? { jar, ...tokens } : null;
}

async function redeem(rec, kind, code) {
  const res = await rec.send(kind, '/oauth2/token', {
    method: 'POST', basic: [WEB.client_id, WEB.client_secret],
    form: { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI },
    expect: (r) => (r.status === 200 && r.json?.refresh_token && r.json?.id_token ? '' : `status ${r.status}: ${brief(r.text)}`),
  });
  return res.ok ? { access: res.json.access_token, refresh: res.json.refresh_token, idToken: res.json.id_token } : null;
}

/** A sign-in by the SSO session in `jar`: a code without a form, then redeemed. */
async function ssoSignIn(rec, kind, jar) {
  const query = new URLSearchParams({ response_type: 'code', client_id: WEB.client_id, redirect_uri: REDIRECT_URI,
    scope: 'openid', state: 's' });
  const res = await rec.send(`${kind}: code by session`, `/oauth2/authorize?${query}`, { jar, expect: redirectsWithCode });
  return res.ok ? redeem(rec, `${kind}: code redeemed`, codeOf(res)) : null;
}

function signOut(rec, kind, { jar, idToken }) {
  return rec.send(kind, `/oauth2/logout?${new URLSearchParams({ id_token_hint: idToken })}`, {
    jar, expect: (r) => (r.status === 200 && /signed out/i.test(r.text) ? '' : `status ${r.status}: ${brief(r.text)}`),
  });
}

async function rotate(rec, kind, refresh) {
  const res = await rec.send(kind, '/oauth2/token', {
    method: 'POST', basic: [WEB.client_id, WEB.client_secret], form: { grant_type: 'refresh_token', refresh_token: refresh },
    expect: (r) => (r.status === 200 && r.json?.refresh_token ? '' : `status ${r.status}: ${brief(r.text)}`),
  });
  return res.ok ? res.json.refresh_token : null;
}

const clientCredentials = (rec, kind, client) => rec.send(kind, '/oauth2/token', {
  method: 'POST', basic: [client.client_id, client.client_secret], form: { grant_type: 'client_credentials' },
  expect: (r) => (r.status === 200 && r.json?.access_token ? '' : `status ${r.status}: ${brief(r.text)}`),
});

/**
 * The bounded load: a few loops, each paced, until stop() (or a cap on requests). Each loop keeps
 * its own refresh chain or session, so a failure is one request's, not a cascade's.
 */
function startLoad(rec, { sessions, chains }) {
  let stopping = false;
  const cap = 60000;
  const pace = () => delay(15);
  const loop = async (body) => {
    while (!stopping && rec.records.length < cap) {
      try {
        await body();
      } catch (err) { // a page without its form fields, say: one more failure, the loop goes on
        rec.records.push({ kind: 'load step', status: 0, ok: false, node: '?', version: '?', wrong: String(err), at: Date.now() });
      }
      await pace();
    }
  };
  let n = 0;
  const loops = [
    loop(() => clientCredentials(rec, 'client_credentials', SVC)),
    ...chains.map((chain) => loop(async () => {
      const next = await rotate(rec, 'refresh rotation', chain.refresh);
      if (next) chain.refresh = next;
    })),
    ...[0, 1].map((k) => loop(async () => {
      const signedIn = await signIn(rec, 'hosted sign-in', `load-${(n++ + k) % LOAD_USERS}`);
      // RP-initiated logout of that session (its ID token as the hint: no confirmation page).
      if (signedIn) await signOut(rec, 'hosted sign-in: signed out', signedIn);
    })),
    loop(() => ssoSignIn(rec, 'session sign-in', sessions[n % sessions.length].jar)),
  ];
  return {
    stop: async () => {
      stopping = true;
      await Promise.all(loops);
    },
  };
}

// ---------------------------------------------------------------------------------------------

const admin = (lb, method, p, body) => fetch(lb + p, {
  method, headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
  body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(ms(10000)),
}).then(async (r) => ({ status: r.status, json: await r.json().catch(() => undefined) }));

const clusterView = async (lb) => {
  const res = await admin(lb, 'GET', '/api/system/nodes');
  assert.equal(res.status, 200, JSON.stringify(res.json));
  return res.json;
};

test('a rolling upgrade from the previous release under load loses no request and keeps sessions and tokens',
  { skip: !OLD_BIN ? 'GATEHOUSE_OLD_BIN is not set (run tests/upgrade/rolling_upgrade)' : false }, async (t) => {
    const oldVersion = version(OLD_BIN);
    const newVersion = version(BIN);
    assert.notEqual(oldVersion, newVersion, 'the two binaries report different versions');
    const started = Date.now();
    const database = createDatabase();
    const masterKey = crypto.randomBytes(32).toString('base64url');
    const lbPort = await freePort();
    const lbUrl = `http://127.0.0.1:${lbPort}`;
    const nodes = [];
    let lb;
    const versions = {};
    const log = (line) => t.diagnostic(line);
    try {
      // 1. The old cluster: node-1 first (it migrates and applies the kickstart file), then the others.
      const kickstart = defaultKickstart();
      kickstart.applications.push({ ...WEB, client_name: 'Web', grant_types: ['authorization_code', 'refresh_token'],
        token_endpoint_auth_method: 'client_secret_basic', redirect_uris: [REDIRECT_URI], scope: 'openid' });
      kickstart.users = [...Array(SIGNED_IN_BEFORE).keys()].map((i) => ({ username: `before-${i}`, password: PASSWORD }))
        .concat([...Array(LOAD_USERS).keys()].map((i) => ({ username: `load-${i}`, password: PASSWORD })));
      for (let i = 1; i <= NODES; i++) {
        const node = await clusterNode(`node-${i}`, {
          database, masterKey, bin: OLD_BIN, kickstart: i === 1 ? kickstart : false,
          config: {
            server: { public_url: lbUrl, drain_delay: '1s', shutdown_grace: '5s' },
            cluster: { checkin_interval_ms: 500, instance_timeout_ms: 5000, instance_recovery_timeout_ms: 10000,
              checkin_offset_ms: (i - 1) * 100 },
          },
        });
        node.name = `node-${i}`;
        nodes.push(node);
        versions[node.name] = oldVersion;
      }
      lb = await startHaproxy(lbPort, nodes);
      await pollUntil(async () => (await clusterView(lbUrl)).nodes.filter((n) => n.state === 'up' && n.version === oldVersion).length === NODES,
        { what: `${NODES} nodes of ${oldVersion} up`, deadlineMs: 20000 });
      const schemaBefore = psqlValue(database, 'SELECT max(version) FROM schema_migrations');
      log(`old cluster: ${NODES} nodes of ${oldVersion}, schema ${schemaBefore}`);

      // 2. State made on the old release.
      const rec = new Recorder(lbUrl, versions);
      const madeBefore = { client_id: 'made-before', client_secret: 'made-before-secret-0123456789' };
      const created = await admin(lbUrl, 'POST', '/api/applications', { ...madeBefore, client_name: 'Made before',
        grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic', scope: 'api:read', redirect_uris: [] });
      assert.equal(created.status, 201, JSON.stringify(created.json));
      const before = [];
      for (let i = 0; i < SIGNED_IN_BEFORE; i++) before.push(await signIn(rec, 'before the upgrade', `before-${i}`));
      const loadSessions = [];
      for (let i = 0; i < 2; i++) loadSessions.push(await signIn(rec, 'before the upgrade', `load-${i}`));
      assert.deepEqual(rec.failures(), [], 'the state is made on the old release');
      const chains = loadSessions.map((s) => ({ refresh: s.refresh }));

      // 3. Under load: the new release's migrations, then the nodes replaced one by one.
      const load = startLoad(rec, { sessions: loadSessions, chains });
      const steady = async (since, what, node) => pollUntil(() => ['client_credentials', 'refresh rotation',
        'hosted sign-in: code redeemed', 'hosted sign-in: signed out', 'session sign-in: code redeemed'].every((k) => rec.okSince(k, since, node) >= 2),
      { what, deadlineMs: 30000 });
      try {
        await steady(Date.now(), 'the load running on the old release');
        const dry = await runCli(['migrate', '--dry-run', '--config', nodes[0].configFile],
          { bin: BIN, env: { GATEHOUSE_KEYS_MASTER_KEY: masterKey } });
        assert.equal(dry.code, 0, dry.stdout + dry.stderr);
        assert.match(dry.stdout, new RegExp(`^schema version ${schemaBefore}, this binary knows \\d+: \\d+ migration\\(s\\) pending`));
        assert.equal(psqlValue(database, 'SELECT max(version) FROM schema_migrations'), schemaBefore, 'a dry run changes nothing');
        const pending = [...dry.stdout.matchAll(/^(\d{4}) \w+: \d+ statement\(s\)$/gm)].map((m) => Number(m[1]));
        assert.ok(pending.length > 0 && pending.every((v) => v > Number(schemaBefore)), dry.stdout);
        log(`migrate --dry-run:\n${dry.stdout.split('\n').filter((l) => /^\d{4} /.test(l)).join('\n')}`);
        const migrateStarted = Date.now();
        const migrated = await runCli(['migrate', '--config', nodes[0].configFile],
          { bin: BIN, env: { GATEHOUSE_KEYS_MASTER_KEY: masterKey } });
        assert.equal(migrated.code, 0, migrated.stdout + migrated.stderr);
        log(`migrate (${Date.now() - migrateStarted} ms, under load): ${migrated.stdout.trim()}`);
        await steady(Date.now(), `the ${oldVersion} nodes serving on the new schema`);

        for (const node of nodes) {
          const t0 = Date.now();
          await node.stop({ deadlineMs: 20000 }); // SIGTERM: drains, exits 0
          node.bin = BIN;
          versions[node.name] = newVersion;
          await node.launch({ deadlineMs: 30000 });
          await pollUntil(async () => (await clusterView(lbUrl)).nodes
            .some((n) => n.node_id === node.name && n.state === 'up' && n.version === newVersion),
          { what: `${node.name} up on ${newVersion}`, deadlineMs: 20000 });
          await steady(Date.now(), `load served by the new ${node.name}`, node.name);
          const view = await clusterView(lbUrl);
          const drift = view.drift.find((line) => line.startsWith('version differs'));
          log(`${node.name} replaced in ${Date.now() - t0} ms; drift: ${JSON.stringify(view.drift)}`);
          if (node !== nodes.at(-1)) {
            assert.ok(drift?.includes(oldVersion) && drift.includes(newVersion), `the drift view shows both versions: ${JSON.stringify(view.drift)}`);
            // Login forms cross between the releases both ways (shown by one, posted to the other).
            await pollUntil(() => rec.crossings[`${oldVersion}→${newVersion}`] && rec.crossings[`${newVersion}→${oldVersion}`],
              { what: `hosted sign-ins across versions (so far ${JSON.stringify(rec.crossings)})`, deadlineMs: 30000 });
          }
          await steady(Date.now(), 'the load running on the mixed cluster');
        }
      } finally {
        await load.stop();
      }

      // 4. Afterwards.
      const after = await pollUntil(async () => {
        const view = await clusterView(lbUrl);
        return view.drift.length === 0 ? view : null;
      }, { what: 'no drift', deadlineMs: 10000 });
      assert.deepEqual(after.nodes.filter((n) => n.state === 'up').map((n) => n.version), Array(NODES).fill(newVersion));
      const check = new Recorder(lbUrl, versions);
      for (const [i, s] of before.entries()) {
        assert.ok(await ssoSignIn(check, `session of before-${i}`, s.jar), `the SSO session of before-${i} works`);
        assert.ok(await rotate(check, `refresh token of before-${i}`, s.refresh), `the refresh token of before-${i} works`);
        const info = await check.send(`access token of before-${i}`, '/oauth2/userinfo',
          { headers: { authorization: `Bearer ${s.access}` }, expect: status(200) });
        assert.ok(info.ok, `the access token of before-${i} works at userinfo: ${info.status} ${info.text}`);
      }
      assert.ok((await clientCredentials(check, 'application made before', madeBefore)).ok, 'the application made before');

      // 5. Every response of the load.
      const byKind = {};
      for (const r of rec.records) {
        const k = (byKind[r.kind] ??= { sent: 0, failed: 0 });
        k.sent++;
        if (!r.ok) k.failed++;
      }
      for (const [kind, k] of Object.entries(byKind)) log(`${kind}: ${k.sent} sent, ${k.failed} failed`);
      log(`hosted sign-ins by the versions that showed and took the form: ${JSON.stringify(rec.crossings)}`);
      log(`the whole test: ${((Date.now() - started) / 1000).toFixed(1)} s`);
      const failures = rec.failures();
      const grouped = {};
      for (const f of failures) {
        const key = `${f.kind} → ${f.status} on ${f.node} (${f.version}): ${f.wrong.replace(/tx=[^&\s]+/g, 'tx=…').slice(0, 240)}`;
        grouped[key] = (grouped[key] ?? 0) + 1;
      }
      assert.deepEqual(grouped, {}, `failed requests during the upgrade (${failures.length} of ${rec.records.length}):\n` +
        Object.entries(grouped).map(([k, n]) => `  ${n} × ${k}`).join('\n'));
    } catch (err) {
      for (const node of nodes) log(`--- ${node.name} (${versions[node.name]}) ---\n${tail(node.output(), 30)}`);
      throw err;
    } finally {
      await lb?.stop();
      for (const node of nodes) await node.cleanup().catch(() => {});
      dropDatabase(database);
    }
  });
