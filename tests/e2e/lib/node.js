// Test harness for the end-to-end suite: starts the real gatehouse binary as a child process in a
// fresh temporary folder, talks to it over HTTP, runs its command line, and cleans up.
//
// Every wait is a poll with a deadline; nothing sleeps for a fixed time and hopes.
// Environment:
//   GATEHOUSE_BIN             the binary (default <repo>/build/src/app/gatehouse)
//   GATEHOUSE_E2E_TIME_SCALE  multiplies every deadline (the sanitizer pass sets it, default 1)
//   GATEHOUSE_E2E_KEEP=1      keep the temporary folders (for debugging a failure)
//   GATEHOUSE_E2E_LOG_DIR     collect every node's output there, with the secrets the tests gave
//                             the nodes (secrets.txt); scripts/test then scans the logs for them
//                             (tools/scan_logs.mjs)

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { test } from 'node:test';

const here = path.dirname(fileURLToPath(import.meta.url));
const LOG_DIR = process.env.GATEHOUSE_E2E_LOG_DIR;

/** Notes values that must never appear in a node's log (a no-op unless GATEHOUSE_E2E_LOG_DIR is set). */
export function rememberSecrets(...values) {
  if (!LOG_DIR) return;
  const lines = values.filter((v) => typeof v === 'string' && v.length >= 8).map((v) => `${v}\n`).join('');
  if (lines) fs.appendFileSync(path.join(LOG_DIR, 'secrets.txt'), lines);
}

/** The secrets a kickstart document gives a node. */
function kickstartSecrets(ks) {
  return [
    ...(ks.api_keys ?? []).map((k) => k.key),
    ...(ks.applications ?? []).map((a) => a.client_secret),
    ...(ks.users ?? []).map((u) => u.password),
  ];
}
export const REPO = path.resolve(here, '..', '..', '..');
export const BIN = process.env.GATEHOUSE_BIN || path.join(REPO, 'build', 'src', 'app', 'gatehouse');
export const TIME_SCALE = Math.max(1, Number(process.env.GATEHOUSE_E2E_TIME_SCALE || '1') || 1);
const KEEP = process.env.GATEHOUSE_E2E_KEEP === '1';

/** Scales a deadline in milliseconds for slow (sanitizer) builds. */
export const ms = (n) => Math.round(n * TIME_SCALE);

// ---------------------------------------------------------------------------------------------
// Fixtures shared by the test files.

/** The admin API key and the application every default kickstart file creates. */
export const ADMIN_KEY = 'e2e-admin-key-0123456789abcdef';
export const SVC = Object.freeze({
  client_id: 'svc',
  client_secret: 'svc-secret-0123456789',
  client_name: 'Service',
  grant_types: ['client_credentials'],
  token_endpoint_auth_method: 'client_secret_basic',
  scope: 'api:read api:write',
  redirect_uris: [],
});
/** tokens.access_token_ttl written into every config, in seconds. */
export const ACCESS_TOKEN_TTL = 900;

export function defaultKickstart() {
  return {
    api_keys: [{ key: ADMIN_KEY, description: 'e2e' }],
    applications: [{ ...SVC }],
    users: [],
  };
}

// ---------------------------------------------------------------------------------------------
// Processes started by this module are killed and their folders removed even if a test throws
// before its cleanup runs.

const liveChildren = new Set();
const liveDirs = new Set();
process.on('exit', () => {
  for (const child of liveChildren) {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
  }
  if (!KEEP) {
    for (const dir of liveDirs) {
      try { fs.rmSync(dir, { recursive: true, force: true }); } catch { /* best effort */ }
    }
  }
});

export async function makeTempDir(prefix = 'gatehouse-e2e-') {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), prefix));
  liveDirs.add(dir);
  return dir;
}

export async function removeTempDir(dir) {
  liveDirs.delete(dir);
  if (KEEP) {
    process.stderr.write(`kept ${dir}\n`);
    return;
  }
  await fsp.rm(dir, { recursive: true, force: true });
}

/** A port that was free a moment ago (listen on 0, read the port, close). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Sanitizer reports fail the test that caused them.

const SANITIZER_MARKERS = ['runtime error:', 'AddressSanitizer', 'LeakSanitizer', 'UndefinedBehaviorSanitizer', 'ThreadSanitizer'];

export function sanitizerReport(output) {
  return SANITIZER_MARKERS.find((m) => output.includes(m)) ?? null;
}

function assertNoSanitizerReport(output, what) {
  const marker = sanitizerReport(output);
  if (marker) {
    throw new Error(`${what}: sanitizer report ("${marker}") in its output:\n${tail(output)}`);
  }
}

export function tail(text, lines = 80) {
  const all = String(text).split('\n');
  return all.slice(-lines).join('\n');
}

// ---------------------------------------------------------------------------------------------
// TOML written from a plain object: {section: {key: value}}. Only what the tests need.

function tomlValue(v) {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(tomlValue).join(', ')}]`;
  throw new Error(`cannot write ${typeof v} as TOML`);
}

export function toToml(config) {
  const out = [];
  for (const [section, entries] of Object.entries(config)) {
    if (entries === undefined || entries === null || Array.isArray(entries)) continue;
    out.push(`[${section}]`);
    for (const [k, v] of Object.entries(entries)) {
      if (v === undefined || v === null) continue;
      out.push(`${k} = ${tomlValue(v)}`);
    }
    out.push('');
  }
  // Arrays of tables ([[identity_sources]]) after the sections; an object member is the entry's
  // own sub-table ([identity_sources.attributes]).
  for (const [name, items] of Object.entries(config)) {
    if (!Array.isArray(items)) continue;
    for (const item of items) {
      out.push(`[[${name}]]`);
      const tables = Object.entries(item).filter(([, v]) => v && typeof v === 'object' && !Array.isArray(v));
      for (const [k, v] of Object.entries(item)) {
        if (v !== undefined && v !== null && !tables.some(([t]) => t === k)) out.push(`${k} = ${tomlValue(v)}`);
      }
      for (const [t, v] of tables) {
        out.push(`[${name}.${t}]`);
        for (const [k, x] of Object.entries(v)) out.push(`${k} = ${tomlValue(x)}`);
      }
      out.push('');
    }
  }
  return out.join('\n');
}

/** Merges overrides ({section: {key: value|null}}) into a config; null removes a key. */
function mergeConfig(base, overrides = {}) {
  const merged = {};
  for (const [s, e] of Object.entries(base)) merged[s] = Array.isArray(e) ? e : { ...e };
  for (const [s, e] of Object.entries(overrides)) {
    if (Array.isArray(e)) {
      merged[s] = e;  // an array of tables is replaced whole
      continue;
    }
    merged[s] = { ...(merged[s] || {}) };
    for (const [k, v] of Object.entries(e)) {
      if (v === null) delete merged[s][k];
      else merged[s][k] = v;
    }
  }
  return merged;
}

/** The environment for a child: ours without GATEHOUSE_* (so nothing leaks in), plus extra. */
function childEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('GATEHOUSE_')) env[k] = v;
  }
  return { ...env, ...extra };
}

// ---------------------------------------------------------------------------------------------
// The command line.

/**
 * Runs `gatehouse ...args` to completion and returns {code, signal, stdout, stderr}.
 * Fails if it outlives the deadline or prints a sanitizer report. `bin`: another binary than BIN
 * (the rolling-upgrade test runs two releases).
 */
export function runCli(args, { env = {}, cwd, timeoutMs = 15000, bin = BIN } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env: childEnv(env), cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    liveChildren.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gatehouse ${args.join(' ')} did not finish within ${ms(timeoutMs)} ms\n${tail(stdout + stderr)}`));
    }, ms(timeoutMs));
    child.on('error', (err) => {
      clearTimeout(timer);
      liveChildren.delete(child);
      reject(new Error(`cannot run ${bin}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      liveChildren.delete(child);
      try {
        assertNoSanitizerReport(stdout + stderr, `gatehouse ${args.join(' ')}`);
      } catch (err) {
        reject(err);
        return;
      }
      resolve({ code, signal, stdout, stderr });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// HTTP helpers.

/** application/x-www-form-urlencoded from an object or a list of [name, value] pairs. */
export function form(params) {
  const pairs = Array.isArray(params) ? params : Object.entries(params);
  const body = new URLSearchParams();
  for (const [k, v] of pairs) if (v !== undefined) body.append(k, v);
  return body.toString();
}

/** One value form-urlencoded (RFC 6749 §2.3.1 / WHATWG application/x-www-form-urlencoded). */
export function formEncode(value) {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

/** Authorization header value for client_secret_basic (RFC 6749 §2.3.1). */
export function basicAuth(clientId, secret) {
  const raw = `${formEncode(clientId)}:${formEncode(secret)}`;
  return `Basic ${Buffer.from(raw, 'utf8').toString('base64')}`;
}

async function readBody(res) {
  const text = await res.text();
  let json;
  if (text.length > 0) {
    try { json = JSON.parse(text); } catch { json = undefined; }
  }
  return { status: res.status, headers: res.headers, text, json };
}

/**
 * A raw HTTP request over node:http on a fresh connection (fetch cannot set Host, send arbitrary
 * framing or choose the local address). Resolves {status, headers, text, json, socketClosed}.
 */
export function rawRequest(port, { method = 'GET', path: p = '/', headers = {}, body, agent = false, timeoutMs = 10000,
  localAddress } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: p, headers, agent, localAddress }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => {
        clearTimeout(timer);
        let json;
        try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, text, json, reusedSocket: req.reusedSocket, socket: res.socket });
      });
    });
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${ms(timeoutMs)} ms`)), ms(timeoutMs));
    req.on('error', (err) => { clearTimeout(timer); reject(err); });
    if (body !== undefined) req.write(body);
    req.end();
  });
}

// ---------------------------------------------------------------------------------------------
// A running node.

let nodeCounter = 0;

export class GatehouseNode {
  /**
   * Starts a node and waits until GET /api/status answers 200.
   * options:
   *   config     overrides {section: {key: value|null}} merged over the defaults
   *   kickstart  object written to kickstart.json (default defaultKickstart()); false: none
   *   env        extra environment for the process
   *   dir        reuse this folder (a restart); default a fresh temporary folder
   *   port       reuse this port (default: a free one)
   *   name       base name of the config file in the folder (default "gatehouse")
   *   bin        the binary to run (default BIN); node.bin may be changed between runs
   */
  static async start(options = {}) {
    const node = await GatehouseNode.create(options);
    try {
      await node.launch();
    } catch (err) {
      // The free port may have been taken between our probe and the node's bind: once, pick another.
      if (options.port || !/address already in use|EADDRINUSE/i.test(node.output())) {
        await node.cleanup().catch(() => {});
        throw err;
      }
      node.port = await freePort();
      await node.writeConfig();
      await node.launch().catch(async (again) => {
        await node.cleanup().catch(() => {});
        throw again;
      });
    }
    return node;
  }

  /** Prepares folder and files without starting the process (for tests that expect a refusal). */
  static async create({ config = {}, kickstart, env = {}, dir, port, name = 'gatehouse', bin = BIN } = {}) {
    const node = new GatehouseNode();
    node.id = ++nodeCounter;
    node.bin = bin;
    node.ownsDir = !dir;
    node.dir = dir || (await makeTempDir());
    node.port = port || (await freePort());
    node.env = env;
    node.overrides = config;
    node.kickstartFile = path.join(node.dir, 'kickstart.json');
    node.masterKeyFile = path.join(node.dir, 'master.key');
    node.dbFile = path.join(node.dir, 'gh.db');
    node.configFile = path.join(node.dir, `${name}.toml`);
    const ks = kickstart === undefined ? defaultKickstart() : kickstart;
    node.hasKickstart = ks !== false;
    if (node.hasKickstart) rememberSecrets(...kickstartSecrets(ks));
    rememberSecrets(env.GATEHOUSE_KEYS_MASTER_KEY, env.GATEHOUSE_METRICS_TOKEN, config.metrics?.token);
    if (node.hasKickstart) await fsp.writeFile(node.kickstartFile, JSON.stringify(ks, null, 2));
    await node.writeConfig();
    return node;
  }

  constructor() {
    this.child = null;
    this.outputText = '';
    this.exit = null; // {code, signal} once the process has exited
  }

  get url() { return `http://127.0.0.1:${this.port}`; }

  /** The config as an object (defaults + overrides). */
  configObject() {
    const base = {
      server: {
        listen: `127.0.0.1:${this.port}`,
        public_url: this.url,
        drain_delay: '300ms',
        shutdown_grace: '5s',
      },
      database: { url: `sqlite:${this.dbFile}` },
      keys: { master_key_file: this.masterKeyFile },
      tokens: { access_token_ttl: `${ACCESS_TOKEN_TTL}s` },
      bootstrap: this.hasKickstart ? { kickstart: this.kickstartFile } : {},
    };
    return mergeConfig(base, this.overrides);
  }

  async writeConfig() {
    await fsp.writeFile(this.configFile, toToml(this.configObject()));
  }

  /** Everything the process wrote to stdout and stderr so far. */
  output() { return this.outputText; }

  /** Spawns `gatehouse serve --config FILE` without waiting for readiness. */
  spawn(extraEnv = {}) {
    if (this.child && !this.exit) throw new Error('node already running');
    this.exit = null;
    this.outputText += `--- start #${this.id} on port ${this.port} ---\n`;
    const child = spawn(this.bin, ['serve', '--config', this.configFile], {
      cwd: this.dir,
      env: childEnv({ ...this.env, ...extraEnv }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    liveChildren.add(child);
    child.stdout.setEncoding('utf8').on('data', (d) => { this.outputText += d; });
    child.stderr.setEncoding('utf8').on('data', (d) => { this.outputText += d; });
    this.exited = new Promise((resolve) => {
      child.on('error', (err) => {
        this.outputText += `spawn error: ${err.message}\n`;
        liveChildren.delete(child);
        this.exit = { code: null, signal: null, error: err };
        resolve(this.exit);
      });
      child.on('exit', (code, signal) => {
        liveChildren.delete(child);
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
    return child;
  }

  /** Starts the process and polls /api/status until 200 (deadline). */
  async launch({ env = {}, deadlineMs = 15000 } = {}) {
    this.spawn(env);
    const deadline = Date.now() + ms(deadlineMs);
    for (;;) {
      if (this.exit) {
        throw new Error(`gatehouse exited during start (code ${this.exit.code}, signal ${this.exit.signal})\n${tail(this.outputText)}`);
      }
      try {
        const res = await fetch(`${this.url}/api/status`, { signal: AbortSignal.timeout(ms(2000)) });
        await res.arrayBuffer();
        if (res.status === 200) return this;
      } catch { /* not listening yet */ }
      if (Date.now() > deadline) {
        await this.kill();
        throw new Error(`gatehouse did not answer /api/status 200 within ${ms(deadlineMs)} ms\n${tail(this.outputText)}`);
      }
      await delay(25);
    }
  }

  /** Waits for the process to exit on its own (deadline); returns {code, signal}. */
  async waitExit(deadlineMs = 15000) {
    if (!this.child) throw new Error('node was never started');
    let timer;
    const timeout = new Promise((resolve) => { timer = setTimeout(resolve, ms(deadlineMs), null); });
    const result = await Promise.race([this.exited, timeout]);
    clearTimeout(timer);
    if (!result) {
      await this.kill();
      throw new Error(`gatehouse did not exit within ${ms(deadlineMs)} ms\n${tail(this.outputText)}`);
    }
    assertNoSanitizerReport(this.outputText, 'gatehouse serve');
    return result;
  }

  /** Sends SIGTERM and asserts a clean exit (code 0) within the deadline. */
  async stop({ deadlineMs = 15000 } = {}) {
    if (!this.child || this.exit) {
      if (this.exit) assertNoSanitizerReport(this.outputText, 'gatehouse serve');
      return this.exit;
    }
    this.child.kill('SIGTERM');
    const result = await this.waitExit(deadlineMs);
    if (result.code !== 0) {
      throw new Error(`gatehouse exited with code ${result.code} (signal ${result.signal}) after SIGTERM, expected 0\n${tail(this.outputText)}`);
    }
    return result;
  }

  /** kill -9, the last resort. */
  async kill() {
    if (this.child && !this.exit) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }

  /** Stops (cleanly if running) and removes the temporary folder it owns. */
  async cleanup() {
    try {
      if (this.child && !this.exit) await this.stop();
    } finally {
      await this.kill();
      if (LOG_DIR) {
        try { rememberSecrets(fs.readFileSync(this.masterKeyFile, 'utf8').trim()); } catch { /* no key file */ }
        fs.writeFileSync(path.join(LOG_DIR, `node-${process.pid}-${this.id}.log`), this.outputText);
      }
      if (this.ownsDir) await removeTempDir(this.dir);
    }
  }

  /** Stops and starts again on the same folder, port and config. */
  async restart() {
    await this.stop();
    await this.launch();
    return this;
  }

  /** Runs the command line against this node's config: gatehouse <args> --config FILE. */
  cli(args, opts = {}) {
    return runCli([...args, '--config', this.configFile],
      { cwd: this.dir, bin: this.bin, ...opts, env: { ...this.env, ...(opts.env || {}) } });
  }

  // -------------------------------------------------------------------------------------------
  // HTTP

  /** fetch() against the node; returns {status, headers, text, json}. */
  async request(p, init = {}) {
    const res = await fetch(this.url + p, { redirect: 'manual', signal: AbortSignal.timeout(ms(10000)), ...init });
    return readBody(res);
  }

  /** Admin API call with the kickstart key (or options.key; key: null sends none). */
  admin(method, p, body, { key = ADMIN_KEY, headers = {} } = {}) {
    const h = { ...headers };
    if (key !== null) h.authorization = `Bearer ${key}`;
    const init = { method, headers: h };
    if (body !== undefined) {
      if (typeof body === 'string') {
        init.body = body;
      } else {
        init.body = JSON.stringify(body);
        if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['content-type'] = 'application/json';
      }
    }
    return this.request(p, init);
  }

  /** POST form to an OAuth endpoint. auth: {basic:[id, secret]} and/or extra headers. */
  postForm(p, params, { basic, headers = {}, contentType = 'application/x-www-form-urlencoded' } = {}) {
    const h = { ...headers };
    if (contentType) h['content-type'] = contentType;
    if (basic) h.authorization = basicAuth(basic[0], basic[1]);
    return this.request(p, { method: 'POST', headers: h, body: typeof params === 'string' ? params : form(params) });
  }

  /**
   * A client_credentials token. client: {client_id, client_secret, token_endpoint_auth_method}.
   * Returns the parsed answer ({status, json, ...}).
   */
  token(client, { scope, extra = {} } = {}) {
    const params = { grant_type: 'client_credentials', scope, ...extra };
    if (client.token_endpoint_auth_method === 'client_secret_post') {
      return this.postForm('/oauth2/token', { ...params, client_id: client.client_id, client_secret: client.client_secret });
    }
    return this.postForm('/oauth2/token', params, { basic: [client.client_id, client.client_secret] });
  }

  /** A token that must be issued (asserts 200); returns the access token string. */
  async accessToken(client, opts = {}) {
    const res = await this.token(client, opts);
    if (res.status !== 200 || !res.json?.access_token) {
      throw new Error(`token request for ${client.client_id} answered ${res.status} ${res.text}`);
    }
    return res.json.access_token;
  }

  /** Creates an application through the admin API (asserts 201); returns the answer's body. */
  async createApplication(metadata) {
    rememberSecrets(metadata.client_secret);
    const res = await this.admin('POST', '/api/applications', metadata);
    rememberSecrets(res.json?.client_secret);
    if (res.status !== 201) {
      throw new Error(`POST /api/applications answered ${res.status} ${res.text}`);
    }
    return res.json;
  }
}

// ---------------------------------------------------------------------------------------------
// node:test glue.

/**
 * A `test` whose failures carry the tail of the node's output. getNodes returns the nodes the
 * test file uses (evaluated when the test fails).
 */
export function nodeTest(getNodes) {
  const wrap = (fn) => async (t) => {
    try {
      await fn(t);
    } catch (err) {
      const nodes = [].concat(getNodes() || []).filter(Boolean);
      const logs = nodes.map((n) => `--- gatehouse output (${n.url}) ---\n${tail(n.output(), 40)}`).join('\n');
      if (logs && err && typeof err === 'object') {
        try { err.message = `${err.message}\n${logs}`; } catch { /* read-only message */ }
      }
      throw err;
    }
  };
  const it = (name, opts, fn) => (typeof opts === 'function' ? test(name, wrap(opts)) : test(name, opts, wrap(fn)));
  return it;
}

/** Polls fn until it returns a truthy value or the deadline passes; returns that value. */
export async function pollUntil(fn, { deadlineMs = 10000, intervalMs = 25, what = 'condition' } = {}) {
  const deadline = Date.now() + ms(deadlineMs);
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`${what} not reached within ${ms(deadlineMs)} ms (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    }
    await delay(intervalMs);
  }
}

/** Space-separated scope string as a sorted array. */
export const scopes = (s) => String(s ?? '').split(' ').filter(Boolean).sort();

/**
 * Opens a TCP connection, writes `data` (if any) and collects what comes back until the server
 * closes the connection or the deadline passes. Resolves {data, closed, elapsedMs}.
 */
export function rawExchange(port, data, { deadlineMs = 10000, endOnData = false } = {}) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    let done = false;
    const finish = (closed) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ data: received, closed, elapsedMs: Date.now() - started });
    };
    const timer = setTimeout(() => finish(false), ms(deadlineMs));
    socket.setEncoding('latin1');
    socket.on('connect', () => { if (data !== undefined) socket.write(data, 'latin1'); });
    socket.on('data', (d) => {
      received += d;
      if (endOnData && /\r\n\r\n/.test(received)) finish(false);
    });
    socket.on('error', (err) => {
      // A reset after the server gave up on us counts as closed.
      if (err.code === 'ECONNRESET' || err.code === 'EPIPE') finish(true);
      else if (!done) { done = true; clearTimeout(timer); reject(err); }
    });
    socket.on('close', () => finish(true));
  });
}
