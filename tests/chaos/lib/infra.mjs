// The chaos suite's own servers: PostgreSQL and Redis (scripts/lib/postgres.sh, scripts/lib/redis.sh),
// a network namespace joined to this host by a veth pair (one node lives there, so the link
// between it and the database can be slowed or made lossy without touching anything else), the
// Gatehouse nodes, and HAProxy in front of them.
//
// Everything started here is registered with onExit() and undone when the process exits, whatever
// the reason (normal end, a failed assertion, an exception, Ctrl-C): children killed, servers
// stopped, the namespace deleted. Nothing talks to anything but 127.0.0.1 and the namespace's
// 10.x addresses.
import { execFile, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as delay } from 'node:timers/promises';
import { BIN, REPO, freePort, pollUntil, toToml } from '../../e2e/lib/node.js';

const run = promisify(execFile);
const LIB = path.join(REPO, 'scripts', 'lib');

// ---------------------------------------------------------------------------------------------
// Clean-up on exit, last registered first. The functions are synchronous: the 'exit' event runs
// no asynchronous work.

const cleanups = [];
let exiting = false;

/** Registers a synchronous clean-up step; returns a function that runs it early (once). */
export function onExit(fn) {
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    try { fn(); } catch (err) { process.stderr.write(`chaos: clean-up step failed: ${err.message}\n`); }
  };
  cleanups.push(once);
  return once;
}

process.on('exit', () => {
  exiting = true;
  while (cleanups.length) cleanups.pop()();
});
for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
  process.on(sig, () => {
    process.stderr.write(`\nchaos: ${sig}, cleaning up\n`);
    process.exit(code);
  });
}

/** True once the process is exiting (background loops stop). */
export const isExiting = () => exiting;

// ---------------------------------------------------------------------------------------------
// The network namespace.

/** Deletes namespaces an earlier run of this suite left behind (its process is gone). */
function removeStaleNamespaces() {
  let names = '';
  try { names = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }); } catch { return; }
  for (const line of names.split('\n')) {
    const m = /^ghchaos-(\d+)\b/.exec(line);
    if (!m) continue;
    const pid = Number(m[1]);
    let alive = true;
    try { process.kill(pid, 0); } catch { alive = false; }
    if (!alive) {
      try { execFileSync('ip', ['netns', 'del', `ghchaos-${pid}`]); } catch { /* gone already */ }
    }
  }
}

/**
 * Creates the namespace ghchaos-<pid> and a veth pair: the host side gets 10.A.B.1/30, the
 * namespace side 10.A.B.2/30. Returns {name, hostAddr, nsAddr, subnet, exec(args)}.
 */
export function createNamespace() {
  if (process.getuid?.() !== 0) throw new Error('the chaos suite runs as root (network namespace, iptables)');
  removeStaleNamespaces();
  const name = `ghchaos-${process.pid}`;
  const vh = `ghc${process.pid % 100000}h`;
  const vn = `ghc${process.pid % 100000}n`;
  const used = execFileSync('ip', ['-o', '-4', 'addr'], { encoding: 'utf8' });
  let prefix;
  for (let i = 0; i < 200 && !prefix; i++) {
    const candidate = `10.${200 + ((process.pid + i) % 50)}.${(process.pid * 7 + i) % 250}`;
    if (!used.includes(` ${candidate}.`)) prefix = candidate;
  }
  if (!prefix) throw new Error('no free 10.x/30 for the namespace');
  const ns = { name, hostAddr: `${prefix}.1`, nsAddr: `${prefix}.2`, subnet: `${prefix}.0/30`, veth: vh };
  onExit(() => {
    try { execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' }); } catch { /* not created */ }
    try { execFileSync('ip', ['link', 'del', vh], { stdio: 'ignore' }); } catch { /* went with the namespace */ }
  });
  const ip = (...args) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  ip('netns', 'add', name);
  ip('link', 'add', vh, 'type', 'veth', 'peer', 'name', vn);
  ip('link', 'set', vn, 'netns', name);
  ip('addr', 'add', `${ns.hostAddr}/30`, 'dev', vh);
  ip('link', 'set', vh, 'up');
  ip('-n', name, 'addr', 'add', `${ns.nsAddr}/30`, 'dev', vn);
  ip('-n', name, 'link', 'set', vn, 'up');
  ip('-n', name, 'link', 'set', 'lo', 'up');
  /** Runs a command inside the namespace (asynchronously). */
  ns.exec = (args) => run('ip', ['netns', 'exec', name, ...args]);
  return ns;
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL (scripts/lib/postgres.sh), also listening on the namespace's host-side address when there is one.

function pgEnv(server) {
  const env = { ...process.env };
  for (const k of ['PG_TMP_DIR', 'PG_TMP_BINDIR', 'GATEHOUSE_TEST_POSTGRES_URL']) delete env[k];
  if (server) Object.assign(env, { PG_TMP_DIR: server.dir, PG_TMP_BINDIR: server.bindir });
  return env;
}
const pgScript = (script) => ['-c', `set -e; source '${LIB}/postgres.sh'; ${script}`];

/**
 * Starts PostgreSQL with synchronous commits (the script's server turns them off, which an
 * immediate stop would turn into lost commits: a real server keeps them), and, given a namespace,
 * makes it listen on ns.hostAddr too (trust for the namespace's /30, as the script trusts
 * 127.0.0.1); `settings` are more ALTER SYSTEM settings ({name: value}). Creates `database`.
 * Returns {adminUrl, nodeUrl, port, dir, stop(mode), start(), psql(sql)}.
 */
export function startPostgres(ns = null, { database = 'chaos', settings = {} } = {}) {
  const out = execFileSync('bash', pgScript('pg_tmp_start >/dev/null; echo "$GATEHOUSE_TEST_POSTGRES_URL $PG_TMP_DIR $PG_TMP_BINDIR"'),
    { env: pgEnv(null), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  const [adminUrl, dir, bindir] = out.split(' ');
  const server = { adminUrl, dir, bindir, port: new URL(adminUrl).port };
  onExit(() => execFileSync('bash', pgScript('pg_tmp_stop'), { env: pgEnv(server), stdio: 'ignore' }));
  const psql = (sql, url = adminUrl) => execFileSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-qAtc', sql],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  psql('ALTER SYSTEM SET synchronous_commit = on');
  for (const [name, value] of Object.entries(settings)) psql(`ALTER SYSTEM SET ${name} = '${value}'`);
  if (ns) {
    psql(`ALTER SYSTEM SET listen_addresses = '127.0.0.1,${ns.hostAddr}'`);
    execFileSync('bash', pgScript(`_pg_tmp_as_owner sh -c 'echo "host all all ${ns.subnet} trust" >> "$PG_TMP_DIR/data/pg_hba.conf"'`),
      { env: pgEnv(server), stdio: ['ignore', 'pipe', 'pipe'] });
  }
  const ctl = (args) => run('bash', pgScript(`_pg_tmp_as_owner "$PG_TMP_BINDIR/pg_ctl" -D "$PG_TMP_DIR/data" ${args} >/dev/null`),
    { env: pgEnv(server) });
  execFileSync('bash', pgScript('_pg_tmp_as_owner "$PG_TMP_BINDIR/pg_ctl" -D "$PG_TMP_DIR/data" -l "$PG_TMP_DIR/server.log" -m fast -w -t 60 restart >/dev/null'),
    { env: pgEnv(server), stdio: ['ignore', 'pipe', 'pipe'] });
  psql(`CREATE DATABASE ${database}`);
  if (psql('SHOW synchronous_commit') !== 'on') throw new Error('synchronous_commit is not on after the restart');
  return {
    ...server,
    nodeUrl: `postgresql://postgres@${ns?.hostAddr ?? '127.0.0.1'}:${server.port}/${database}`,
    psql,
    /** pg_ctl stop -m MODE (fast, immediate), waiting for the stop. */
    stop: (mode) => ctl(`-m ${mode} -w -t 60 stop`),
    /** pg_ctl start on the same port, waiting until it accepts connections. */
    start: () => ctl(`-l "$PG_TMP_DIR/server.log" -o "-p ${server.port}" -w -t 60 start`),
    log: () => { try { return fs.readFileSync(path.join(dir, 'server.log'), 'utf8'); } catch { return ''; } },
  };
}

// ---------------------------------------------------------------------------------------------
// Redis (scripts/lib/redis.sh), also bound to the namespace's host-side address when there is one.

/**
 * One Redis connection that sends commands and reads their replies (RESP: simple strings,
 * errors, integers and bulk strings are all this suite needs). Resolves {command, close}.
 */
function redisConnection(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1');
    let buffer = '';
    let waiting = null;
    const parse = () => {
      const line = buffer.indexOf('\r\n');
      if (line < 0) return undefined;
      const head = buffer.slice(0, line);
      if (head[0] !== '$') { buffer = buffer.slice(line + 2); return head; }
      const len = Number(head.slice(1));
      if (len < 0) { buffer = buffer.slice(line + 2); return null; }
      if (buffer.length < line + 2 + len + 2) return undefined;
      const body = buffer.slice(line + 2, line + 2 + len);
      buffer = buffer.slice(line + 2 + len + 2);
      return body;
    };
    socket.setEncoding('utf8');
    socket.on('data', (d) => {
      buffer += d;
      const reply = waiting && parse();
      if (reply !== undefined && waiting) { const w = waiting; waiting = null; w(reply); }
    });
    socket.on('error', reject);
    socket.on('connect', () => resolve({
      command: (...args) => new Promise((done, fail) => {
        const timer = setTimeout(() => fail(new Error(`Redis did not answer ${args[0]}`)), 2000);
        waiting = (reply) => { clearTimeout(timer); if (String(reply).startsWith('-')) fail(new Error(reply)); else done(reply); };
        socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(String(a))}\r\n${a}\r\n`).join('')}`);
      }),
      close: () => socket.destroy(),
    }));
  });
}

/**
 * Starts Redis; returns {url, port, kill(), start(), refuseClients(), acceptClients()}: kill -9
 * and a restart on the same port; a Redis that has reached `maxclients` (this suite's connection
 * holds the one place left, every other connection is closed, and new ones are answered "ERR max
 * number of clients reached" and closed), and back to normal.
 */
export async function startRedis(ns = null) {
  // A server of its own even under scripts/test, whose Redis (REDIS_TMP_DIR) this one must not reuse.
  const env = { ...process.env };
  delete env.REDIS_TMP_DIR;
  delete env.GATEHOUSE_TEST_REDIS_URL;
  const out = execFileSync('bash', ['-c', `set -e; source '${LIB}/redis.sh'; redis_tmp_start >/dev/null; echo "$GATEHOUSE_TEST_REDIS_URL $REDIS_TMP_DIR"`],
    { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  const [url, dir] = out.split(' ');
  const port = new URL(url).port;
  const pidOf = () => { try { return Number(fs.readFileSync(path.join(dir, 'redis.pid'), 'utf8')); } catch { return 0; } };
  onExit(() => {
    const pid = pidOf();
    if (pid) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const cli = (...args) => run('redis-cli', ['-h', '127.0.0.1', '-p', port, ...args], { timeout: 2000 });
  // Protected mode refuses (and then closes) connections from any address but loopback when
  // there is no password; the namespace's node comes from 10.x. Only this host and the
  // namespace can reach that address.
  const binds = ns ? ['127.0.0.1', ns.hostAddr] : ['127.0.0.1'];
  if (ns) {
    await cli('CONFIG', 'SET', 'protected-mode', 'no');
    await cli('CONFIG', 'SET', 'bind', binds.join(' '));
  }
  const ping = async () => { try { return (await cli('PING')).stdout.trim() === 'PONG'; } catch { return false; } };
  let holder = null;
  return {
    url: `redis://${binds.at(-1)}:${port}`,
    port,
    async refuseClients() {
      holder = await redisConnection(port);
      await holder.command('CLIENT', 'SETNAME', 'chaos-holder');
      await holder.command('CONFIG', 'SET', 'maxclients', '1');
      const me = await holder.command('CLIENT', 'ID');
      const list = await holder.command('CLIENT', 'LIST');
      for (const id of [...list.matchAll(/^id=(\d+) /gm)].map((m) => m[1])) {
        if (id !== String(me).slice(1)) await holder.command('CLIENT', 'KILL', 'ID', id).catch(() => {});
      }
    },
    async acceptClients() {
      await holder.command('CONFIG', 'SET', 'maxclients', '10000');
      holder.close();
      holder = null;
    },
    async kill() {
      const pid = pidOf();
      process.kill(pid, 'SIGKILL');
      await pollUntil(() => { try { process.kill(pid, 0); return false; } catch { return true; } },
        { what: 'Redis to die', deadlineMs: 5000 });
    },
    async start() {
      await run('redis-server', ['--port', port, '--bind', ...binds, '--dir', dir, '--save', '',
        '--appendonly', 'no', '--protected-mode', 'no', '--daemonize', 'yes', '--pidfile', path.join(dir, 'redis.pid'),
        '--logfile', path.join(dir, 'redis.log')]);
      await pollUntil(ping, { what: 'Redis to answer PING', deadlineMs: 10000, intervalMs: 50 });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Gatehouse nodes.

const LOG_TAIL = 256 * 1024;

/** The shared libfaketime (multi-threaded flavour) of Debian's faketime package, or null. */
export function libfaketime() {
  for (const dir of ['/usr/lib/x86_64-linux-gnu/faketime', '/usr/lib/aarch64-linux-gnu/faketime', '/usr/lib/faketime']) {
    const f = path.join(dir, 'libfaketimeMT.so.1');
    if (fs.existsSync(f)) return f;
  }
  return null;
}

export class ChaosNode {
  /**
   * nodeId: cluster.node_id; host: the address it listens on (127.0.0.1, or the namespace's);
   * netns: the namespace name to start it in (or null); config: the TOML object without the
   * node's own keys; env: its environment (the master key).
   */
  constructor({ nodeId, host, port, netns, config, env, dir }) {
    Object.assign(this, { nodeId, host, port, netns, env, dir });
    this.configFile = path.join(dir, `${nodeId}.toml`);
    this.logFile = path.join(dir, `${nodeId}.log`);
    this.child = null;
    this.exited = null;
    this.tail = '';
    const full = structuredClone(config);
    full.server = { ...full.server, listen: `${host}:${port}` };
    full.cluster = { ...full.cluster, node_id: nodeId, node_url: this.url };
    fs.writeFileSync(this.configFile, toToml(full));
    onExit(() => this.killNow());
  }

  get url() { return `http://${this.host}:${this.port}`; }
  get running() { return Boolean(this.child && this.exited === null); }
  get pid() { return this.child?.pid; }
  output() { return this.tail; }

  /** Starts the process (in its namespace, with `extraEnv`); does not wait for readiness. */
  spawn(extraEnv = {}) {
    if (this.running) throw new Error(`${this.nodeId} is already running`);
    const argv = [BIN, 'serve', '--config', this.configFile];
    // `ip netns exec` replaces itself with the command, so the pid is gatehouse's own.
    const [cmd, args] = this.netns ? ['ip', ['netns', 'exec', this.netns, ...argv]] : [argv[0], argv.slice(1)];
    const env = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GATEHOUSE_')) env[k] = v;
    const child = spawn(cmd, args, { cwd: this.dir, env: { ...env, ...this.env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.exited = null;
    const log = fs.createWriteStream(this.logFile, { flags: 'a' });
    const note = (d) => {
      log.write(d);
      this.tail = (this.tail + d).slice(-LOG_TAIL);
    };
    note(`--- start (pid ${child.pid})${Object.keys(extraEnv).length ? ` env ${Object.keys(extraEnv).join(',')}` : ''} ---\n`);
    child.stdout.setEncoding('utf8').on('data', note);
    child.stderr.setEncoding('utf8').on('data', note);
    this.exitPromise = new Promise((resolve) => {
      child.on('error', (err) => { note(`spawn error: ${err.message}\n`); this.exited = { code: null, signal: null }; resolve(this.exited); });
      child.on('exit', (code, signal) => {
        note(`--- exit code ${code} signal ${signal} ---\n`);
        this.exited = { code, signal };
        log.end();
        resolve(this.exited);
      });
    });
    return child;
  }

  /** GET /api/status straight to the node: {status, json} or null when it does not answer. */
  async status(timeoutMs = 1000) {
    try {
      const res = await fetch(`${this.url}/api/status`, { signal: AbortSignal.timeout(timeoutMs) });
      const text = await res.text();
      let json;
      try { json = JSON.parse(text); } catch { json = undefined; }
      return { status: res.status, json, text };
    } catch {
      return null;
    }
  }

  /**
   * Starts the node and waits until /api/status answers (200 unless `accept` says otherwise).
   * After a kill -9 the node's id is still held by its old record until it has been silent for
   * cluster.instance_timeout_ms: the node then refuses to start, and is started again until the
   * id is free (bounded by the deadline).
   */
  async start({ env = {}, accept = (s) => s.status === 200, deadlineMs = 30000 } = {}) {
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      this.spawn(env);
      for (;;) {
        if (this.exited) break;
        const s = await this.status();
        if (s && accept(s)) return s;
        if (Date.now() > deadline) {
          await this.kill('SIGKILL');
          throw new Error(`${this.nodeId} did not become ready within ${deadlineMs} ms\n${this.tail.slice(-3000)}`);
        }
        await delay(50);
      }
      if (!/belongs to a live node/.test(this.tail.slice(-4000)) || Date.now() > deadline) {
        throw new Error(`${this.nodeId} exited during start (${JSON.stringify(this.exited)})\n${this.tail.slice(-3000)}`);
      }
      await delay(200);  // the old record's timeout has not passed yet
    }
  }

  /** Sends a signal; for SIGKILL and SIGTERM waits (bounded) for the exit. */
  async kill(signal) {
    if (!this.running) return this.exited;
    this.child.kill(signal);
    if (signal !== 'SIGKILL' && signal !== 'SIGTERM') return null;
    let timer;
    const timeout = new Promise((resolve) => { timer = setTimeout(resolve, 15000, null); });
    const result = await Promise.race([this.exitPromise, timeout]);
    clearTimeout(timer);
    if (!result) {
      this.child.kill('SIGKILL');
      await this.exitPromise;
      throw new Error(`${this.nodeId} did not exit within 15 s of ${signal}`);
    }
    return result;
  }

  /** SIGTERM (drain, leave the cluster) and a clean exit (code 0). */
  async stop() {
    const result = await this.kill('SIGTERM');
    if (result && result.code !== 0) throw new Error(`${this.nodeId} exited with ${JSON.stringify(result)} after SIGTERM`);
  }

  /** Synchronous last resort for the exit handler: a stopped process is continued and killed. */
  killNow() {
    if (!this.running) return;
    try { this.child.kill('SIGCONT'); } catch { /* gone */ }
    try { this.child.kill('SIGKILL'); } catch { /* gone */ }
  }
}

// ---------------------------------------------------------------------------------------------
// HAProxy: round robin, health checks on /api/status, retries as scripts/cluster has them.

/**
 * Starts HAProxy in front of `nodes` and waits until every node is UP in its statistics.
 * Each answer carries x-chaos-server (the node that gave it). When no node is up HAProxy answers
 * 503 itself; it is given Retry-After and x-chaos-lb: no-server, so a client (and this suite)
 * can tell it from a node's 503.
 */
export async function startBalancer(nodes, dir, { timeoutServer = '3s', retries = 2 } = {}) {
  const port = await freePort();
  const statsPort = await freePort();
  const cfg = [
    'global', '  maxconn 2048',
    'defaults', '  mode http', '  timeout connect 1s', '  timeout client 30s', `  timeout server ${timeoutServer}`,
    '  option redispatch 1', `  retries ${retries}`, '  retry-on conn-failure empty-response response-timeout 503',
    'frontend gatehouse', `  bind 127.0.0.1:${port}`, '  default_backend nodes',
    'backend nodes', '  balance roundrobin', '  option httpchk GET /api/status', '  http-check expect status 200',
    '  http-response set-header x-chaos-server %[srv_name]',
    '  http-error status 503 content-type application/json string "{\\"error\\":\\"temporarily_unavailable\\",\\"error_description\\":\\"no node is up\\"}" hdr retry-after 1 hdr x-chaos-lb no-server',
    ...nodes.map((n) => `  server ${n.nodeId} ${n.host}:${n.port} check inter 500ms fall 2 rise 1`),
    'listen stats', `  bind 127.0.0.1:${statsPort}`, '  stats enable', '  stats uri /stats',
  ].join('\n');
  const file = path.join(dir, 'haproxy.cfg');
  fs.writeFileSync(file, `${cfg}\n`);
  execFileSync('haproxy', ['-c', '-q', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  const child = spawn('haproxy', ['-db', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out = (out + d).slice(-65536); });
  child.stderr.on('data', (d) => { out = (out + d).slice(-65536); });
  const kill = onExit(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  const lb = {
    url: `http://127.0.0.1:${port}`,
    output: () => out,
    stop: kill,
    /** The servers as HAProxy sees them: {name: {status, stot, served}} (status UP, DOWN, "UP 1/2"...). */
    async servers() {
      const res = await fetch(`http://127.0.0.1:${statsPort}/stats;csv`, { signal: AbortSignal.timeout(2000) });
      const lines = (await res.text()).split('\n');
      const head = lines[0].replace(/^# /, '').split(',');
      const col = (name) => head.indexOf(name);
      const servers = {};
      for (const line of lines.slice(1)) {
        const f = line.split(',');
        if (f[0] !== 'nodes' || f[1] === 'BACKEND') continue;
        const n = (name) => Number(f[col(name)]);
        // served: answers other than 5xx (what the node actually did for a client)
        servers[f[1]] = { status: f[col('status')], stot: n('stot'), served: n('hrsp_1xx') + n('hrsp_2xx') + n('hrsp_3xx') + n('hrsp_4xx') };
      }
      return servers;
    },
  };
  await pollUntil(async () => {
    if (child.exitCode !== null) throw new Error(`haproxy exited: ${out}`);
    const s = await lb.servers().catch(() => ({}));
    return nodes.every((n) => s[n.nodeId]?.status === 'UP');
  }, { what: 'HAProxy to see every node UP', deadlineMs: 15000, intervalMs: 100 });
  return lb;
}
