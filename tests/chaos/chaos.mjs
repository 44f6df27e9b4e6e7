// The chaos suite (issue 15 §2): a 3-node cluster with PostgreSQL, Redis and HAProxy under a
// mixed, bounded load, and faults injected one at a time. See tests/chaos/run for the usage and
// docs/OPERATIONS.md, "Chaos suite", for what each fault checks.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { BIN, freePort } from '../e2e/lib/node.js';
import { ChaosNode, createNamespace, onExit, startBalancer, startPostgres, startRedis } from './lib/infra.mjs';
import { FAULTS, LOOPS } from './lib/faults.mjs';
import { Ledger, Recorder, SVC, USERS, WEB, REDIRECT_URI, replay, startLoad } from './lib/load.mjs';

const USAGE = `Usage: tests/chaos/run [--short] [--only=ID,ID...] [--keep]
  --short   each fault held ~3 s (what scripts/test runs); otherwise CHAOS_SECONDS (default 20)
  --only    run only these faults: ${FAULTS.map((f) => f.id).join(', ')}
  --keep    keep the folder with the node, HAProxy and PostgreSQL logs (kept anyway on failure)
Environment: GATEHOUSE_BIN (default build/src/app/gatehouse), CHAOS_SECONDS,
  CHAOS_HAPROXY_TIMEOUT_SERVER (default 3s).`;

function parseArgs(argv) {
  const opts = { short: false, only: null, keep: false };
  for (const arg of argv) {
    if (arg === '--short') opts.short = true;
    else if (arg === '--keep') opts.keep = true;
    else if (arg.startsWith('--only=')) opts.only = arg.slice(7).split(',').filter(Boolean);
    else if (arg === '-h' || arg === '--help') { console.log(USAGE); process.exit(0); }
    else { console.error(`chaos: unknown option ${arg}\n${USAGE}`); process.exit(64); }
  }
  const unknown = (opts.only ?? []).filter((id) => !FAULTS.some((f) => f.id === id));
  if (unknown.length) { console.error(`chaos: unknown fault(s) ${unknown.join(', ')}\n${USAGE}`); process.exit(64); }
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
const seconds = Number(process.env.CHAOS_SECONDS || 20);
if (!(seconds >= 1 && seconds <= 600)) { console.error('chaos: CHAOS_SECONDS must be 1..600'); process.exit(64); }
const HOLD_MS = opts.short ? 3000 : seconds * 1000;         // how long each fault lasts
const QUIET_MS = opts.short ? 1500 : 5000;                  // clean load wanted before and after each fault
const RECOVERY_DEADLINE_MS = 60000;
const REFRESH_GRACE_S = 2;                                  // tokens.refresh_grace of the nodes
const REPLAY_AGE_MS = REFRESH_GRACE_S * 1000 + 1000;        // a reuse inside the grace window is answered, by design
const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
let keepLogs = opts.keep;  // set on failure too
const log = (msg) => console.log(`[${elapsed().padStart(6)}] ${msg}`);

// ---------------------------------------------------------------------------------------------
// The cluster.

async function startCluster(dir) {
  const ns = createNamespace();
  log(`namespace ${ns.name}: host ${ns.hostAddr}, node-3 ${ns.nsAddr}`);
  const pg = startPostgres(ns);
  log(`PostgreSQL on 127.0.0.1 and ${ns.hostAddr}, port ${pg.port} (synchronous_commit on)`);
  const redis = await startRedis(ns);
  log(`Redis on port ${redis.port}`);

  const adminKey = `chaos-admin-${crypto.randomBytes(12).toString('hex')}`;
  const masterKey = crypto.randomBytes(32).toString('base64url');
  const kickstart = path.join(dir, 'kickstart.json');
  fs.writeFileSync(kickstart, JSON.stringify({
    api_keys: [{ key: adminKey, description: 'chaos suite' }],
    applications: [
      { ...SVC, client_name: 'Service', grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic', scope: 'api:read api:write', redirect_uris: [] },
      { ...WEB, client_name: 'Web', grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'client_secret_basic', scope: '', redirect_uris: [REDIRECT_URI] },
    ],
    users: USERS,
  }));
  const config = {
    server: { public_url: 'http://gatehouse.test', drain_delay: '1s', shutdown_grace: '5s' },
    database: { url: pg.nodeUrl },
    keys: { master_key_file: '' },
    tokens: { access_token_ttl: '900s', code_ttl: '10m', refresh_grace: `${REFRESH_GRACE_S}s` },
    passwords: { memory_kib: 256, iterations: 1 },
    cache: { redis_url: redis.url },
    cluster: { enabled: true, checkin_interval_ms: 500, instance_timeout_ms: 2000, instance_recovery_timeout_ms: 4000 },
    bootstrap: { kickstart },
  };
  const env = { GATEHOUSE_KEYS_MASTER_KEY: masterKey };
  const nodes = [
    new ChaosNode({ nodeId: 'node-1', host: '127.0.0.1', port: await freePort(), netns: null, config, env, dir }),
    new ChaosNode({ nodeId: 'node-2', host: '127.0.0.1', port: await freePort(), netns: null, config, env, dir }),
    new ChaosNode({ nodeId: 'node-3', host: ns.nsAddr, port: await freePort(), netns: ns.name, config, env, dir }),
  ];
  await nodes[0].start();  // migrations and the kickstart, once
  await Promise.all(nodes.slice(1).map((n) => n.start()));
  log(`nodes up: ${nodes.map((n) => `${n.nodeId} ${n.url}`).join(', ')}`);
  const lb = await startBalancer(nodes, dir, { timeoutServer: process.env.CHAOS_HAPROXY_TIMEOUT_SERVER || '3s' });
  log(`HAProxy on ${lb.url}`);
  return { ns, pg, redis, nodes, byId: Object.fromEntries(nodes.map((n) => [n.nodeId, n])), lb, adminKey };
}

// ---------------------------------------------------------------------------------------------
// Recovery: every node answers 200 on /api/status, HAProxy has them all UP, and the load has run
// QUIET_MS without a failure since.

async function waitRecovered(cluster, phase, undoneAt) {
  let okSince = null;
  const goodAt = [];  // [time, phase.good], to see that the load ran in the clean stretch
  for (;;) {
    const now = Date.now();
    goodAt.push([now, phase.good]);
    const statuses = await Promise.all(cluster.nodes.map((n) => n.status(1000)));
    const servers = await cluster.lb.servers().catch(() => ({}));
    const allUp = statuses.every((s) => s?.status === 200) && cluster.nodes.every((n) => servers[n.nodeId]?.status === 'UP');
    okSince = allUp ? okSince ?? now : null;
    if (okSince) {
      const since = Math.max(okSince, phase.lastFailureAt());
      const goodThen = goodAt.filter(([t]) => t <= since).at(-1)?.[1] ?? 0;
      if (now - since >= QUIET_MS && phase.good - goodThen >= 5) return { recoveryMs: Math.max(0, since - undoneAt) };
    }
    if (now - undoneAt > RECOVERY_DEADLINE_MS) {
      const why = cluster.nodes.map((n, i) => `${n.nodeId}: status ${statuses[i]?.status ?? 'no answer'}, HAProxy ${servers[n.nodeId]?.status}`);
      return { recoveryMs: null, error: `not recovered within ${RECOVERY_DEADLINE_MS / 1000} s (${why.join('; ')}; last failure ${phase.lastFailureAt() ? new Date(phase.lastFailureAt()).toISOString() : 'none'})` };
    }
    await delay(100);
  }
}

/** One fault: inject, hold (with its checks), undo, recover, replay the used one-time items, quiet. */
async function runFault(fault, cluster, rec, ledger) {
  const phase = rec.begin(fault.name);
  const errors = [];
  const notes = [];
  const env = { ...cluster, holdMs: HOLD_MS, errors, note: (n) => notes.push(n) };
  log(`fault: ${fault.name} for ${HOLD_MS / 1000} s`);
  try {
    await fault.inject(env);
    const injectedAt = Date.now();
    if (fault.during) await fault.during(env).catch((err) => errors.push(`during the fault: ${err.message}`));
    const left = HOLD_MS - (Date.now() - injectedAt);
    if (left > 0) await delay(left);  // the fault's length, not a wait for a condition
  } catch (err) {
    errors.push(`injecting the fault: ${err.stack ?? err.message}`);
  }
  const undoneAt = Date.now();
  try {
    await fault.undo(env);
  } catch (err) {
    errors.push(`ending the fault: ${err.stack ?? err.message}`);
  }
  // A node that died during the fault is an error of its own; it is started again (same id) so
  // the rest of the run goes on.
  for (const node of cluster.nodes) {
    if (node.running) continue;
    errors.push(`${node.nodeId} died during the fault (${JSON.stringify(node.exited)}); its last lines: ${node.output().trim().split('\n').slice(-3).join(' | ').slice(0, 600)}`);
    await node.start().catch((err) => errors.push(`${node.nodeId} could not be started again: ${err.message.slice(0, 300)}`));
  }
  const recovered = await waitRecovered(cluster, phase, undoneAt);
  if (recovered.error) errors.push(recovered.error);
  phase.endedAt = Date.now();
  phase.recoveryMs = recovered.recoveryMs;

  // The quiet stretch after it: the used one-time items are replayed, the load must not fail.
  // Every item used until the end of the fault's phase is replayed, once past the grace window.
  const quiet = rec.begin(`quiet after ${fault.id}`);
  const graceLeft = phase.endedAt + REPLAY_AGE_MS - Date.now();
  if (graceLeft > 0) await delay(graceLeft);  // the grace window's length, not a condition
  const replayed = await replay(ledger, cluster.nodes, phase.endedAt);
  const quietLeft = QUIET_MS - (Date.now() - quiet.startedAt);
  if (quietLeft > 0) await delay(quietLeft);
  phase.replay = replayed;
  const few = (list) => `${list.slice(0, 3).join('; ')}${list.length > 3 ? `; and ${list.length - 3} more` : ''}`;
  if (replayed.accepted) {
    errors.push(`${replayed.accepted} one-time item(s) accepted twice${replayed.again ? ` (${replayed.again} of them refresh tokens answered again with their first answer, past the ${REFRESH_GRACE_S} s grace window)` : ''}: ${few(replayed.acceptedItems)}`);
  }
  if (replayed.other.length) errors.push(`replays answered neither 200 nor invalid_grant: ${few(replayed.other)}`);
  if (quiet.failed) errors.push(`${quiet.failed} failure(s) in the quiet stretch after the fault: ${quiet.failureSummary()}`);
  errors.push(...fault.check(phase));
  phase.errors = errors;
  phase.notes = notes;
  for (const n of notes) log(`  ${n}`);
  log(`  ${phase.sent} sent, ${phase.failed} failed${phase.failed ? ` (${phase.failureSummary()})` : ''}, ${phase.lostSignIns} sign-ins lost, `
    + `${replayed.checked} one-time items replayed (${replayed.accepted} accepted twice), recovered in `
    + `${phase.recoveryMs === null ? 'never' : `${(phase.recoveryMs / 1000).toFixed(2)} s`}, slowest answer ${phase.maxMs} ms`);
  for (const e of errors) log(`  FAIL: ${e}`);
  return phase;
}

function printTable(rows, baseline) {
  const head = ['fault', 'sent', 'failed (status)', 'lost mid-form', 'accepted twice', 'recovery', 'slowest', 'result'];
  const body = rows.map((p) => [
    p.name, String(p.sent), p.failed ? `${p.failed}: ${p.failureSummary()}` : '0', String(p.lostSignIns),
    `${p.replay?.accepted ?? '-'} of ${p.replay?.checked ?? '-'}`,
    p.recoveryMs === null || p.recoveryMs === undefined ? 'never' : `${(p.recoveryMs / 1000).toFixed(2)} s`,
    `${(p.maxMs / 1000).toFixed(2)} s`, p.errors.length ? 'FAIL' : 'ok',
  ]);
  console.log(`\nbaseline: ${baseline.sent} requests in ${(QUIET_MS / 1000).toFixed(1)} s, ${baseline.failed} failed${baseline.failed ? ` (${baseline.failureSummary()})` : ''}`);
  console.log(`| ${head.join(' | ')} |\n|${head.map(() => '---').join('|')}|`);
  for (const r of body) console.log(`| ${r.join(' | ')} |`);
}

async function main() {
  if (!fs.existsSync(BIN)) throw new Error(`no gatehouse binary at ${BIN} (cmake --build build --target gatehouse, or set GATEHOUSE_BIN)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-chaos-'));
  onExit(() => {
    if (keepLogs) console.log(`chaos: logs kept in ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  });
  log(`chaos suite${opts.short ? ' (--short)' : ''}: faults held ${HOLD_MS / 1000} s, quiet ${QUIET_MS / 1000} s, binary ${BIN}`);
  const cluster = await startCluster(dir);
  const rec = new Recorder();
  const ledger = new Ledger();
  const faults = FAULTS.filter((f) => !opts.only || opts.only.includes(f.id));
  // The load's own bound: every fault's hold and quiet stretches, plus recovery deadlines.
  const bound = Date.now() + faults.length * (HOLD_MS + 2 * QUIET_MS + RECOVERY_DEADLINE_MS + 30000) + 60000;
  const load = startLoad({ rec, ledger, lb: cluster.lb.url, adminKey: cluster.adminKey }, { deadline: bound });

  const baseline = rec.begin('baseline');
  await delay(QUIET_MS);
  const failures = [];
  if (baseline.failed) failures.push(`baseline: ${baseline.failed} failures (${baseline.failureSummary()})`);
  if (baseline.good < 10) failures.push(`baseline: only ${baseline.good} good requests in ${QUIET_MS} ms`);
  log(`baseline: ${baseline.sent} requests, ${baseline.failed} failed`);

  const rows = [];
  for (const fault of faults) {
    rows.push(await runFault(fault, cluster, rec, ledger));
  }
  rec.begin('end');
  await load.stop();
  await delay(REPLAY_AGE_MS);  // past the refresh grace window of the last rotations
  const finalReplay = await replay(ledger, cluster.nodes, Date.now());
  if (finalReplay.accepted) failures.push(`final replay: ${finalReplay.accepted} one-time item(s) accepted twice`);
  if (finalReplay.other.length) failures.push(`final replay: ${finalReplay.other.join('; ')}`);
  log(`final replay of the last items: ${finalReplay.checked} checked, ${finalReplay.accepted} accepted twice`);
  log(`load rounds: ${JSON.stringify(load.rounds)} (${LOOPS} loops)`);
  for (const node of cluster.nodes) {
    try { await node.stop(); } catch (err) { failures.push(`stopping ${node.nodeId}: ${err.message}`); }
  }
  printTable(rows, baseline);
  for (const r of rows) for (const e of r.errors) failures.push(`${r.name}: ${e}`);
  const total = rows.reduce((n, r) => n + r.sent, baseline.sent);
  console.log(`\n${total} requests through HAProxy in the rows above; run took ${elapsed()}`);
  if (failures.length) {
    keepLogs = true;
    console.log(`\nCHAOS SUITE FAILED (${failures.length}):`);
    for (const f of failures) console.log(`  - ${f}`);
    return 1;
  }
  console.log('\nCHAOS SUITE PASSED');
  return 0;
}

main().then((code) => process.exit(code), (err) => {
  keepLogs = true;
  console.error(`chaos: ${err.stack ?? err.message}`);
  process.exit(1);
});
