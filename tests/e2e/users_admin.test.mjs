// The admin API for users (/api/users) and users in kickstart files: OIDC claim names, unique
// usernames and emails, passwords hashed with argon2id and never returned.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { after, before } from 'node:test';
import { GatehouseNode, defaultKickstart, nodeTest } from './lib/node.js';

// An authenticator seed as another system exports it (RFC 6238's SHA-1 test seed).
const KICK_TOTP = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

let node;
const it = nodeTest(() => [node]);

before(async () => {
  const kickstart = defaultKickstart();
  kickstart.users = [{ username: 'kick.user', password: 'kickstart-password', email: 'kick@example.com', name: 'Kick User' },
    { username: 'kick.totp', password: 'kickstart-password', totp_secret: KICK_TOTP }];
  node = await GatehouseNode.start({
    kickstart,
    // Small argon2 parameters keep the suite fast; production defaults are unit-tested.
    config: { passwords: { memory_kib: 256, iterations: 1 } },
  });
});
after(async () => {
  await node?.cleanup();
});

it('a user from the kickstart file exists with a password', async () => {
  const res = await node.admin('GET', '/api/users?username=KICK.USER');
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.total, 1);
  const u = res.json.users[0];
  assert.equal(u.username, 'kick.user');
  assert.equal(u.email, 'kick@example.com');
  assert.equal(u.name, 'Kick User');
  assert.equal(u.has_password, true);
  assert.equal(u.password_hash, undefined);
});

it('a kickstart user with totp_secret has the imported authenticator app, whose codes (oathtool) are accepted', async () => {
  const u = (await node.admin('GET', '/api/users?username=kick.totp')).json.users[0];
  assert.ok(u && !JSON.stringify(u).includes(KICK_TOTP), 'never returned');
  const factors = await node.admin('GET', `/api/users/${u.id}/factors`);
  assert.equal(factors.status, 200, factors.text);
  assert.equal(factors.json.totp.enabled, true);
  const code = execFileSync('oathtool', ['--totp', '-b', KICK_TOTP], { encoding: 'utf8' }).trim();
  const verified = await node.admin('POST', `/api/users/${u.id}/factors/totp/verify`, { code });
  assert.equal(verified.json.result, 'accepted', verified.text);
  const other = (await node.admin('GET', '/api/users?username=kick.user')).json.users[0];
  assert.equal((await node.admin('GET', `/api/users/${other.id}/factors`)).json.totp.enabled, false);
});

it('create, read, list, replace, set password, deactivate, delete', async () => {
  const created = await node.admin('POST', '/api/users', {
    username: 'ada', password: 'correct horse battery', email: 'ada@example.com', email_verified: true,
    given_name: 'Ada', family_name: 'Lovelace',
  });
  assert.equal(created.status, 201, created.text);
  const id = created.json.id;
  assert.ok(id && id.length >= 16);
  assert.equal(created.headers.get('location'), `/api/users/${id}`);
  assert.equal(created.json.has_password, true);
  assert.ok(!created.text.includes('argon2') && !created.text.includes('correct horse'), created.text);

  const got = await node.admin('GET', `/api/users/${id}`);
  assert.equal(got.status, 200);
  assert.equal(got.json.family_name, 'Lovelace');

  const byEmail = await node.admin('GET', '/api/users?email=ADA@EXAMPLE.COM');
  assert.equal(byEmail.json.total, 1);
  assert.equal(byEmail.json.users[0].id, id);
  const page = await node.admin('GET', '/api/users?limit=1&offset=0');
  assert.equal(page.json.users.length, 1);
  assert.ok(page.json.total >= 2);

  const replaced = await node.admin('PUT', `/api/users/${id}`, { ...got.json, name: 'Ada King' });
  assert.equal(replaced.status, 200, replaced.text);
  assert.equal(replaced.json.name, 'Ada King');
  assert.equal(replaced.json.has_password, true, 'a PUT keeps the password');

  const withPassword = await node.admin('PUT', `/api/users/${id}`, { username: 'ada', password: 'new password 1' });
  assert.equal(withPassword.status, 400);
  assert.equal(withPassword.json.field, 'password');
  assert.equal((await node.admin('POST', `/api/users/${id}/password`, { password: 'new password 1' })).status, 204);
  const short = await node.admin('POST', `/api/users/${id}/password`, { password: 'short' });
  assert.equal(short.status, 400);
  assert.equal(short.json.field, 'password');

  const off = await node.admin('POST', `/api/users/${id}/deactivate`);
  assert.equal(off.status, 200);
  assert.equal(off.json.active, false);
  const on = await node.admin('POST', `/api/users/${id}/activate`);
  assert.equal(on.json.active, true);

  assert.equal((await node.admin('DELETE', `/api/users/${id}`)).status, 204);
  assert.equal((await node.admin('GET', `/api/users/${id}`)).status, 404);
  assert.equal((await node.admin('DELETE', `/api/users/${id}`)).status, 404);
});

it('usernames and emails are unique ignoring case (409 naming the field)', async () => {
  assert.equal((await node.admin('POST', '/api/users', { username: 'grace', email: 'grace@example.com' })).status, 201);
  const sameName = await node.admin('POST', '/api/users', { username: 'GRACE' });
  assert.equal(sameName.status, 409);
  assert.equal(sameName.json.field, 'username');
  const sameEmail = await node.admin('POST', '/api/users', { username: 'grace2', email: 'Grace@Example.com' });
  assert.equal(sameEmail.status, 409);
  assert.equal(sameEmail.json.field, 'email');
});

it('invalid documents are 400 with the field named', async () => {
  for (const [doc, field] of [
    [{}, 'username'],
    [{ username: 'x y' }, 'username'],
    [{ username: 'bob', email: 'nope' }, 'email'],
    [{ username: 'bob', password: 'short' }, 'password'],
    [{ username: 'bob', role: 'admin' }, 'role'],
    [{ username: 'bob', active: 'yes' }, 'active'],
  ]) {
    const res = await node.admin('POST', '/api/users', doc);
    assert.equal(res.status, 400, `${JSON.stringify(doc)} -> ${res.text}`);
    assert.equal(res.json.error, 'invalid_field');
    assert.equal(res.json.field, field, JSON.stringify(doc));
  }
});

it('passwords are stored as argon2id hashes, never in the clear', async () => {
  const secret = 'a-password-nobody-guesses-42';
  assert.equal((await node.admin('POST', '/api/users', { username: 'hashed', password: secret })).status, 201);
  for (const f of [node.dbFile, `${node.dbFile}-wal`]) {
    if (!fs.existsSync(f)) continue;
    const bytes = fs.readFileSync(f);
    assert.equal(bytes.indexOf(secret), -1, `${f} holds the password`);
  }
  const wal = fs.existsSync(`${node.dbFile}-wal`) ? fs.readFileSync(`${node.dbFile}-wal`) : Buffer.alloc(0);
  const db = Buffer.concat([fs.readFileSync(node.dbFile), wal]);
  assert.notEqual(db.indexOf('$argon2id$v=19$m=256,t=1,p=1$'), -1, 'no argon2id PHC string found');
});

it('the admin API for users needs an API key', async () => {
  const res = await node.admin('GET', '/api/users', undefined, { key: null });
  assert.equal(res.status, 401);
});
