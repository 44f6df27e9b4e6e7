// The SAML IdP on three nodes sharing one PostgreSQL, no stickiness: an AuthnRequest received by
// node A, its login form posted to node B, the artifact resolved on node C (pysaml2 checking the
// Response); the same AuthnRequest ID replayed on another node refused; an SP registered through
// node A served by node C within a second.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before } from 'node:test';
import { clusterNode, createDatabase, dropDatabase, skipWithoutPg } from './lib/cluster.js';
import { defaultKickstart, makeTempDir, ms, nodeTest, pollUntil, removeTempDir } from './lib/node.js';
import { browse as browseUrl, hidden } from './lib/forms.js';
import { keyPair, sp } from './lib/saml_sp.js';

const MASTER_KEY = crypto.randomBytes(32).toString('base64url');
const USER = { username: 'grace', password: 'correct horse battery', email: 'grace@example.com' };
const PUBLIC = 'http://gatehouse.test';  // every node's public_url (lib/cluster.js)

let database;
let dir;
let a;
let b;
let c;
const it = nodeTest(() => [a, b, c].filter(Boolean));

const CONFIG = { cluster: { checkin_interval_ms: 300, instance_timeout_ms: 1500, instance_recovery_timeout_ms: 1500 } };
const node = (id, kickstart = false) => clusterNode(id, { database, masterKey: MASTER_KEY, kickstart, config: CONFIG });

before(async () => {
  database = createDatabase();
  if (!database) return;
  dir = await makeTempDir('gatehouse-saml-cluster-');
  const kickstart = defaultKickstart();
  kickstart.users = [USER];
  a = await node('node-a', kickstart);
  [b, c] = await Promise.all([node('node-b'), node('node-c')]);
  fs.writeFileSync(path.join(dir, 'idp.xml'), await (await fetch(`${b.url}/saml/metadata`)).text());
});
after(async () => {
  await Promise.all([a, b, c].map((n) => n?.cleanup()));
  dropDatabase(database);
  if (dir) await removeTempDir(dir);
});

/** The request URL pysaml2 wrote (for the public address) sent to `base` instead. */
const on = (base, url) => url.replace(PUBLIC, base);

it('an SP registered on node A is served by node C within a second, and a sign-in spans all three nodes', skipWithoutPg, async () => {
  const k = keyPair(dir, 'sp');
  const options = {
    entity_id: 'https://sp.example.org/sp', acs_url: 'https://sp.example.org/acs', key_file: k.key, cert_file: k.cert,
    idp_metadata: path.join(dir, 'idp.xml'), artifact_url: 'https://sp.example.org/artifact', sign_requests: true,
  };
  // One request written before the registration: refused as unknown (403) until C knows the SP;
  // an unknown issuer is refused before its ID is recorded, so polling with it spends nothing.
  const probe = on(c.url, sp('request', { ...options, binding: 'redirect' }).url);
  assert.equal((await browseUrl(probe, new Map())).status, 403, 'unknown on C before');
  const metadata = sp('metadata', options);
  const createdAt = Date.now();
  const created = await a.admin('POST', '/api/applications', { client_id: 'sp', saml_metadata: metadata, saml_attributes: ['email'] });
  assert.equal(created.status, 201, created.text);
  await pollUntil(async () => (await browseUrl(probe, new Map())).status === 200,
    { what: 'node C to serve the new SP', deadlineMs: ms(1000), intervalMs: 20 });
  const took = Date.now() - createdAt;
  console.log(`# SAML SP registered on A served by C after ${took} ms`);
  assert.ok(took < ms(1000), `took ${took} ms`);

  // The AuthnRequest to A, the form posted to B, the artifact resolved on C.
  const req = sp('request', { ...options, binding: 'redirect', response_binding: 'artifact' });
  const jar = new Map();
  const page = await browseUrl(on(a.url, req.url), jar);
  assert.equal(page.status, 200, page.text);
  const done = await browseUrl(`${b.url}/oauth2/login`, jar, {
    tx: hidden(page.text, 'tx'), csrf: hidden(page.text, 'csrf'), username: USER.username, password: USER.password,
  });
  assert.equal(done.status, 302, done.text);
  const artifact = new URL(done.location).searchParams.get('SAMLart');
  const checked = sp('artifact', { ...options, artifact, request_id: req.id, soap_url: `${c.url}/saml/artifact` });
  assert.equal(checked.error, undefined, `${checked.error} (the request was ${req.id})`);
  assert.deepEqual(checked.attributes.mail, [USER.email]);

  // The same request again, on another node: refused, the ID was seen.
  assert.equal((await browseUrl(on(b.url, req.url), new Map())).status, 403, 'a replay on B of what A received');
  assert.equal((await browseUrl(on(c.url, req.url), jar)).status, 403, 'even with a live session');
});
