// The mixed, bounded load of the chaos suite, sent through HAProxy, and what it records.
//
// A few concurrent loops, each with a deadline:
//   - service: client_credentials tokens, each introspected;
//   - users (two loops): a password sign-in through the hosted form with the code flow and PKCE,
//     the code redeemed, the access token introspected, an SSO sign-in (a second authorize with
//     the session cookie, no form) and its code redeemed, then two refresh rotations;
//   - admin: an application created, read, updated and deleted through the admin API.
// Every request has a 10 s timeout. Every answer is counted in the current phase: sent, good, or
// failed with its status (or "timeout", or the connection error). A sign-in whose form was shown
// but whose post did not end in a code is a sign-in lost mid-form.
//
// One-time items: every code redeemed and every refresh token rotated with a 200 goes into the
// ledger; once its whole sign-in is over (replaying one revokes what it issued, which would break
// a chain still in use), replay() presents each again, to a random node, and anything but
// 400 invalid_grant is counted (a 200 is an item accepted twice).
import crypto from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';

export const REQUEST_TIMEOUT_MS = 10000;
export const REDIRECT_URI = 'http://127.0.0.1:1/cb';
export const WEB = { client_id: 'web', client_secret: 'web-secret-0123456789abcdef' };
export const SVC = { client_id: 'svc', client_secret: 'svc-secret-0123456789abcdef' };
export const USERS = [
  { username: 'ada', password: 'correct horse battery', name: 'Ada Lovelace' },
  { username: 'grace', password: 'staple battery horse', name: 'Grace Hopper' },
];

const b64url = (buf) => Buffer.from(buf).toString('base64url');
const basic = (c) => `Basic ${Buffer.from(`${encodeURIComponent(c.client_id)}:${encodeURIComponent(c.client_secret)}`).toString('base64')}`;
const FORM = 'application/x-www-form-urlencoded';

/** One phase's figures (a fault from its start until the cluster recovered, or a quiet stretch). */
export class Phase {
  constructor(name) {
    Object.assign(this, { name, startedAt: Date.now(), sent: 0, good: 0, lostSignIns: 0, failures: [], maxMs: 0 });
  }

  get failed() { return this.failures.length; }

  /** "503 ×4 (retry-after), 400 invalid_grant ×1" */
  failureSummary() {
    const counts = new Map();
    for (const f of this.failures) counts.set(f.label, (counts.get(f.label) ?? 0) + 1);
    const noServer = this.failures.filter((f) => f.noServer).length;
    return [...counts].map(([label, n]) => `${label} ×${n}`).join(', ')
      + (noServer ? `; ${noServer} of them HAProxy's own 503 (no node up)` : '');
  }

  lastFailureAt() { return this.failures.reduce((t, f) => Math.max(t, f.at), 0); }
}

/** Where answers are counted; `phase` is switched by the fault runner. */
export class Recorder {
  constructor() {
    this.phases = [];
    this.begin('start-up');
  }

  begin(name) {
    this.phase = new Phase(name);
    this.phases.push(this.phase);
    return this.phase;
  }
}

/**
 * One request with the 10 s timeout. `ok(res, json)` decides success. Returns {res, json, text}
 * on success, null on failure (after counting it).
 */
async function call(rec, kind, url, init, ok) {
  rec.phase.sent += 1;  // counted where it was sent; its outcome where it ended (a fault that
  // hits a request in flight belongs to the fault's row)
  const t0 = Date.now();
  let res;
  let text = '';
  let error = null;
  try {
    res = await fetch(url, { redirect: 'manual', ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    text = await res.text();
  } catch (err) {
    error = err.name === 'TimeoutError' ? 'timeout' : `error ${err.cause?.code ?? err.message}`;
  }
  const ms = Date.now() - t0;
  const phase = rec.phase;
  phase.maxMs = Math.max(phase.maxMs, ms);
  let json;
  if (!error) { try { json = JSON.parse(text); } catch { json = undefined; } }
  if (!error && ok(res, json)) {
    phase.good += 1;
    return { res, json, text };
  }
  const status = error ?? String(res.status);
  // An authorization endpoint's error goes back to the client's redirect_uri (RFC 6749 §4.1.2.1).
  let redirectError = null;
  if (!error && res.status === 302 && res.headers.get('location')) {
    try { redirectError = new URL(res.headers.get('location')).searchParams.get('error'); } catch { /* not a URL */ }
  }
  const detail = json?.error ? ` ${json.error}` : redirectError ? ` error=${redirectError}` : '';
  const retryAfter = res?.headers.get('retry-after');
  if (retryAfter && rec.lane) rec.lane.retryAfter = Number(retryAfter) || 1;
  phase.failures.push({
    kind, status, at: Date.now(), ms,
    label: `${kind} ${status}${detail}`,
    retryAfter: retryAfter ?? null,
    redirectError,
    server: res?.headers.get('x-chaos-server') ?? null,
    noServer: res?.headers.get('x-chaos-lb') === 'no-server',
    body: text.slice(0, 300),
  });
  return null;
}

/** The ledger of one-time items accepted once, by sign-in ("chain"). */
export class Ledger {
  constructor() {
    this.items = [];  // {kind: code|refresh, value, verifier, usedAt, chain}
    this.retired = new Set();
    this.nextChain = 1;
  }

  chain() { return this.nextChain++; }
  /** An item used once and accepted; `answer` is what that use gave (the new refresh token). */
  accept(kind, value, chain, { verifier, answer } = {}) { this.items.push({ kind, value, verifier, answer, chain, usedAt: Date.now() }); }
  retire(chain) { this.retired.add(chain); }

  /** Takes the items of finished chains used before `before` (ms since the epoch) out of the ledger. */
  takeReady(before) {
    const ready = [];
    const rest = [];
    for (const item of this.items) (this.retired.has(item.chain) && item.usedAt < before ? ready : rest).push(item);
    this.items = rest;
    return ready;
  }
}

/**
 * Presents one used item again to `node`. Returns 'refused', 'again' (a refresh token answered
 * with the same new token as its first use: the grace window's answer, not a second rotation),
 * 'accepted' (a second code redemption or rotation) or 'other <status>'.
 */
async function replayOne(node, item) {
  const params = item.kind === 'code'
    ? { grant_type: 'authorization_code', code: item.value, redirect_uri: REDIRECT_URI, code_verifier: item.verifier }
    : { grant_type: 'refresh_token', refresh_token: item.value };
  for (let attempt = 0; ; attempt++) {
    let res;
    let json;
    try {
      res = await fetch(`${node.url}/oauth2/token`, {
        method: 'POST', headers: { 'content-type': FORM, authorization: basic(WEB) },
        body: new URLSearchParams(params), signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      json = await res.json().catch(() => undefined);
    } catch (err) {
      if (attempt < 3) continue;
      return `other ${err.name} ${err.cause?.code ?? err.cause?.message ?? err.message}`;
    }
    if (res.status === 400 && json?.error === 'invalid_grant') return 'refused';
    if (res.status === 200) return item.kind === 'refresh' && json?.refresh_token === item.answer ? 'again' : 'accepted';
    if (res.status === 503 && attempt < 3) { await delay(500); continue; }
    return `other ${res.status}`;
  }
}

/**
 * Replays every item of a finished sign-in used before `before` on random nodes (a few at a
 * time). Returns {checked, accepted, again, other: [labels], acceptedItems: [labels]}: `accepted`
 * counts every 200, `again` those of them that were the grace window's repeated answer.
 */
export async function replay(ledger, nodes, before) {
  const items = ledger.takeReady(before);
  const out = { checked: items.length, accepted: 0, again: 0, other: [], acceptedItems: [] };
  for (let i = 0; i < items.length; i += 8) {
    const batch = items.slice(i, i + 8);
    const results = await Promise.all(batch.map((item) => replayOne(nodes[crypto.randomInt(nodes.length)], item)));
    results.forEach((r, k) => {
      if (r === 'accepted' || r === 'again') {
        out.accepted += 1;
        if (r === 'again') out.again += 1;
        out.acceptedItems.push(`${batch[k].kind} used at ${new Date(batch[k].usedAt).toISOString()}${r === 'again' ? ' (the same answer again)' : ''}`);
      }
      else if (r !== 'refused') out.other.push(`${batch[k].kind}: ${r}`);
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The loops.

function authorizeUrl(lb, challenge) {
  const url = new URL(`${lb}/oauth2/authorize`);
  url.search = new URLSearchParams({
    response_type: 'code', client_id: WEB.client_id, redirect_uri: REDIRECT_URI, scope: 'openid offline_access',
    state: b64url(crypto.randomBytes(8)), nonce: b64url(crypto.randomBytes(8)),
    code_challenge: challenge, code_challenge_method: 'S256',
  });
  return url;
}

const codeOf = (res) => {
  const loc = res.headers.get('location');
  return loc ? new URL(loc).searchParams.get('code') : null;
};

function pkce() {
  const verifier = b64url(crypto.randomBytes(32));
  return { verifier, challenge: b64url(crypto.createHash('sha256').update(verifier).digest()) };
}

async function redeem(ctx, code, verifier, chain) {
  const r = await call(ctx.rec, 'code redeem', `${ctx.lb}/oauth2/token`, {
    method: 'POST', headers: { 'content-type': FORM, authorization: basic(WEB) },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier }),
  }, (res, json) => res.status === 200 && json?.access_token && json?.id_token);
  if (r) ctx.ledger.accept('code', code, chain, { verifier });
  return r?.json ?? null;
}

async function introspect(ctx, client, token) {
  return call(ctx.rec, 'introspect', `${ctx.lb}/oauth2/introspect`, {
    method: 'POST', headers: { 'content-type': FORM, authorization: basic(client) }, body: new URLSearchParams({ token }),
  }, (res, json) => res.status === 200 && json?.active === true);
}

/** One user's round: sign-in (form), redeem, introspect, SSO sign-in, redeem, two refreshes. */
async function userRound(ctx, user) {
  const { rec, lb, ledger } = ctx;
  const chain = ledger.chain();
  try {
    const p1 = pkce();
    const form = await call(rec, 'authorize (form)', authorizeUrl(lb, p1.challenge), {},
      (res) => res.status === 200 && /gh_csrf=/.test(res.headers.get('set-cookie') ?? ''));
    if (!form) return;
    const csrfCookie = /gh_csrf=([^;]+)/.exec(form.res.headers.get('set-cookie'))[1];
    const field = (name) => new RegExp(`name="${name}" value="([^"]*)"`).exec(form.text)?.[1] ?? '';
    const posted = await call(rec, 'sign-in post', `${lb}/oauth2/login`, {
      method: 'POST', headers: { 'content-type': FORM, cookie: `gh_csrf=${csrfCookie}` },
      body: new URLSearchParams({ tx: field('tx'), csrf: field('csrf'), username: user.username, password: user.password }),
    }, (res) => res.status === 302 && Boolean(codeOf(res)) && /gh_session=/.test(res.headers.get('set-cookie') ?? ''));
    if (!posted) { rec.phase.lostSignIns += 1; return; }
    const session = /(gh_session=[^;]+)/.exec(posted.res.headers.get('set-cookie'))[1];
    const tokens = await redeem(ctx, codeOf(posted.res), p1.verifier, chain);
    if (!tokens) return;
    if (!(await introspect(ctx, WEB, tokens.access_token))) return;

    const p2 = pkce();
    const sso = await call(rec, 'authorize (SSO)', authorizeUrl(lb, p2.challenge), { headers: { cookie: session } },
      (res) => res.status === 302 && Boolean(codeOf(res)));
    if (!sso) return;
    const again = await redeem(ctx, codeOf(sso.res), p2.verifier, chain);
    if (!again) return;

    let refresh = again.refresh_token;
    for (let i = 0; i < 2 && refresh; i++) {
      const r = await call(rec, 'refresh', `${lb}/oauth2/token`, {
        method: 'POST', headers: { 'content-type': FORM, authorization: basic(WEB) },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refresh }),
      }, (res, json) => res.status === 200 && json?.refresh_token && json.refresh_token !== refresh);
      if (!r) return;
      ledger.accept('refresh', refresh, chain, { answer: r.json.refresh_token });
      refresh = r.json.refresh_token;
    }
  } finally {
    ledger.retire(chain);
  }
}

async function serviceRound(ctx) {
  const r = await call(ctx.rec, 'client_credentials', `${ctx.lb}/oauth2/token`, {
    method: 'POST', headers: { 'content-type': FORM, authorization: basic(SVC) },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'api:read' }),
  }, (res, json) => res.status === 200 && json?.access_token);
  if (r) await introspect(ctx, SVC, r.json.access_token);
}

async function adminRound(ctx, n) {
  const { rec, lb } = ctx;
  const headers = { authorization: `Bearer ${ctx.adminKey}`, 'content-type': 'application/json' };
  const id = `chaos-app-${process.pid}-${n}`;
  const doc = { client_id: id, client_name: 'Chaos app', grant_types: ['client_credentials'], scope: 'api:read',
    token_endpoint_auth_method: 'client_secret_basic', redirect_uris: [] };
  const created = await call(rec, 'admin create', `${lb}/api/applications`, { method: 'POST', headers, body: JSON.stringify(doc) },
    (res) => res.status === 201);
  if (!created) return;
  const read = await call(rec, 'admin read', `${lb}/api/applications/${id}`, { headers }, (res, json) => res.status === 200 && json?.client_id === id);
  if (!read) return;
  const updated = await call(rec, 'admin update', `${lb}/api/applications/${id}`,
    { method: 'PUT', headers, body: JSON.stringify({ ...doc, client_name: `Chaos app ${n}` }) }, (res) => res.status === 200);
  if (!updated) return;
  await call(rec, 'admin delete', `${lb}/api/applications/${id}`, { method: 'DELETE', headers }, (res) => res.status === 204);
}

/**
 * Runs the loops until stop() is called or `deadline` (ms since the epoch) passes. `pauseMs`
 * between rounds keeps the load modest on a shared machine. A round that got a Retry-After waits
 * that long (at most 1 s) before the next, as a well-behaved client does. Returns {stop, done, rounds}.
 */
export function startLoad(ctx, { deadline, pauseMs = 20 }) {
  let stopped = false;
  const rounds = { service: 0, user: 0, admin: 0 };
  const loop = async (name, round) => {
    const lane = { retryAfter: 0 };
    const own = { ...ctx, rec: Object.create(ctx.rec, { lane: { value: lane } }) };
    for (let n = 0; !stopped && Date.now() < deadline; n++) {
      lane.retryAfter = 0;
      try {
        await round(own, n);
      } catch (err) {
        // A bug in the load itself (not an answer of the cluster): counted, then the loop goes on.
        ctx.rec.phase.failures.push({ kind: name, status: 'load error', at: Date.now(), ms: 0, label: `${name} load error: ${err.message}` });
      }
      rounds[name.split(' ')[0]] += 1;
      await delay(lane.retryAfter ? Math.min(lane.retryAfter, 1) * 1000 : pauseMs);
    }
  };
  const done = Promise.all([
    loop('service', (c) => serviceRound(c)),
    loop('user 1', (c) => userRound(c, USERS[0])),
    loop('user 2', (c) => userRound(c, USERS[1])),
    loop('admin', (c, n) => adminRound(c, n)),
  ]);
  return { stop: () => { stopped = true; return done; }, done, rounds };
}
