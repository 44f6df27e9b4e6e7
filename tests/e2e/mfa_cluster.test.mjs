// A sign-in with a second factor across three nodes on one PostgreSQL, HAProxy in front (round
// robin, no stickiness): the password posted to one node and the TOTP code to another, the code
// redeemed on the third; the whole sign-in through the balancer; and the same valid TOTP code
// posted to two nodes at once for two sign-ins of the same user, 100 times (100 users with their
// own seed, so each round has a fresh code and no round waits for the next 30-second step):
// exactly one of the two succeeds each time, the other is told the code was used already. And
// passkey ceremonies that begin on one node and finish on another (a software passkey answers
// the options one node gave with what a browser would post to the next).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import { after, before } from 'node:test';
import * as jose from 'jose';
import { clusterNode, createDatabase, dropDatabase, skipWithoutPg, startBalancer } from './lib/cluster.js';
import { basicAuth, defaultKickstart, nodeTest, rememberSecrets } from './lib/node.js';
import { cookieHeader, hidden, storeCookies } from './lib/forms.js';
import { softPasskey } from './lib/soft_passkey.js';

const MASTER_KEY = crypto.randomBytes(32).toString('base64url');
const WEB = { client_id: 'web', client_secret: 'web-secret-0123456789' };
const CB = 'http://127.0.0.1:1/cb';
const PASSWORD = 'correct horse battery';
const ROUNDS = 100;
const WIDTH = 4;  // rounds raced side by side (each its own user)
const MFA = 'https://refeds.org/profile/mfa';

function newSeed() {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  return [...crypto.randomBytes(32)].map((b) => alphabet[b % 32]).join('');
}
const USERS = Array.from({ length: ROUNDS + 2 }, (_, i) => ({ username: `racer${i}`, password: PASSWORD, totp_secret: newSeed() }));
rememberSecrets(...USERS.map((u) => u.totp_secret));
const KEYHOLDER = { username: 'keyholder', password: PASSWORD };
const ORIGIN = 'http://gatehouse.test';  // the nodes' public_url: the passkeys' origin and RP ID
/** The code an authenticator app shows now (Debian's oathtool). */
const oathtool = (base32) => execFileSync('oathtool', ['--totp', '-b', base32], { encoding: 'utf8' }).trim();

let database;
let a;
let b;
let c;
let lb;
const it = nodeTest(() => [a, b, c].filter(Boolean));

const CONFIG = {
  // Every race counts a refused code for its user: far from a lock; the races start 2 × ROUNDS
  // sign-ins from one address within the window.
  mfa: { code_lockout_threshold: 1000 },
  rate_limits: { authorize_per_ip: 1000000 },
  cluster: { checkin_interval_ms: 300, instance_timeout_ms: 1500, instance_recovery_timeout_ms: 1500 },
};
const node = (id, kickstart = false) => clusterNode(id, { database, masterKey: MASTER_KEY, kickstart, config: CONFIG });

before(async () => {
  database = createDatabase();
  if (!database) return;
  const kickstart = defaultKickstart();
  kickstart.users = [...USERS, KEYHOLDER];
  kickstart.applications.push({
    ...WEB, client_name: 'Web', grant_types: ['authorization_code'], redirect_uris: [CB], scope: '',
  });
  a = await node('node-a', kickstart);
  [b, c] = await Promise.all([node('node-b'), node('node-c')]);
  lb = await startBalancer([a, b, c]);
});
after(async () => {
  await lb?.stop();
  await Promise.all([a, b, c].map((n) => n?.cleanup()));
  dropDatabase(database);
});

// ---------------------------------------------------------------------------------------------
// A browser: a cookie jar, each request to the base URL it names (a node, or the balancer).

async function browse(base, jar, path, fields) {
  const init = { redirect: 'manual', headers: { cookie: cookieHeader(jar) } };
  if (fields) {
    init.method = 'POST';
    init.body = new URLSearchParams(fields);
    init.headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  const res = await fetch(base + path, init);
  storeCookies(jar, res);
  return { status: res.status, text: await res.text(), location: res.headers.get('location') };
}

/** The authorization request on `formBase`, the password posted to `passwordBase`: the factor page. */
async function untilFactorPage(user, formBase, passwordBase) {
  const jar = new Map();
  const verifier = crypto.randomBytes(32).toString('base64url');
  const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
  const query = new URLSearchParams({
    response_type: 'code', client_id: WEB.client_id, redirect_uri: CB, scope: 'openid', state: 's', nonce: 'n',
    code_challenge: challenge, code_challenge_method: 'S256',
  });
  const login = await browse(formBase, jar, `/oauth2/authorize?${query}`);
  assert.equal(login.status, 200, login.text);
  const factor = await browse(passwordBase, jar, '/oauth2/login', {
    tx: hidden(login.text, 'tx'), csrf: hidden(login.text, 'csrf'), username: user.username, password: user.password,
  });
  assert.equal(factor.status, 200, factor.text);
  assert.match(factor.text, /name="method" value="totp"/);
  return { jar, factor, verifier };
}

const postCode = (base, { jar, factor }, code) => browse(base, jar, '/oauth2/login/factor', {
  tx: hidden(factor.text, 'tx'), csrf: hidden(factor.text, 'csrf'), method: 'totp', code,
});

/** The code of a redirect redeemed on `base`: the ID token's claims. */
async function idTokenClaims(base, redirect, verifier) {
  assert.equal(redirect.status, 302, redirect.text);
  const code = new URL(redirect.location).searchParams.get('code');
  assert.ok(code, redirect.location);
  const res = await fetch(`${base}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(WEB.client_id, WEB.client_secret) },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: CB, code_verifier: verifier }),
  });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  return jose.decodeJwt(body.id_token);
}

// ---------------------------------------------------------------------------------------------

it('the password on node A, the TOTP code on node B, the code redeemed on node C: amr pwd otp mfa', skipWithoutPg, async () => {
  const user = USERS[ROUNDS];
  const page = await untilFactorPage(user, a.url, a.url);
  const done = await postCode(b.url, page, oathtool(user.totp_secret));
  const claims = await idTokenClaims(c.url, done, page.verifier);
  assert.deepEqual(claims.amr, ['pwd', 'otp', 'mfa']);
  assert.equal(claims.acr, MFA);
});

it('the whole sign-in through the round-robin balancer (each request on another node)', skipWithoutPg, async () => {
  const user = USERS[ROUNDS + 1];
  const page = await untilFactorPage(user, lb.url, lb.url);
  const done = await postCode(lb.url, page, oathtool(user.totp_secret));
  const claims = await idTokenClaims(lb.url, done, page.verifier);
  assert.deepEqual(claims.amr, ['pwd', 'otp', 'mfa']);
  assert.equal(claims.acr, MFA);
});

it(`the same TOTP code posted to two nodes at once for two sign-ins, ${ROUNDS} times: exactly one succeeds each time`, skipWithoutPg, async () => {
  const race = async (i) => {
    const user = USERS[i];
    // Two sign-ins of the same user, each past its password (on different nodes).
    const [first, second] = await Promise.all([untilFactorPage(user, a.url, a.url), untilFactorPage(user, b.url, c.url)]);
    const code = oathtool(user.totp_secret);
    const answers = await Promise.all([postCode(b.url, first, code), postCode(c.url, second, code)]);
    const won = answers.filter((r) => r.status === 302);
    assert.equal(won.length, 1, `round ${i}: ${answers.map((r) => r.status).join(', ')}`);
    const lost = answers.find((r) => r.status !== 302);
    assert.equal(lost.status, 400, `round ${i}`);
    assert.match(lost.text, /This code was used already|Too many wrong codes/, `round ${i}`);
    assert.ok(new URL(won[0].location).searchParams.get('code'), `round ${i}`);
  };
  for (let i = 0; i < ROUNDS; i += WIDTH) {
    await Promise.all(Array.from({ length: Math.min(WIDTH, ROUNDS - i) }, (_, k) => race(i + k)));
  }
  // One success per user in the audit trail, whichever node wrote it.
  const res = await a.admin('GET', '/api/system/audit?action=sign_in.success&limit=1000');
  assert.equal(res.status, 200, res.text);
  const racers = new Set(res.json.events.map((e) => e.actor));
  assert.ok(racers.size >= ROUNDS, `${racers.size} users signed in`);
});

it('a passkey added with options from node B is stored by node C; a passkey sign-in begun on B finishes on C', skipWithoutPg, async () => {
  const key = softPasskey();
  // Signed in with the password on node A, to the account page.
  const jar = new Map();
  const login = await browse(a.url, jar, '/account');
  const signedIn = await browse(a.url, jar, '/oauth2/login', {
    tx: hidden(login.text, 'tx'), csrf: hidden(login.text, 'csrf'), username: KEYHOLDER.username, password: KEYHOLDER.password,
  });
  assert.equal(signedIn.status, 303, signedIn.text);
  const csrf = hidden((await browse(b.url, jar, '/account')).text, 'csrf');
  const options = await browse(b.url, jar, '/account/passkeys/options', { csrf });
  assert.equal(options.status, 200, options.text);
  const added = await browse(c.url, jar, '/account/passkeys', {
    csrf, name: 'Soft key', credential: key.register(JSON.parse(options.text), ORIGIN, { counter: 1 }),
  });
  assert.equal(added.status, 200, added.text);
  assert.match(added.text, /The passkey was added\./);

  // "Sign in with a passkey" (no username): the login page from A, the options from B, the answer to C.
  const browser = new Map();
  const verifier = crypto.randomBytes(32).toString('base64url');
  const query = new URLSearchParams({
    response_type: 'code', client_id: WEB.client_id, redirect_uri: CB, scope: 'openid', state: 's', nonce: 'n',
    code_challenge: crypto.createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256',
  });
  const page = await browse(a.url, browser, `/oauth2/authorize?${query}`);
  assert.equal(page.status, 200, page.text);
  const form = { tx: hidden(page.text, 'tx'), csrf: hidden(page.text, 'csrf') };
  const auth = await browse(b.url, browser, '/oauth2/login/passkey/options', form);
  assert.equal(auth.status, 200, auth.text);
  const answer = key.authenticate(JSON.parse(auth.text), ORIGIN, { counter: 2 });
  const done = await browse(c.url, browser, '/oauth2/login/passkey', { ...form, credential: answer });
  const claims = await idTokenClaims(a.url, done, verifier);
  assert.deepEqual([...claims.amr].sort(), ['hwk', 'mfa', 'user']);
  assert.equal(claims.acr, MFA);
  // The same answer again, to node A: refused (the sign-in is done, its challenge consumed on C).
  const again = await browse(a.url, browser, '/oauth2/login/passkey', { ...form, credential: answer });
  assert.equal(again.status, 400);
});
