// The faults of the chaos suite, one at a time. Each has:
//   inject(env)    puts the fault in place (returns once it is);
//   during(env)    assertions while it lasts (runs beside the hold, must finish within it);
//   undo(env)      ends it; the time to recover is counted from the moment undo starts;
//   expected       what failures the load may see, in words (printed with the row);
//   check(phase)   those bounds as code: a list of broken ones (empty: the row passes).
// env: {nodes, byId, lb, pg, redis, ns, holdMs, errors (push a string to fail the row), note()}.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { pollUntil } from '../../e2e/lib/node.js';
import { libfaketime, onExit } from './infra.mjs';
import { REDIRECT_URI, SVC, USERS, WEB } from './load.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const LOOPS = 4;  // concurrent load loops: at most this many requests are in flight at once
const CLOCK_AHEAD_S = 90;
const NET_DELAY_MS = 200;
const NET_LOSS = 0.2;
const NFQUEUE = 4242;

// ---------------------------------------------------------------------------------------------
// Bounds shared by the faults.

/** One line per kind of failure that `bad` picks: "why: label ×n (server, body of the first)". */
function grouped(phase, bad, why) {
  const groups = new Map();
  for (const f of phase.failures.filter(bad)) {
    const g = groups.get(f.label) ?? { n: 0, first: f };
    g.n += 1;
    groups.set(f.label, g);
  }
  return [...groups].map(([label, { n, first }]) =>
    `${why}: ${label} ×${n} (first from ${first.server ?? 'no node'} after ${first.ms} ms: ${first.body.slice(0, 160)})`);
}

/** Never acceptable, in any fault: a hang (the 10 s timeout), a 5xx other than 503, a bug in the load. */
function neverAllowed(phase) {
  return [
    ...grouped(phase, (f) => f.status === 'timeout', 'a request hung past 10 s'),
    ...grouped(phase, (f) => /^5\d\d$/.test(f.status) && f.status !== '503', 'a server error'),
    ...grouped(phase, (f) => f.status === 'load error', 'the load itself failed'),
  ];
}

/** "The store is unavailable, retry": 503 with Retry-After, or the authorization endpoint's
 * temporarily_unavailable at the client's redirect_uri (RFC 6749 §4.1.2.1, it cannot answer 503
 * to a browser on the client's behalf). */
const storeUnavailable = (f) => (f.status === '503' && Boolean(f.retryAfter)) || f.redirectError === 'temporarily_unavailable';

/** Only "store unavailable" answers (from a node, or HAProxy's own 503 when no node is up). */
function onlyStoreUnavailable(phase) {
  return grouped(phase, (f) => !storeUnavailable(f) && f.status !== 'timeout', 'not a 503 with Retry-After (nor temporarily_unavailable)');
}

function noFailures(phase) {
  return grouped(phase, (f) => f.status !== 'timeout', 'unexpected failure');
}

/**
 * The requests in flight on one node when it died or froze: at most one per load loop. A
 * non-idempotent request the node had begun (a code redeemed, a form posted) cannot be replayed
 * elsewhere by HAProxy without being refused there, so those few may fail, with a 4xx; nothing else.
 */
function onlyInFlight(phase) {
  const out = [];
  if (phase.failures.length > LOOPS) out.push(`${phase.failures.length} failures, more than the ${LOOPS} requests that can be in flight on one node`);
  out.push(...grouped(phase, (f) => !/^4\d\d$/.test(f.status) && f.status !== 'timeout', 'not a refused in-flight request'));
  return out;
}

/** A slow or lossy database link: "store unavailable" answers, or in-flight 4xx HAProxy could not replay. */
function slowLink(phase) {
  return grouped(phase, (f) => !storeUnavailable(f) && !/^4\d\d$/.test(f.status) && f.status !== 'timeout', 'unexpected');
}

/** Polls HAProxy until `nodeId` is in state `want` (DOWN or UP); returns the time it took. */
async function balancerSees(env, nodeId, want, deadlineMs) {
  const t0 = Date.now();
  await pollUntil(async () => (await env.lb.servers())[nodeId]?.status === want,
    { what: `HAProxy to mark ${nodeId} ${want}`, deadlineMs, intervalMs: 50 });
  return Date.now() - t0;
}

// ---------------------------------------------------------------------------------------------
// Clock skew: what the node must show, and that nothing it issued is taken.

/** The members of `obj` (recursively) whose key names a skew, with numeric values. */
function skewValues(obj, out = []) {
  if (obj && typeof obj === 'object') {
    for (const [k, v] of Object.entries(obj)) {
      if (/skew/i.test(k) && typeof v === 'number') out.push({ key: k, value: v });
      else skewValues(v, out);
    }
  }
  return out;
}

/** Asks the skewed node itself for a token and for a code; a healthy node must refuse both. */
async function issuedWithWrongClock(env, skewed, healthy) {
  const errors = [];
  const form = 'application/x-www-form-urlencoded';
  const basic = (c) => `Basic ${Buffer.from(`${c.client_id}:${c.client_secret}`).toString('base64')}`;
  const post = (node, p, params, client) => fetch(`${node.url}${p}`, {
    method: 'POST', headers: { 'content-type': form, authorization: basic(client) }, body: new URLSearchParams(params),
    redirect: 'manual', signal: AbortSignal.timeout(10000),
  });
  // A client_credentials token from the skewed node: refused there, or inactive everywhere else.
  const tok = await post(skewed, '/oauth2/token', { grant_type: 'client_credentials', scope: 'api:read' }, SVC);
  const tokJson = await tok.json().catch(() => ({}));
  if (tok.status === 200) {
    const intro = await (await post(healthy, '/oauth2/introspect', { token: tokJson.access_token }, SVC)).json();
    if (intro.active) errors.push(`a token the skewed node issued (iat ${intro.iat}, ${intro.iat - Math.floor(Date.now() / 1000)} s ahead) is active on ${healthy.nodeId}`);
    env.note(`skewed node issued a client_credentials token (HTTP 200); ${healthy.nodeId} introspects it active=${intro.active}`);
  } else {
    env.note(`skewed node refused a client_credentials token: ${tok.status} ${tokJson.error ?? ''}`);
  }
  // A sign-in on the skewed node: no code, or a code a healthy node refuses.
  const url = new URL(`${skewed.url}/oauth2/authorize`);
  url.search = new URLSearchParams({ response_type: 'code', client_id: WEB.client_id, redirect_uri: REDIRECT_URI, scope: 'openid', state: 'skew' });
  const page = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(10000) });
  const text = await page.text();
  const csrf = /gh_csrf=([^;]+)/.exec(page.headers.get('set-cookie') ?? '')?.[1];
  const field = (name) => new RegExp(`name="${name}" value="([^"]*)"`).exec(text)?.[1] ?? '';
  if (page.status !== 200 || !csrf) {
    env.note(`skewed node did not show the sign-in form: ${page.status}`);
    return errors;
  }
  const login = await fetch(`${skewed.url}/oauth2/login`, {
    method: 'POST', redirect: 'manual', signal: AbortSignal.timeout(10000),
    headers: { 'content-type': form, cookie: `gh_csrf=${csrf}` },
    body: new URLSearchParams({ tx: field('tx'), csrf: field('csrf'), username: USERS[0].username, password: USERS[0].password }),
  });
  await login.text();
  const code = login.headers.get('location') ? new URL(login.headers.get('location')).searchParams.get('code') : null;
  if (!code) {
    env.note(`skewed node issued no code: ${login.status}`);
    return errors;
  }
  const redeemed = await post(healthy, '/oauth2/token', { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI }, WEB);
  await redeemed.text();
  env.note(`skewed node issued a code; ${healthy.nodeId} answers its redemption ${redeemed.status}`);
  if (redeemed.status === 200) errors.push(`a code the skewed node issued was redeemed on ${healthy.nodeId}`);
  return errors;
}

// ---------------------------------------------------------------------------------------------
// The network link of the namespace's node to PostgreSQL.

function dbRule(env) {
  return ['OUTPUT', '-p', 'tcp', '-d', env.ns.hostAddr, '--dport', String(env.pg.port)];
}

async function startDelay(env) {
  const child = spawn('ip', ['netns', 'exec', env.ns.name, 'python3', path.join(here, 'nfq_delay.py'), String(NFQUEUE), String(NET_DELAY_MS)],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  const kill = onExit(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  await pollUntil(() => {
    if (child.exitCode !== null) throw new Error(`nfq_delay.py exited: ${out}`);
    return /ready/.test(out);
  }, { what: 'nfq_delay.py to bind its queue', deadlineMs: 10000 });
  await env.ns.exec(['iptables-legacy', '-A', ...dbRule(env), '-j', 'NFQUEUE', '--queue-num', String(NFQUEUE), '--queue-bypass']);
  env.delayHelper = { child, kill, output: () => out };
}

async function stopDelay(env) {
  await env.ns.exec(['iptables-legacy', '-D', ...dbRule(env), '-j', 'NFQUEUE', '--queue-num', String(NFQUEUE), '--queue-bypass']);
  const { child, kill } = env.delayHelper;
  const exited = new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));
  child.kill('SIGTERM');
  await Promise.race([exited, delay(5000)]);
  kill();
}

const lossArgs = ['-m', 'statistic', '--mode', 'random', '--probability', String(NET_LOSS), '-j', 'DROP'];

// ---------------------------------------------------------------------------------------------
// The list.

export const FAULTS = [
  {
    id: 'kill9',
    name: 'kill -9 node-1',
    expected: 'at most the requests in flight on node-1 (one per load loop), refused with a 4xx; nothing else',
    async inject(env) {
      await env.byId['node-1'].kill('SIGKILL');
    },
    async during(env) {
      env.note(`HAProxy marked node-1 DOWN after ${await balancerSees(env, 'node-1', 'DOWN', 5000)} ms`);
    },
    async undo(env) {
      await env.byId['node-1'].start();
    },
    check: (phase) => [...neverAllowed(phase), ...onlyInFlight(phase)],
  },
  {
    id: 'sigstop',
    name: 'SIGSTOP node-2',
    expected: 'at most the requests in flight on node-2 when it froze (HAProxy retries them elsewhere after its 3 s server timeout); nothing else',
    async inject(env) {
      await env.byId['node-2'].kill('SIGSTOP');
    },
    async during(env) {
      env.note(`HAProxy marked node-2 DOWN after ${await balancerSees(env, 'node-2', 'DOWN', 5000)} ms`);
    },
    async undo(env) {
      await env.byId['node-2'].kill('SIGCONT');
    },
    check: (phase) => [...neverAllowed(phase), ...onlyInFlight(phase)],
  },
  {
    id: 'clock',
    name: `node-1 clock +${CLOCK_AHEAD_S} s`,
    expected: 'none: node-1 is stopped cleanly, restarted with its clock ahead, must be kept out by its own 503, and is restarted cleanly',
    async inject(env) {
      const lib = libfaketime();
      if (!lib) throw new Error('libfaketime not found (Debian package faketime: scripts/bootstrap)');
      const node = env.byId['node-1'];
      await node.stop();
      // Counted once the old process has exited: it serves its in-flight and drain-time requests.
      const before = (await env.lb.servers())['node-1'].served;
      // The whole process sees the wall clock ahead; monotonic clocks (timers) are left alone.
      await node.start({
        env: { LD_PRELOAD: lib, FAKETIME: `+${CLOCK_AHEAD_S}s`, FAKETIME_DONT_FAKE_MONOTONIC: '1', FAKETIME_NO_CACHE: '1' },
        accept: (s) => s.status === 200 || s.status === 503,
      });
      env.skewStot = before;
    },
    async during(env) {
      const node = env.byId['node-1'];
      // The node may need a check-in to measure its skew against the database: poll (bounded
      // by the hold) for the 503 that names it and for the skew in /api/system/nodes.
      const deadline = Date.now() + Math.min(env.holdMs, 10000);
      const nodesSeen = async () => {
        const res = await fetch(`${env.byId['node-2'].url}/api/system/nodes`,
          { headers: { authorization: `Bearer ${env.adminKey}` }, signal: AbortSignal.timeout(5000) });
        return (await res.json()).nodes?.find((n) => n.node_id === 'node-1');
      };
      const plausible = (entry) => skewValues(entry).some(({ value }) =>
        Math.abs(Math.abs(value) - CLOCK_AHEAD_S * 1000) < 15000 || Math.abs(Math.abs(value) - CLOCK_AHEAD_S) < 15);
      let status;
      let entry;
      for (;;) {
        status = await node.status(2000);
        entry = await nodesSeen().catch(() => undefined);
        const shown = status?.status === 503 && /skew|clock/i.test(status.text) && plausible(entry);
        if (shown || Date.now() > deadline) break;
        await delay(200);
      }
      env.note(`skewed node-1 /api/status: ${status?.status} ${status?.text}`);
      env.note(`/api/system/nodes entry of node-1: ${JSON.stringify(entry)}`);
      if (status?.status !== 503) env.errors.push(`node-1 with its clock ${CLOCK_AHEAD_S} s ahead answers /api/status ${status?.status}, not 503`);
      else if (!/skew|clock/i.test(status.text)) env.errors.push(`node-1's 503 does not name the clock skew: ${status.text}`);
      if (!plausible(entry)) env.errors.push(`/api/system/nodes shows no skew of about ${CLOCK_AHEAD_S} s for node-1 (members naming a skew: ${JSON.stringify(skewValues(entry))})`);
      // Taken out by HAProxy (the load is checked in undo: nothing sent to it).
      const servers = await env.lb.servers();
      if (!/DOWN/.test(servers['node-1'].status)) env.errors.push(`HAProxy has the skewed node-1 ${servers['node-1'].status}`);
      env.errors.push(...await issuedWithWrongClock(env, node, env.byId['node-2']));
    },
    async undo(env) {
      const node = env.byId['node-1'];
      // Requests HAProxy sent before its check took node-1 out are refused there (503) and sent on
      // to another node (retry-on 503): the skewed node itself answers none of them.
      const served = (await env.lb.servers())['node-1'].served;
      if (served !== env.skewStot) env.errors.push(`the skewed node-1 answered ${served - env.skewStot} request(s) of the load itself`);
      await node.stop();
      await node.start();
    },
    check: (phase) => [...neverAllowed(phase), ...noFailures(phase)],
  },
  {
    id: 'redis',
    name: 'Redis kill -9, restart',
    expected: 'none: a node uses the database while Redis does not answer',
    async inject(env) { await env.redis.kill(); },
    async undo(env) { await env.redis.start(); },
    check: (phase) => [...neverAllowed(phase), ...noFailures(phase)],
  },
  {
    id: 'redis-full',
    name: 'Redis refuses connections (maxclients), node-2 restarted meanwhile',
    expected: 'none: the nodes\' connections are closed and new ones refused with an error, node-2 starts without Redis; a node uses the database meanwhile',
    async inject(env) {
      await env.redis.refuseClients();
      // A node (re)started while Redis turns it away: its first connection is refused from the start.
      await env.byId['node-2'].stop();
      await env.byId['node-2'].start();
    },
    async undo(env) { await env.redis.acceptClients(); },
    check: (phase) => [...neverAllowed(phase), ...noFailures(phase)],
  },
  {
    id: 'pg-fast',
    name: 'PostgreSQL stop -m fast, start',
    expected: 'while it is down: only 503 with Retry-After (from the nodes, or HAProxy once every node reports the store down), or temporarily_unavailable at the redirect_uri from the authorization endpoint',
    async inject(env) { await env.pg.stop('fast'); },
    async undo(env) { await env.pg.start(); },
    check: (phase) => [...neverAllowed(phase), ...onlyStoreUnavailable(phase)],
  },
  {
    id: 'pg-immediate',
    name: 'PostgreSQL stop -m immediate, start',
    expected: 'as -m fast (the server runs crash recovery at start; with synchronous commits nothing committed is lost)',
    async inject(env) { await env.pg.stop('immediate'); },
    async undo(env) { await env.pg.start(); },
    check: (phase) => [...neverAllowed(phase), ...onlyStoreUnavailable(phase)],
  },
  {
    id: 'net-delay',
    name: `node-3 to database +${NET_DELAY_MS} ms`,
    expected: 'slower answers from node-3; failures only 503 with Retry-After or what HAProxy could not replay after its server timeout (in flight on node-3, a 4xx)',
    async inject(env) { await startDelay(env); },
    async undo(env) { await stopDelay(env); },
    check: (phase) => [...neverAllowed(phase), ...slowLink(phase)],
  },
  {
    id: 'net-loss',
    name: `node-3 to database ${NET_LOSS * 100} % loss`,
    expected: 'as the delay: retransmissions slow node-3; failures only 503 with Retry-After or in-flight 4xx',
    async inject(env) { await env.ns.exec(['iptables-legacy', '-A', ...dbRule(env), ...lossArgs]); },
    async undo(env) { await env.ns.exec(['iptables-legacy', '-D', ...dbRule(env), ...lossArgs]); },
    check: (phase) => [...neverAllowed(phase), ...slowLink(phase)],
  },
];
