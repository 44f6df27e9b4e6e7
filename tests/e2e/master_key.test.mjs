// The master key: created on first start with mode 0600, required to match the database's stored
// key-check value on every later start, and never a reason to overwrite the stored signing keys.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { after, before } from 'node:test';
import * as jose from 'jose';
import { GatehouseNode, SVC, nodeTest, pollUntil } from './lib/node.js';

let node;
let originalKey; // the bytes of master.key as first written
let originalKids;
const it = nodeTest(() => node);

async function kids() {
  const res = await node.request('/.well-known/jwks.json');
  assert.equal(res.status, 200, res.text);
  return res.json.keys.map((k) => k.kid).sort();
}

/** Starts the node with a wrong key and asserts the refusal: exit 78, a message about the master key. */
async function assertRefusedStart(env = {}) {
  const mark = node.output().length;
  node.spawn(env);
  const exit = await node.waitExit();
  const out = node.output().slice(mark);
  assert.equal(exit.code, 78, `exit ${exit.code}, expected 78:\n${out}`);
  assert.match(out, /master[ _-]?key/i, `the message mentions the master key:\n${out}`);
  assert.match(out, /^gatehouse: /m, `a refusal line starting with "gatehouse: ":\n${out}`);
}

/** A different key in the same format as the original file (raw bytes or text). */
function otherKeyLike(original) {
  const text = original.toString('utf8');
  if (/^[A-Za-z0-9_\-+/=\s]+$/.test(text)) {
    const trimmed = text.trim();
    let other;
    if (/^[0-9a-fA-F]+$/.test(trimmed) && trimmed.length === 64) other = crypto.randomBytes(32).toString('hex');
    else if (/[+/=]/.test(trimmed)) other = crypto.randomBytes(32).toString('base64');
    else other = crypto.randomBytes(32).toString('base64url');
    return Buffer.from(text.replace(trimmed, other));
  }
  return crypto.randomBytes(original.length);
}

before(async () => {
  node = await GatehouseNode.start();
  originalKey = await fsp.readFile(node.masterKeyFile);
  // The current keys, and the next ones the rotation job publishes at start (four in all).
  originalKids = await pollUntil(async () => {
    const k = await kids();
    return k.length === 4 && k;
  }, { what: 'the next keys to be published' });
});
after(async () => { await node?.cleanup(); });

it('the first start creates master.key with mode 0600, and the database does not hold it in the clear', async () => {
  const st = await fsp.stat(node.masterKeyFile);
  assert.ok(st.isFile());
  assert.equal(st.mode & 0o777, 0o600, `mode ${(st.mode & 0o777).toString(8)}`);
  assert.ok(originalKey.length >= 32, 'at least 256 bits');
  // The database holds sealed keys and secret hashes: private to the service's user as well.
  const dbMode = (await fsp.stat(node.dbFile)).mode & 0o777;
  assert.equal(dbMode, 0o600, `database mode ${dbMode.toString(8)}`);
  for (const f of [node.dbFile, `${node.dbFile}-wal`]) {
    if (!fs.existsSync(f)) continue;
    const db = await fsp.readFile(f);
    assert.equal(db.indexOf(originalKey), -1, `${f} does not contain the master key file`);
    const trimmed = Buffer.from(originalKey.toString('utf8').trim());
    if (trimmed.length >= 16) assert.equal(db.indexOf(trimmed), -1, `${f} does not contain the master key`);
  }
});

it('a restart with the same key serves the same JWKS kids', async () => {
  await node.restart();
  assert.deepEqual(await kids(), originalKids);
  assert.equal((await node.token(SVC)).status, 200);
});

it('a different master key refuses to start, and the keys are never overwritten', async () => {
  const token = await node.accessToken(SVC);
  await node.stop();

  // 1. a different key through the environment
  await assertRefusedStart({ GATEHOUSE_KEYS_MASTER_KEY: crypto.randomBytes(32).toString('base64url') });
  // 2. a rewritten key file
  await fsp.writeFile(node.masterKeyFile, otherKeyLike(originalKey), { mode: 0o600 });
  await assertRefusedStart();
  // 3. no key file at all: the database knows a key, so a fresh one is refused too
  await fsp.rm(node.masterKeyFile, { force: true });
  await assertRefusedStart();

  // The original key still works and nothing was replaced.
  await fsp.writeFile(node.masterKeyFile, originalKey, { mode: 0o600 });
  await fsp.chmod(node.masterKeyFile, 0o600);
  await node.launch();
  assert.deepEqual(await kids(), originalKids);
  // A token issued before the refused starts still verifies with the published keys.
  const jwks = jose.createLocalJWKSet((await node.request('/.well-known/jwks.json')).json);
  const { payload } = await jose.jwtVerify(token, jwks, { issuer: node.url, audience: SVC.client_id });
  assert.equal(payload.client_id, SVC.client_id);
  assert.equal((await node.token(SVC)).status, 200);
});
