// Kickstart (at serve and with `gatehouse init`), `migrate`, `config check` and the exit codes of
// the command line (docs/API.md "Command line").
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { createDatabase, dropDatabase, skipWithoutPg } from './lib/cluster.js';
import { GatehouseNode, REPO, SVC, nodeTest, runCli } from './lib/node.js';

let current = []; // the nodes of the running test, for the failure output
const it = nodeTest(() => current);

async function withNode(options, fn) {
  const node = await GatehouseNode.create(options);
  current = [node];
  try {
    await fn(node);
  } finally {
    await node.cleanup();
  }
}

async function counts(node) {
  const apps = await node.admin('GET', '/api/applications?limit=500');
  assert.equal(apps.status, 200, apps.text);
  const keys = await node.admin('GET', '/api/api-keys');
  assert.equal(keys.status, 200, keys.text);
  return { applications: apps.json.total, apiKeys: keys.json.api_keys.length };
}

function assertRefusal(res, code, ...mentions) {
  assert.equal(res.code, code, `exit ${res.code}, expected ${code}\nstdout: ${res.stdout}\nstderr: ${res.stderr}`);
  assert.match(res.stderr, /^gatehouse: /m, `a refusal line starting with "gatehouse: "\nstderr: ${res.stderr}`);
  for (const m of mentions) assert.ok(res.stderr.includes(m), `stderr names ${m}\nstderr: ${res.stderr}`);
}

it('serve applies the kickstart file: its API key and application work', async () => {
  await withNode({}, async (node) => {
    await node.launch();
    const apps = await node.admin('GET', `/api/applications/${SVC.client_id}`);
    assert.equal(apps.status, 200, apps.text);
    assert.equal(apps.json.client_name, SVC.client_name);
    assert.equal(apps.json.scope, SVC.scope);
    assert.equal(apps.json.client_secret, undefined);
    const token = await node.token(SVC);
    assert.equal(token.status, 200, token.text);
    // Restarting applies the file again and changes nothing.
    const before = await counts(node);
    await node.restart();
    assert.deepEqual(await counts(node), before);
    assert.equal((await node.token(SVC)).status, 200);
  });
});

it('gatehouse init --kickstart applies a file once; running it twice changes nothing', async () => {
  await withNode({}, async (node) => {
    await node.launch();
    const initial = await counts(node);
    await node.stop();

    const extraKey = `init-key-${crypto.randomBytes(12).toString('hex')}`;
    const file = path.join(node.dir, 'more.json');
    await fsp.writeFile(file, JSON.stringify({
      api_keys: [{ key: extraKey, description: 'from init' }],
      applications: [{
        client_id: 'from-init', client_secret: 'from-init-secret-0123', client_name: 'From init',
        grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_post',
        scope: 'x:read', redirect_uris: [],
      }],
      users: [],
    }));

    const first = await node.cli(['init', '--kickstart', file]);
    assert.equal(first.code, 0, `first init: ${first.stdout}${first.stderr}`);
    await node.launch();
    const afterFirst = await counts(node);
    assert.deepEqual(afterFirst, { applications: initial.applications + 1, apiKeys: initial.apiKeys + 1 });
    assert.equal((await node.admin('GET', '/api/applications', undefined, { key: extraKey })).status, 200);
    const client = { client_id: 'from-init', client_secret: 'from-init-secret-0123', token_endpoint_auth_method: 'client_secret_post' };
    assert.equal((await node.token(client)).status, 200);
    // Change the application through the API: a second init must not put the file's version back.
    const put = await node.admin('PUT', '/api/applications/from-init', {
      client_name: 'Changed', token_endpoint_auth_method: 'client_secret_post', scope: 'x:read',
    });
    assert.equal(put.status, 200, put.text);
    await node.stop();

    const second = await node.cli(['init', '--kickstart', file]);
    assert.equal(second.code, 0, `second init: ${second.stdout}${second.stderr}`);
    await node.launch();
    assert.deepEqual(await counts(node), afterFirst);
    assert.equal((await node.admin('GET', '/api/applications/from-init')).json.client_name, 'Changed');
    assert.equal((await node.token(client)).status, 200);
  });
});

it('a bad kickstart file is refused with exit 78 naming the entry, and nothing of it is written', async () => {
  await withNode({}, async (node) => {
    await node.launch();
    const initial = await counts(node);
    await node.stop();

    const badKey = `bad-file-key-${crypto.randomBytes(12).toString('hex')}`;
    const file = path.join(node.dir, 'bad.json');
    await fsp.writeFile(file, JSON.stringify({
      api_keys: [{ key: badKey, description: 'must not be stored' }],
      applications: [
        { client_id: 'bad-file-ok-app', client_secret: 'bad-file-secret-0123', grant_types: ['client_credentials'], scope: 'a', redirect_uris: [] },
        { client_id: 'bad-file-bad-app', client_secret: 'bad-file-secret-0123', grant_types: 'client_credentials', scope: 'a', redirect_uris: [] },
      ],
      users: [],
    }));
    const res = await node.cli(['init', '--kickstart', file]);
    assertRefusal(res, 78, 'applications[1].grant_types');

    // The same file at serve time refuses the start.
    const serveNode = await GatehouseNode.create({
      dir: node.dir, port: node.port, name: 'bad-kickstart', kickstart: false, config: { bootstrap: { kickstart: file } },
    });
    current.push(serveNode);
    serveNode.spawn();
    const exit = await serveNode.waitExit();
    assert.equal(exit.code, 78, serveNode.output());
    assert.ok(serveNode.output().includes('applications[1].grant_types'), serveNode.output());

    await node.launch();
    assert.deepEqual(await counts(node), initial);
    assert.equal((await node.admin('GET', '/api/applications', undefined, { key: badKey })).status, 401);
    assert.equal((await node.admin('GET', '/api/applications/bad-file-ok-app')).status, 404);
    assert.equal((await node.admin('GET', '/api/applications/bad-file-bad-app')).status, 404);
  });
});

it('kickstart validation names each kind of bad entry', async () => {
  await withNode({ kickstart: false }, async (node) => {
    const app = { client_id: 'k', client_secret: 'k-secret-0123456789', grant_types: ['client_credentials'], scope: 'a', redirect_uris: [] };
    const cases = [
      [{ api_keys: [{ key: 'short', description: 'x' }], applications: [], users: [] }, 'api_keys[0].key'],
      [{ api_keys: [], applications: [{ ...app, client_secret: 'short' }], users: [] }, 'applications[0].client_secret'],
      [{ api_keys: [], applications: [{ ...app, token_endpoint_auth_method: 'none' }], users: [] }, 'applications[0].token_endpoint_auth_method'],
      [{ api_keys: [], applications: [], users: {} }, 'users'],
    ];
    let n = 0;
    for (const [content, name] of cases) {
      const file = path.join(node.dir, `case-${n++}.json`);
      await fsp.writeFile(file, JSON.stringify(content));
      assertRefusal(await node.cli(['init', '--kickstart', file]), 78, name);
    }
    const notJson = path.join(node.dir, 'not-json.json');
    await fsp.writeFile(notJson, '{"api_keys": [');
    assertRefusal(await node.cli(['init', '--kickstart', notJson]), 78);
    const missing = path.join(node.dir, 'missing.json');
    const res = await node.cli(['init', '--kickstart', missing]);
    assert.notEqual(res.code, 0, res.stderr);
    assert.ok(res.stderr.includes('missing.json'), `names the file: ${res.stderr}`);
  });
});

it('gatehouse migrate prints the schema version and exits 0, twice', async () => {
  await withNode({ kickstart: false }, async (node) => {
    const first = await node.cli(['migrate']);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    // The first number on stdout is the schema version ("schema version N ...").
    const version = (s) => s.match(/version\D*(\d+)/i)?.[1] ?? s.match(/\d+/)?.[0];
    assert.ok(version(first.stdout), `a version on stdout: ${first.stdout}`);
    const second = await node.cli(['migrate']);
    assert.equal(second.code, 0, second.stdout + second.stderr);
    assert.equal(version(second.stdout), version(first.stdout), 'the same schema version');
    // serve starts on the migrated database
    await node.launch();
    assert.equal((await node.request('/api/status')).status, 200);
  });
});

// migrate --dry-run on `node`'s empty database (SQLite or PostgreSQL), whose schema version
// `schema()` reads and whose record of a migration `forget(version)` deletes: lists what is
// pending, changes nothing, exit 0.
async function checkDryRun(node, backend, schema, forget) {
  const migrations = (out) => [...out.matchAll(/^(\d{4}) (\w+): (\d+) statement\(s\)$/gm)].map((m) => `${m[1]} ${m[2]}`);
  // An empty database: every migration pending, from 0001 initial; nothing created.
  const empty = await node.cli(['migrate', '--dry-run']);
  assert.equal(empty.code, 0, empty.stdout + empty.stderr);
  assert.match(empty.stdout, /^schema version 0, this binary knows (\d+): \d+ migration\(s\) pending \(dry run: nothing was changed\)$/m);
  const all = migrations(empty.stdout);
  assert.equal(all[0], '0001 initial', empty.stdout);
  assert.ok(all.length >= 11, `every migration listed:\n${empty.stdout}`);
  assert.match(empty.stdout, /^ {2}CREATE TABLE clients \( client_id .* NOT NULL PRIMARY KEY, /m, 'one line per statement');
  assert.equal(schema(), 0, 'nothing was migrated');
  // Migrated: nothing pending.
  const migrated = await node.cli(['migrate']);
  assert.equal(migrated.code, 0, migrated.stdout + migrated.stderr);
  const latest = Number(/schema version (\d+)/.exec(migrated.stdout)[1]);
  assert.equal(all.at(-1).slice(0, 4), String(latest).padStart(4, '0'), 'the last listed is the latest');
  const upToDate = await node.cli(['migrate', '--dry-run']);
  assert.equal(upToDate.code, 0, upToDate.stderr);
  assert.equal(upToDate.stdout.trim(), `schema version ${latest}: up to date, no migration pending (dry run: nothing was changed)`);
  // The database as the release before the last migration left it: that migration alone, with its
  // statements, and still not applied afterwards.
  forget(latest);
  const before = schema();
  const one = await node.cli(['migrate', '--dry-run']);
  assert.equal(one.code, 0, one.stderr);
  assert.deepEqual(migrations(one.stdout), [all.at(-1)], one.stdout);
  // Its statements, one line each, as the newest migration file of the backend has them.
  const dir = path.join(REPO, 'src', 'storage', backend, 'migrations');
  const file = fs.readdirSync(dir).filter((f) => /^\d{4}_\w+\.sql$/.test(f)).sort().at(-1);
  assert.equal(file.replace(/\.sql$/, '').replace('_', ' '), all.at(-1), 'the newest migration file is the last listed');
  const statements = fs.readFileSync(path.join(dir, file), 'utf8').replace(/--.*$/gm, '').split(';')
    .map((t) => t.replace(/\s+/g, ' ').trim()).filter((t) => t.length > 0);
  assert.ok(statements.length > 0);
  for (const statement of statements) {
    assert.ok(one.stdout.split('\n').some((line) => line.trim() === statement), `"${statement}" listed:\n${one.stdout}`);
  }
  assert.ok(before < latest);
  assert.equal(schema(), before, 'the dry run applied nothing');
}

it('gatehouse migrate --dry-run lists the pending migrations and their statements and changes nothing (SQLite)', async () => {
  await withNode({ kickstart: false }, async (node) => {
    const sql = (q) => execFileSync('sqlite3', [node.dbFile, q]).toString().trim();
    const schema = () => {
      const exists = sql("SELECT count(*) FROM sqlite_master WHERE name = 'schema_migrations'");
      return exists === '1' ? Number(sql('SELECT coalesce(max(version), 0) FROM schema_migrations')) : 0;
    };
    await checkDryRun(node, 'sqlite', schema, (version) => sql(`DELETE FROM schema_migrations WHERE version = ${version}`));
  });
});

it('gatehouse migrate --dry-run lists the pending migrations and their statements and changes nothing (PostgreSQL)',
  skipWithoutPg, async () => {
    const database = createDatabase();
    try {
      await withNode({ kickstart: false, config: { database: { url: database } } }, async (node) => {
        const value = (q) => execFileSync('psql', [database, '-tAc', q]).toString().trim();
        const schema = () => (value("SELECT to_regclass('schema_migrations') IS NOT NULL") === 't'
          ? Number(value('SELECT coalesce(max(version), 0) FROM schema_migrations')) : 0);
        await checkDryRun(node, 'postgres', schema, (version) => value(`DELETE FROM schema_migrations WHERE version = ${version}`));
      });
    } finally {
      dropDatabase(database);
    }
  });

it('gatehouse config check prints the effective configuration with secrets redacted', async () => {
  await withNode({}, async (node) => {
    const masterKey = crypto.randomBytes(32).toString('base64url');
    const publicUrl = 'https://id.example.test';
    const res = await node.cli(['config', 'check'], {
      env: { GATEHOUSE_KEYS_MASTER_KEY: masterKey, GATEHOUSE_SERVER_PUBLIC_URL: publicUrl },
    });
    assert.equal(res.code, 0, res.stdout + res.stderr);
    const all = res.stdout + res.stderr;
    assert.ok(!all.includes(masterKey), 'the master key is never printed');
    assert.ok(res.stdout.includes('<redacted>'), `secrets show as <redacted>:\n${res.stdout}`);
    assert.ok(res.stdout.includes(`127.0.0.1:${node.port}`), 'the listen address from the file');
    assert.ok(res.stdout.includes(publicUrl), 'an environment override wins over the file');
    assert.match(res.stdout, /^\s*\[server\]\s*$/m, 'TOML sections');
    assert.match(res.stdout, /access_token_ttl/);
  });
});

it('the packaged example configuration loads; the metrics token is redacted and a bad proxy list is refused', async () => {
  const example = path.join(REPO, 'packaging', 'etc', 'gatehouse.toml');
  const token = 'scrape-token-0123456789abcdef';
  const res = await runCli(['config', 'check', '--config', example], { env: { GATEHOUSE_METRICS_TOKEN: token } });
  assert.equal(res.code, 0, res.stdout + res.stderr);
  assert.match(res.stdout, /^trusted_proxies = \["10\.0\.0\.0\/24"\]$/m);
  assert.match(res.stdout, /^enabled = true$/m);
  assert.match(res.stdout, /^# token = "<redacted>"/m);
  assert.ok(!(res.stdout + res.stderr).includes(token));
  const bad = await runCli(['config', 'check', '--config', example], { env: { GATEHOUSE_SERVER_TRUSTED_PROXIES: '10.0.0.0/33' } });
  assertRefusal(bad, 78, 'trusted_proxies');
  const short = await runCli(['config', 'check', '--config', example], { env: { GATEHOUSE_METRICS_TOKEN: 'short' } });
  assertRefusal(short, 78, 'metrics.token');
  assert.ok(!short.stderr.includes('short'.repeat(2)));
});

it('a config with an unknown key or a wrong type is refused with exit 78 naming the key', async () => {
  await withNode({ config: { server: { bogus_setting: 1 } } }, async (node) => {
    const res = await node.cli(['config', 'check']);
    assertRefusal(res, 78, 'bogus_setting');
    node.spawn();
    const exit = await node.waitExit();
    assert.equal(exit.code, 78, node.output());
    assert.ok(node.output().includes('bogus_setting'), node.output());
  });
  await withNode({ config: { nosuchsection: { key: 'v' } } }, async (node) => {
    assertRefusal(await node.cli(['config', 'check']), 78, 'nosuchsection');
  });
  await withNode({ config: { server: { max_body_bytes: 'lots' } } }, async (node) => {
    assertRefusal(await node.cli(['config', 'check']), 78, 'max_body_bytes');
  });
  await withNode({ config: { server: { public_url: 'not a url' } } }, async (node) => {
    assertRefusal(await node.cli(['config', 'check']), 78, 'public_url');
  });
  await withNode({}, async (node) => {
    const res = await node.cli(['config', 'check'], { env: { GATEHOUSE_TOKENS_ACCESS_TOKEN_TTL: 'forever' } });
    assertRefusal(res, 78, 'access_token_ttl');
  });
});

test('unknown commands and options exit 64; version exits 0', async () => {
  const unknown = await runCli(['frobnicate']);
  assert.equal(unknown.code, 64, unknown.stdout + unknown.stderr);
  assert.match(unknown.stderr, /^gatehouse: /m);
  const option = await runCli(['serve', '--no-such-option']);
  assert.equal(option.code, 64, option.stdout + option.stderr);
  const version = await runCli(['version']);
  assert.equal(version.code, 0, version.stdout + version.stderr);
  assert.match(version.stdout, /\d+\.\d+/);
  const missingConfig = await runCli(['config', 'check', '--config', '/nonexistent/gatehouse.toml']);
  assert.notEqual(missingConfig.code, 0);
  assert.ok(missingConfig.stderr.includes('/nonexistent/gatehouse.toml'), missingConfig.stderr);
});
