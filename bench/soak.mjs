// The soak (issue 15 §5): a long, bounded run of mixed load on one node (SQLite, the embedded
// default) and, at the same time, on a 3-node cluster (PostgreSQL, Redis, HAProxy). It checks
// that nothing a node or its store keeps grows with time: each node's RSS and open file
// descriptors, the rows of every table that holds expiring data, and the write-ahead log. And
// that no request fails. See bench/soak for the usage and docs/BENCHMARKS.md, "Soak".
//
// How "bounded" is judged: after a warm-up (the longest lifetime of the stored items plus the
// purge interval, so every table has reached its steady state, or a quarter of the run if that is
// longer), the rest of the run is cut in two halves. A figure is bounded when its highest value in
// the second half is at most its highest value in the first half plus a tolerance (a share of it
// and a fixed slack, per kind of figure below), or below the ceiling its design sets (the WAL).
// Something that leaks keeps climbing, so its second half tops the first; something that is purged
// or reused saws up and down below a ceiling. A table of expiring items holds about the issue rate
// times their lifetime, and the rate of a shared machine varies: its rows are judged per request
// sent in the lifetime-plus-purge window before each sample, not as a count. Tables kept for a
// fixed time by design (the audit trail: 400 days; revoked grants: 400 days, which the soak's
// replays of used codes and refresh tokens make, as RFC 6749 asks; cluster events: a day; job
// runs: 7 days) grow during any run shorter than that: they are printed, not judged. So is the
// database file's size (it keeps its free pages).
import crypto from 'node:crypto';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as delay } from 'node:timers/promises';
import { BIN, freePort } from '../tests/e2e/lib/node.js';
import { ChaosNode, onExit, startBalancer, startPostgres, startRedis } from '../tests/chaos/lib/infra.mjs';
import { Ledger, Recorder, SVC, USERS, WEB, REDIRECT_URI, replay, startLoad } from '../tests/chaos/lib/load.mjs';

const run = promisify(execFile);

const USAGE = `Usage: bench/soak [--minutes=N] [--short] [--only=single|cluster] [--keep]
  --minutes  how long the load runs (default 30)
  --short    3 minutes (what scripts/test runs)
  --only     only the single node (SQLite) or only the cluster (PostgreSQL, Redis, HAProxy)
  --keep     keep the folder with the logs and the SQLite database (kept anyway on failure)
Environment: GATEHOUSE_BIN (default build/src/app/gatehouse).`;

function parseArgs(argv) {
  const opts = { minutes: 30, only: null, keep: false };
  for (const arg of argv) {
    if (arg === '--short') opts.minutes = 3;
    else if (arg === '--keep') opts.keep = true;
    else if (arg.startsWith('--minutes=')) opts.minutes = Number(arg.slice(10));
    else if (arg === '--only=single' || arg === '--only=cluster') opts.only = arg.slice(7);
    else if (arg === '-h' || arg === '--help') { console.log(USAGE); process.exit(0); }
    else { console.error(`soak: unknown option ${arg}\n${USAGE}`); process.exit(64); }
  }
  // Below 3 minutes nothing is left after the warm-up to judge.
  if (!(opts.minutes >= 3 && opts.minutes <= 24 * 60)) { console.error('soak: --minutes must be 3..1440'); process.exit(64); }
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
const RUN_MS = opts.minutes * 60000;
// The stored items' lifetimes are set to the least the configuration allows (a minute), and the
// purge runs every 20 s: the tables reach their steady state 80 s into the load.
const LIFETIME_S = 60;
const PURGE_S = 20;
const WARMUP_MS = Math.max((LIFETIME_S + PURGE_S + 10) * 1000, RUN_MS / 4);
const SAMPLE_MS = Math.min(30000, Math.max(5000, RUN_MS / 60));
const REFRESH_GRACE_S = 2;
// Used codes (30 s) and refresh tokens are replayed every 10 s, well inside their lifetimes, so a
// refusal says "used", not "expired".
const REPLAY_EVERY_MS = 10000;
const WINDOW_MS = (LIFETIME_S + PURGE_S) * 1000;  // rows of expiring items ~ requests in this window
// Tolerances: [share, slack] per kind of figure.
const TOLERANCE = {
  rss: [0.10, 4 * 1024 * 1024],  // allocator arenas settle late
  fds: [0, 16],                  // connections come and go with the load
  rows: [0.25, 200],             // per request (the slack in rows); a purge every PURGE_S: the count saws
  wal: [0.25, 32 * 1024 * 1024], // PostgreSQL adds WAL 16 MiB segments at a time
};
// The WAL's own ceilings: SQLite truncates its WAL file to journal_size_limit (64 MiB,
// storage/sqlite/connection.cpp) when it starts over; pg_wal keeps about max_wal_size (set to
// 64 MB below) plus the segments of a checkpoint in progress.
const WAL_CEILING = { sqlite: 64 * 1048576, postgres: 96 * 1048576 };
// Kept for a fixed time by design, longer than any soak: printed, not judged.
const RETAINED = {
  audit_events: '400 days', cluster_events: '1 day', job_runs: '7 days',
  revoked_grants: '400 days', 'grants (revoked)': '400 days',  // SQLite's table; PostgreSQL's rows of grants
};

const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(0)}s`;
const log = (msg) => console.log(`[${elapsed().padStart(5)}] ${msg}`);
let keepLogs = opts.keep;

// ---------------------------------------------------------------------------------------------
// What is measured.

const MiB = (n) => `${(n / 1048576).toFixed(1)} MiB`;

/** RSS (bytes) and open file descriptors of a process, from /proc. */
function processFigures(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const rss = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN) * 1024;
  return { rss, fds: fs.readdirSync(`/proc/${pid}/fd`).length };
}

/** Row counts of every table of the SQLite database at `file` (read beside the node: WAL mode). */
async function sqliteRows(file) {
  const sqlite = (sql) => run('sqlite3', ['-batch', '-noheader', '-separator', ' ', '-cmd', '.timeout 5000', file, sql])
    .then((r) => r.stdout.trim());
  const tables = (await sqlite("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"))
    .split('\n').filter(Boolean);
  const out = await sqlite(tables.map((t) => `SELECT '${t}', count(*) FROM "${t}"`).join(' UNION ALL '));
  return Object.fromEntries(out.split('\n').map((l) => l.split(' ')).map(([t, n]) => [t, Number(n)]));
}

/** Row counts of every table of the PostgreSQL database, its size and the size of pg_wal. */
async function postgresFigures(pg, database) {
  const psql = (sql) => run('psql', [pg.adminUrl.replace(/\/[^/]*$/, `/${database}`), '-XqAt', '-F', ' ', '-c', sql])
    .then((r) => r.stdout.trim());
  const tables = (await psql("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1"))
    .split('\n').filter(Boolean);
  // A revoked grant is remembered 400 days (storage/refresh_token_store.hpp), a live one until its
  // tokens expire: counted apart.
  const count = (t) => (t === 'grants' ? `SELECT 'grants', count(*) FILTER (WHERE revoked_at IS NULL) FROM grants UNION ALL `
    + `SELECT 'grants (revoked)', count(*) FILTER (WHERE revoked_at IS NOT NULL) FROM grants` : `SELECT '${t}', count(*) FROM "${t}"`);
  const out = await psql(`${tables.map(count).join(' UNION ALL ')}; `
    + `SELECT 'wal', sum(size) FROM pg_ls_waldir(); SELECT 'db', pg_database_size('${database}')`);
  const all = Object.fromEntries(out.split('\n').map((l) => [l.slice(0, l.lastIndexOf(' ')), Number(l.slice(l.lastIndexOf(' ') + 1))]));
  const { wal, db, ...rows } = all;
  return { rows, wal, db };
}

/** One sample of a system: {at, figures: {name: {kind, value}}}. */
async function sample(system) {
  const figures = {};
  for (const node of system.nodes) {
    if (!node.running) continue;
    const p = processFigures(node.pid);
    figures[`RSS ${node.nodeId}`] = { kind: 'rss', value: p.rss };
    figures[`fds ${node.nodeId}`] = { kind: 'fds', value: p.fds };
  }
  const store = await system.store();
  for (const [table, n] of Object.entries(store.rows)) {
    figures[`rows ${table}`] = { kind: table in RETAINED ? 'retained' : 'rows', value: n };
  }
  figures[system.walName] = { kind: 'wal', value: store.wal };
  figures['database size'] = { kind: 'size', value: store.db };
  return { at: Date.now(), sent: system.rec?.phase.sent ?? 0, figures };
}

// ---------------------------------------------------------------------------------------------
// The two systems under test.

function nodeConfig(database) {
  const lifetime = `${LIFETIME_S}s`;
  return {
    server: { public_url: 'http://gatehouse.test', drain_delay: '0s', shutdown_grace: '5s' },
    database: { url: database, purge_interval: `${PURGE_S}s` },
    keys: { master_key_file: '' },
    tokens: {
      access_token_ttl: lifetime, id_token_ttl: lifetime, code_ttl: '30s', refresh_token_ttl: lifetime,
      refresh_token_max_lifetime: lifetime, refresh_grace: `${REFRESH_GRACE_S}s`,
    },
    login: { transaction_ttl: lifetime, session_idle_timeout: lifetime, session_lifetime: lifetime },
    passwords: { memory_kib: 256, iterations: 1 },
  };
}

function kickstartFile(dir, adminKey) {
  const file = path.join(dir, 'kickstart.json');
  fs.writeFileSync(file, JSON.stringify({
    api_keys: [{ key: adminKey, description: 'soak' }],
    applications: [
      { ...SVC, client_name: 'Service', grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic', scope: 'api:read api:write', redirect_uris: [] },
      { ...WEB, client_name: 'Web', grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'client_secret_basic', scope: '', redirect_uris: [REDIRECT_URI] },
    ],
    users: USERS,
  }));
  return file;
}

const secrets = () => ({
  adminKey: `soak-admin-${crypto.randomBytes(12).toString('hex')}`,
  env: { GATEHOUSE_KEYS_MASTER_KEY: crypto.randomBytes(32).toString('base64url') },
});

async function startSingle(dir) {
  const own = path.join(dir, 'single');
  fs.mkdirSync(own);
  const { adminKey, env } = secrets();
  const dbFile = path.join(own, 'gatehouse.db');
  const config = { ...nodeConfig(`sqlite:${dbFile}`), bootstrap: { kickstart: kickstartFile(own, adminKey) } };
  const node = new ChaosNode({ nodeId: 'single', host: '127.0.0.1', port: await freePort(), netns: null, config, env, dir: own });
  await node.start();
  log(`single node on SQLite: ${node.url}, database ${dbFile}`);
  return {
    name: 'one node, SQLite', nodes: [node], url: node.url, adminKey, walName: 'SQLite WAL file', walCeiling: WAL_CEILING.sqlite,
    store: async () => {
      let wal = 0;
      try { wal = fs.statSync(`${dbFile}-wal`).size; } catch { /* checkpointed and removed */ }
      return { rows: await sqliteRows(dbFile), wal, db: fs.statSync(dbFile).size };
    },
  };
}

async function startCluster(dir) {
  const own = path.join(dir, 'cluster');
  fs.mkdirSync(own);
  // Checkpoints every 30 s and a small max_wal_size, so that pg_wal reaches its steady state in a
  // short run too (a checkpoint is what lets old WAL segments be recycled).
  const pg = startPostgres(null, { database: 'soak', settings: { checkpoint_timeout: '30s', max_wal_size: '64MB', min_wal_size: '32MB' } });
  const redis = await startRedis(null);
  const { adminKey, env } = secrets();
  const config = {
    ...nodeConfig(pg.nodeUrl),
    cache: { redis_url: redis.url },
    cluster: { enabled: true, checkin_interval_ms: 1000, instance_timeout_ms: 5000, instance_recovery_timeout_ms: 5000 },
    bootstrap: { kickstart: kickstartFile(own, adminKey) },
  };
  const nodes = [];
  for (const id of ['node-1', 'node-2', 'node-3']) {
    nodes.push(new ChaosNode({ nodeId: id, host: '127.0.0.1', port: await freePort(), netns: null, config, env, dir: own }));
  }
  await nodes[0].start();  // migrations and the kickstart, once
  await Promise.all(nodes.slice(1).map((n) => n.start()));
  // No fault is injected: a slow answer on a busy machine must be waited for, not retried on
  // another node (a retried code redemption would be refused, rightly, as a replay).
  const lb = await startBalancer(nodes, own, { timeoutServer: '30s' });
  log(`cluster: PostgreSQL port ${pg.port}, Redis ${redis.url}, nodes ${nodes.map((n) => n.url).join(' ')}, HAProxy ${lb.url}`);
  return {
    name: '3 nodes, PostgreSQL, Redis, HAProxy', nodes, url: lb.url, adminKey, walName: 'PostgreSQL pg_wal', walCeiling: WAL_CEILING.postgres,
    store: () => postgresFigures(pg, 'soak'),
  };
}

// ---------------------------------------------------------------------------------------------
// Judging and printing.

const show = (kind, v) => (v === undefined || Number.isNaN(v) ? '-'
  : kind === 'rss' || kind === 'wal' || kind === 'size' ? MiB(v) : String(v));

/** Requests sent in the WINDOW_MS before sample `s` (from the samples' running totals). */
function windowRequests(samples, s) {
  const before = samples.filter((x) => x.at <= s.at - WINDOW_MS).at(-1) ?? samples[0];
  return s.sent - before.sent;
}

/**
 * One figure's verdict: {a, b, ok, limit, note} from the highest values of the two halves after
 * the warm-up; rows per request of the window before each sample, others as they are.
 */
function verdictOf(system, name, kind, firstHalf, secondHalf) {
  const samples = system.samples;
  const scaled = (s) => {
    const v = s.figures[name]?.value;
    if (!Number.isFinite(v)) return undefined;
    return kind === 'rows' ? v / Math.max(1, windowRequests(samples, s)) : v;
  };
  const top = (list) => {
    const vs = list.map(scaled).filter((v) => v !== undefined);
    return vs.length ? Math.max(...vs) : undefined;
  };
  const a = top(firstHalf);
  const b = top(secondHalf);
  if (a === undefined || b === undefined) return { ok: false, note: 'too few samples after the warm-up (run longer)' };
  const [share, slack] = TOLERANCE[kind];
  // The slack of rows is a count: per request, at the smallest window of the judged samples.
  const least = Math.max(1, Math.min(...[...firstHalf, ...secondHalf].map((s) => windowRequests(samples, s))));
  let limit = a * (1 + share) + (kind === 'rows' ? slack / least : slack);
  if (kind === 'wal') limit = Math.max(limit, system.walCeiling);
  const perK = (v) => (v * 1000).toFixed(1);
  const note = kind === 'rows' ? `per 1,000 requests: ${perK(a)} → ${perK(b)} (limit ${perK(limit)})`
    : `limit ${show(kind, Math.round(limit))}`;
  return { ok: b <= limit, a, b, limit, note };
}

/** Rows of the report of one system, with the verdict of each judged figure. */
function judge(system) {
  const samples = system.samples;
  const start = samples[0];
  const end = samples.at(-1);
  const warmEnd = system.loadStartedAt + WARMUP_MS;
  const mid = warmEnd + (end.at - warmEnd) / 2;
  const firstHalf = samples.filter((s) => s.at >= warmEnd && s.at < mid);
  const secondHalf = samples.filter((s) => s.at >= mid);
  const names = [...new Set(samples.flatMap((s) => Object.keys(s.figures)))];
  const rows = [];
  const failures = [];
  const unchanged = [];
  for (const name of names) {
    const kind = samples.find((s) => s.figures[name])?.figures[name].kind;
    const values = (list) => list.map((s) => s.figures[name]?.value).filter((v) => Number.isFinite(v));
    const top = (list) => (values(list).length ? Math.max(...values(list)) : undefined);
    let verdict = kind === 'retained' ? `kept ${RETAINED[name.slice(5)]} by design` : 'printed';
    if (TOLERANCE[kind]) {
      const v = verdictOf(system, name, kind, firstHalf, secondHalf);
      verdict = `${v.ok ? 'bounded' : 'FAIL'}: ${v.note}`;
      if (!v.ok) failures.push(`${system.name}: ${name}: ${v.note}`);
    }
    // Tables whose count never changed are listed on one line, not in the table (still judged).
    const all = values(samples);
    if (kind === 'rows' && all.every((v) => v === all[0])) { unchanged.push(`${name.slice(5)} ${all[0]}`); continue; }
    rows.push([name, show(kind, start.figures[name]?.value), show(kind, top(firstHalf)), show(kind, top(secondHalf)),
      show(kind, end.figures[name]?.value), verdict]);
  }
  return { rows, failures, unchanged };
}

function printReport(system, report) {
  const head = ['figure', 'start (before load)', 'highest, 1st half', 'highest, 2nd half', 'end', 'verdict'];
  console.log(`\n${system.name}: ${system.sent} requests in ${(system.loadMs / 1000).toFixed(0)} s `
    + `(${(system.sent / (system.loadMs / 1000)).toFixed(0)}/s), ${system.failed} failed, `
    + `${system.replayed} one-time items replayed (${system.acceptedTwice} accepted twice); `
    + `warm-up ${(WARMUP_MS / 1000).toFixed(0)} s, a sample every ${(SAMPLE_MS / 1000).toFixed(0)} s`);
  console.log(`| ${head.join(' | ')} |\n|${head.map(() => '---').join('|')}|`);
  for (const r of report.rows) console.log(`| ${r.join(' | ')} |`);
  if (report.unchanged.length) console.log(`tables whose row count never changed: ${report.unchanged.join(', ')}`);
}

// ---------------------------------------------------------------------------------------------

async function replayDue(system, failures, before) {
  const r = await replay(system.ledger, system.nodes.filter((n) => n.running), before);
  system.replayed += r.checked;
  system.acceptedTwice += r.accepted;
  if (r.accepted) failures.push(`${system.name}: ${r.accepted} one-time item(s) accepted twice: ${r.acceptedItems.slice(0, 3).join('; ')}`);
  if (r.other.length) failures.push(`${system.name}: replays answered neither 200 nor invalid_grant: ${r.other.slice(0, 3).join('; ')}`);
}

async function main() {
  if (!fs.existsSync(BIN)) throw new Error(`no gatehouse binary at ${BIN} (cmake --build build --target gatehouse, or set GATEHOUSE_BIN)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-soak-'));
  onExit(() => {
    if (keepLogs) console.log(`soak: logs kept in ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  });
  log(`soak: ${opts.minutes} min of load${opts.only ? ` (${opts.only} only)` : ''}, binary ${BIN}`);
  const systems = [];
  if (opts.only !== 'cluster') systems.push(await startSingle(dir));
  if (opts.only !== 'single') systems.push(await startCluster(dir));

  const failures = [];
  for (const s of systems) {
    s.samples = [await sample(s)];
    s.rec = new Recorder();
    s.ledger = new Ledger();
    s.replayed = 0;
    s.acceptedTwice = 0;
  }
  const deadline = Date.now() + RUN_MS;
  for (const s of systems) {
    s.rec.begin('soak');
    s.loadStartedAt = Date.now();
    s.load = startLoad({ rec: s.rec, ledger: s.ledger, lb: s.url, adminKey: s.adminKey }, { deadline });
  }
  log(`load started on ${systems.map((s) => s.name).join(' and ')}`);

  let lastReplay = Date.now();
  let lastLine = 0;
  while (Date.now() < deadline) {
    await delay(Math.min(SAMPLE_MS, Math.max(0, deadline - Date.now())));
    for (const s of systems) {
      s.samples.push(await sample(s));
      const dead = s.nodes.filter((n) => !n.running);
      if (dead.length) throw new Error(`${dead.map((n) => n.nodeId).join(', ')} died: ${dead[0].output().trim().split('\n').slice(-3).join(' | ')}`);
    }
    if (Date.now() - lastReplay >= REPLAY_EVERY_MS) {
      lastReplay = Date.now();
      for (const s of systems) await replayDue(s, failures, lastReplay - (REFRESH_GRACE_S + 1) * 1000);
    }
    if (Date.now() - lastLine >= Math.max(SAMPLE_MS, 30000)) {
      lastLine = Date.now();
      log(systems.map((s) => {
        const f = s.samples.at(-1).figures;
        const rss = s.nodes.map((n) => MiB(f[`RSS ${n.nodeId}`]?.value ?? NaN)).join('/');
        return `${s.name}: ${s.rec.phase.sent} sent, ${s.rec.phase.failed} failed, RSS ${rss}`;
      }).join('; '));
    }
  }
  for (const s of systems) {
    await s.load.stop();
    s.loadMs = Date.now() - s.loadStartedAt;
    s.sent = s.rec.phase.sent;
    s.failed = s.rec.phase.failed;
    if (s.failed) failures.push(`${s.name}: ${s.failed} request(s) failed: ${s.rec.phase.failureSummary()}; first: ${JSON.stringify(s.rec.phase.failures[0]).slice(0, 400)}`);
    if (s.load.rounds.user === 0 || s.load.rounds.admin === 0 || s.load.rounds.service === 0) {
      failures.push(`${s.name}: a loop of the load never completed a round (${JSON.stringify(s.load.rounds)})`);
    }
  }
  await delay((REFRESH_GRACE_S + 1) * 1000);  // past the grace window of the last rotations
  for (const s of systems) await replayDue(s, failures, Date.now());
  for (const s of systems) {
    const report = judge(s);
    printReport(s, report);
    failures.push(...report.failures);
    for (const node of s.nodes) {
      try { await node.stop(); } catch (err) { failures.push(`stopping ${node.nodeId}: ${err.message}`); }
    }
  }
  console.log(`\nsoak took ${elapsed()}`);
  if (failures.length) {
    keepLogs = true;
    console.log(`\nSOAK FAILED (${failures.length}):`);
    for (const f of failures) console.log(`  - ${f}`);
    return 1;
  }
  console.log('\nSOAK PASSED');
  return 0;
}

main().then((code) => process.exit(code), (err) => {
  keepLogs = true;
  console.error(`soak: ${err.stack ?? err.message}`);
  process.exit(1);
});
