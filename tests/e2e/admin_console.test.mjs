// The admin console (/admin) in a real headless Chromium (Debian's chromium, playwright-core)
// against two nodes sharing one PostgreSQL: sign in with an API key, see both nodes with the one
// answering marked, read the other node's log, create an application and get a token with it from
// the other node, and edit the theme on one node and see the sign-in page change on the other;
// sign a user out everywhere, see an edit refused (412) when the record changed after the editor
// opened, and set an application's introspection_audiences.
// Screenshots of every page go to build/test-artifacts/console-*.png.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';
import { clusterNode, createDatabase, dropDatabase, hostedSignIn, skipWithoutPg } from './lib/cluster.js';
import { ADMIN_KEY, REPO, defaultKickstart, ms, nodeTest, pollUntil, rememberSecrets } from './lib/node.js';

const CHROMIUM = process.env.GATEHOUSE_CHROMIUM || '/usr/bin/chromium';
const MASTER_KEY = crypto.randomBytes(32).toString('base64url');
const WEB = { client_id: 'web', client_secret: 'web-secret-0123456789', client_name: 'Web Shop',
  grant_types: ['authorization_code'], redirect_uris: ['http://127.0.0.1:1/cb'], scope: '' };
const SHOTS = path.join(REPO, 'build', 'test-artifacts');

let database;
let a;
let b;
let browser;
let page;
const problems = []; // console errors and CSP violations seen in the browser
const it = nodeTest(() => [a, b].filter(Boolean));

before(async () => {
  database = createDatabase();
  if (!database) return;
  const kickstart = defaultKickstart();
  kickstart.applications.push(WEB);
  kickstart.users = [{ username: 'ada', password: 'correct horse battery', name: 'Ada Lovelace' }];
  const config = { cluster: { checkin_interval_ms: 300, instance_timeout_ms: 1500 } };
  a = await clusterNode('node-a', { database, masterKey: MASTER_KEY, kickstart, config });
  b = await clusterNode('node-b', { database, masterKey: MASTER_KEY, config });
  fs.mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  // The refused sign-in's 401 is expected; any other failed load, script error or CSP report is not.
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 401/.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
});
after(async () => {
  await browser?.close();
  await a?.cleanup();
  await b?.cleanup();
  dropDatabase(database);
});

const shot = (name) => page.screenshot({ path: path.join(SHOTS, `console-${name}.png`), fullPage: true });
const open = async (hash, ready) => {
  await page.goto(`${a.url}/admin#${hash}`, { timeout: ms(20000) });
  await page.waitForSelector(ready, { timeout: ms(10000) });
};

it('signs in with an API key (a wrong one is refused) and shows both nodes, this one marked', skipWithoutPg, async () => {
  await page.goto(`${a.url}/admin`, { timeout: ms(20000) });
  await page.fill('#api-key', 'not-a-key-0123456789');
  await page.click('#sign-in-form button');
  await page.waitForSelector('#sign-in-error:not([hidden])', { timeout: ms(10000) });
  await shot('sign-in-refused');
  await page.fill('#api-key', ADMIN_KEY);
  await page.click('#sign-in-form button');
  await page.waitForSelector('tr[data-node="node-b"]', { timeout: ms(10000) });
  assert.equal(await page.getAttribute('tr.this-node', 'data-node'), 'node-a');
  assert.match(await page.textContent('tr[data-node="node-b"]'), /up/);
  // Both nodes run the same build and configuration: the page says so and shows the fingerprints.
  await page.waitForFunction(() => document.querySelector('#drift')?.textContent.startsWith('In step'), null, { timeout: ms(10000) });
  const fingerprints = await page.$$eval('tr[data-node] code', (codes) => codes.map((c) => c.getAttribute('title')));
  assert.equal(fingerprints.length, 4);
  assert.ok(fingerprints.every((f) => f.length > 10), fingerprints.join());
  assert.equal(await page.evaluate(() => sessionStorage.getItem('gatehouse.apiKey')), ADMIN_KEY);
  assert.ok(!page.url().includes(ADMIN_KEY), 'the key is never in a URL');
  await shot('cluster');
});

it("reads the other node's log and shows keys, users, audit and jobs", skipWithoutPg, async () => {
  await open('logs', '#log-node');
  await page.selectOption('#log-node', 'node-b');
  await pollUntil(async () => /ready in/.test(await page.textContent('#log-lines')), { what: "node-b's lines", deadlineMs: 10000 });
  await shot('logs');
  await open('keys', '#rotate');
  assert.match(await page.textContent('table'), /RS256/);
  await shot('keys');
  await open('users', '#new-user');
  assert.match(await page.textContent('table'), /ada/);
  await page.click('text=Deactivate');
  await page.waitForSelector('button:text-is("Activate")', { timeout: ms(10000) });  // not "Deactivate"
  const ada = (await a.admin('GET', '/api/users?username=ada')).json.users[0];
  assert.equal(ada.active, false, 'deactivated through the console');
  await page.click('text=Edit');
  await page.waitForSelector('#user-json', { timeout: ms(10000) });
  const doc = JSON.parse(await page.inputValue('#user-json'));
  await page.fill('#user-json', JSON.stringify({ ...doc, name: 'Ada King', active: true }));
  await page.click('#edit-user button[type=submit]');
  await pollUntil(async () => (await a.admin('GET', `/api/users/${ada.id}`)).json.name === 'Ada King', { what: 'the edit', deadlineMs: 5000 });
  await shot('users');
  await open('jobs', 'table >> text=purge.expired');  // not the users page's table
  assert.match(await page.textContent('table'), /purge\.expired/);
  await shot('jobs');
});

it('creates an application whose secret, shown once, gets a token from the other node', skipWithoutPg, async () => {
  await open('applications', '#new-application');
  await page.fill('#app-id', 'console-app');
  await page.fill('#app-name', 'Made in the console');
  await page.click('#new-application button[type=submit]');
  await page.waitForSelector('#secret-value', { timeout: ms(10000) });
  const secret = (await page.textContent('#secret-value')).trim();
  rememberSecrets(secret);
  assert.ok(secret.length >= 32);
  await shot('applications');
  await pollUntil(async () => (await b.postForm('/oauth2/token', { grant_type: 'client_credentials' },
    { basic: ['console-app', secret] })).status === 200, { what: 'a token from node-b', deadlineMs: 5000 });
  await open('audit', 'table >> text=application.create');  // not the applications page's table
  assert.match(await page.textContent('table'), /application\.create/);
  await shot('audit');
});

it('creates a read-only API key with an expiry, shown once; it reads and may not change anything', skipWithoutPg, async () => {
  await open('api-keys', '#new-api-key');
  await page.fill('#key-description', 'console reader');
  await page.selectOption('#key-role', 'read_only');
  await page.fill('#key-expires', '2099-01-01T00:00');
  await page.click('#new-api-key button[type=submit]');
  await page.waitForSelector('#api-key-value', { timeout: ms(10000) });
  const key = (await page.textContent('#api-key-value')).trim();
  rememberSecrets(key);
  const listed = (await a.admin('GET', '/api/api-keys')).json.api_keys.find((k) => k.description === 'console reader');
  assert.equal(listed.role, 'read_only');
  assert.ok(Math.abs(listed.expires_at - Date.UTC(2099, 0, 1) / 1000) <= 14 * 3600, `expires_at ${listed.expires_at}`);
  const row = await page.textContent(`tr[data-key="${listed.id}"]`);
  assert.match(row, /read_only/);
  assert.match(row, /2099-01-0|2098-12-3/);
  await shot('api-keys');
  assert.equal((await b.admin('GET', '/api/applications', undefined, { key })).status, 200, 'it reads on the other node');
  assert.equal((await b.admin('DELETE', `/api/api-keys/${listed.id}`, undefined, { key })).status, 403);
});

it('a theme edited on node A is the sign-in page node B serves within a second', skipWithoutPg, async () => {
  const loginPage = async (n) => (await fetch(`${n.url}/oauth2/authorize?${new URLSearchParams({
    response_type: 'code', client_id: WEB.client_id, redirect_uri: WEB.redirect_uris[0], scope: 'openid', state: 's',
  })}`)).text();
  assert.match(await loginPage(b), /<h1>Sign in<\/h1>/);
  await open('themes', '#theme-login_html');
  const html = await page.inputValue('#theme-login_html');
  await page.fill('#theme-login_html', html.replace('<h1>Sign in</h1>', '<h1>Welcome to the console test</h1>'));
  await page.click('#theme-form button[type=submit]');
  await page.waitForFunction(() => /Saved/.test(document.querySelector('#theme-status').textContent), null, { timeout: ms(10000) });
  const saved = Date.now();
  await shot('themes');
  await pollUntil(async () => /Welcome to the console test/.test(await loginPage(b)), { what: 'the new theme on node-b', deadlineMs: 5000, intervalMs: 20 });
  assert.ok(Date.now() - saved < ms(1000), `took ${Date.now() - saved} ms`);
  assert.deepEqual(problems, [], 'no console error or CSP violation in the console');
  // And in the browser: node B's sign-in page shows it.
  await page.goto(`${b.url}/oauth2/authorize?${new URLSearchParams({
    response_type: 'code', client_id: WEB.client_id, redirect_uri: WEB.redirect_uris[0], scope: 'openid', state: 's',
  })}`, { timeout: ms(20000) });
  assert.equal(await page.textContent('h1'), 'Welcome to the console test');
  await shot('themed-login-on-node-b');
  // A theme that drops the form's hidden fields is refused, naming the placeholder.
  const refused = await a.admin('PUT', '/api/themes/default', { login_html: '<h1>no form</h1>' });
  assert.equal(refused.status, 400);
  assert.match(refused.json.message, /\{\{tx\}\}/);
});

it("signs a user out everywhere: after a confirmation, the user's refresh token is revoked and it is audited", skipWithoutPg, async () => {
  // The previous test ended on node B's hosted sign-in page (its favicon is a 404): only the
  // console's own problems count from here on.
  problems.length = 0;
  const app = { client_id: 'console-rp', client_secret: 'console-rp-secret-0123456789', grant_types: ['authorization_code', 'refresh_token'],
    redirect_uris: ['http://127.0.0.1:1/rp'], scope: '' };
  assert.equal((await a.admin('POST', '/api/applications', app)).status, 201);
  const grace = { username: 'grace', password: 'a long enough password' };
  const created = await a.admin('POST', '/api/users', grace);
  assert.equal(created.status, 201, created.text);
  const signedIn = await hostedSignIn({ formNode: a, clientId: app.client_id, redirectUri: app.redirect_uris[0], ...grace });
  assert.equal(signedIn.status, 302, signedIn.text);
  const code = new URL(signedIn.headers.get('location')).searchParams.get('code');
  const tokens = await a.postForm('/oauth2/token', { grant_type: 'authorization_code', code, redirect_uri: app.redirect_uris[0] },
    { basic: [app.client_id, app.client_secret] });
  assert.equal(tokens.status, 200, tokens.text);
  assert.ok(tokens.json.refresh_token);
  rememberSecrets(tokens.json.refresh_token, tokens.json.access_token);
  const introspect = async () => (await a.postForm('/oauth2/introspect', { token: tokens.json.refresh_token },
    { basic: [app.client_id, app.client_secret] })).json.active;
  assert.equal(await introspect(), true);

  await open('users', 'tr[data-user="grace"]');
  const button = 'tr[data-user="grace"] button[data-action="sign-out"]';
  assert.equal((await page.textContent(button)).trim(), 'Sign out everywhere');
  // Dismissing the confirmation does nothing.
  page.once('dialog', (d) => d.dismiss());
  await page.click(button);
  assert.equal(await page.textContent('#user-status'), '');
  assert.equal(await introspect(), true, 'not signed out without a confirmation');
  page.once('dialog', (d) => { assert.match(d.message(), /grace/); d.accept(); });
  await page.click(button);
  await page.waitForFunction(() => /grace is signed out everywhere/.test(document.querySelector('#user-status').textContent), null, { timeout: ms(10000) });
  await shot('users-signed-out');
  assert.equal(await introspect(), false, 'the refresh token is revoked');
  const refreshed = await a.postForm('/oauth2/token', { grant_type: 'refresh_token', refresh_token: tokens.json.refresh_token },
    { basic: [app.client_id, app.client_secret] });
  assert.equal(refreshed.status, 400);
  const audit = await a.admin('GET', '/api/system/audit?action=user.sign_out');
  assert.equal(audit.status, 200, audit.text);
  assert.equal(audit.json.events.length, 1, audit.text);
  assert.equal(audit.json.events[0].target, created.json.id);
});

it("shows a user's second factors and, after a confirmation, resets them (audited)", skipWithoutPg, async () => {
  problems.length = 0;
  const created = await a.admin('POST', '/api/users', {
    username: 'hopper', password: 'a long enough password', totp_secret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ',
  });
  assert.equal(created.status, 201, created.text);
  const id = created.json.id;
  await open('users?q=hopper', 'tr[data-user="hopper"]');  // a new hash: the page is drawn again
  await page.click('tr[data-user="hopper"] button[data-action="factors"]');
  await page.waitForSelector('#user-factors', { timeout: ms(10000) });
  assert.match(await page.textContent('#user-factors'), /hopper: authenticator app set up .*0 recovery code\(s\) left; passkeys: none\./);
  assert.ok(!(await page.content()).includes('GEZDGNBV'), 'no seed in the console');
  page.once('dialog', (d) => d.dismiss());
  await page.click('#user-factors button[data-action="reset-factors"]');
  assert.equal((await a.admin('GET', `/api/users/${id}/factors`)).json.totp.enabled, true, 'nothing without a confirmation');
  page.once('dialog', (d) => { assert.match(d.message(), /hopper/); d.accept(); });
  await page.click('#user-factors button[data-action="reset-factors"]');
  await page.waitForFunction(() => /authenticator app not set up/.test(document.querySelector('#user-factors')?.textContent ?? ''),
    null, { timeout: ms(10000) });
  await shot('users-factors-reset');
  assert.equal((await b.admin('GET', `/api/users/${id}/factors`)).json.totp.enabled, false, 'on every node');
  const audit = (await a.admin('GET', '/api/system/audit?action=user.factors_reset')).json.events;
  assert.equal(audit.length, 1);
  assert.equal(audit[0].target, id);
  assert.deepEqual(problems, []);
});

it('an edit saved after someone else changed the record is refused (412), said so, and the text is kept', skipWithoutPg, async () => {
  await open('applications', 'tr[data-app="web"]');
  await page.click('tr[data-app="web"] button:text-is("Edit")');
  await page.waitForSelector('#app-json', { timeout: ms(10000) });
  const opened = JSON.parse(await page.inputValue('#app-json'));
  // Someone else changes the application through the API after the editor opened.
  const now = await a.admin('GET', '/api/applications/web');
  const theirs = await a.admin('PUT', '/api/applications/web', { ...now.json, client_name: 'Renamed by the API' },
    { headers: { 'if-match': now.headers.get('etag') } });
  assert.equal(theirs.status, 200, theirs.text);
  const mine = JSON.stringify({ ...opened, client_name: 'Renamed in the console' }, null, 2);
  await page.fill('#app-json', mine);
  await page.click('#edit-application button[type=submit]');
  await page.waitForSelector('#app-edit-status .conflict', { timeout: ms(10000) });
  assert.match(await page.textContent('#app-edit-status'), /changed by someone else since you opened it; reload/);
  assert.equal(await page.inputValue('#app-json'), mine, "the operator's text is kept");
  assert.equal((await a.admin('GET', '/api/applications/web')).json.client_name, 'Renamed by the API', 'nothing overwritten');
  await shot('applications-conflict');
  // Loading the current version shows it, with the unsaved text beside it; a save then succeeds.
  await page.click('#edit-application-reload');
  await page.waitForSelector('#app-json-mine', { timeout: ms(10000) });
  assert.equal(await page.inputValue('#app-json-mine'), mine);
  const current = JSON.parse(await page.inputValue('#app-json'));
  assert.equal(current.client_name, 'Renamed by the API');
  await page.fill('#app-json', JSON.stringify({ ...current, client_name: 'Renamed in the console' }));
  await page.click('#edit-application button[type=submit]');
  await pollUntil(async () => (await a.admin('GET', '/api/applications/web')).json.client_name === 'Renamed in the console',
    { what: 'the second save', deadlineMs: 5000 });

  // The same for a user.
  await open('users', 'tr[data-user="ada"]');
  await page.click('tr[data-user="ada"] button:text-is("Edit")');
  await page.waitForSelector('#user-json', { timeout: ms(10000) });
  const user = JSON.parse(await page.inputValue('#user-json'));
  const changed = await a.admin('PUT', `/api/users/${user.id}`, { ...user, name: 'Changed by the API' });
  assert.equal(changed.status, 200, changed.text);
  const userText = JSON.stringify({ ...user, name: 'Changed in the console' });
  await page.fill('#user-json', userText);
  await page.click('#edit-user button[type=submit]');
  await page.waitForSelector('#user-edit-status .conflict', { timeout: ms(10000) });
  assert.match(await page.textContent('#user-edit-status'), /the user was changed by someone else since you opened it/);
  assert.equal(await page.inputValue('#user-json'), userText);
  assert.equal((await a.admin('GET', `/api/users/${user.id}`)).json.name, 'Changed by the API');
});

it("shows and sets an application's introspection_audiences", skipWithoutPg, async () => {
  // Set when the application is created ...
  await open('applications', '#new-application');
  await page.fill('#app-id', 'console-introspector');
  await page.fill('#app-introspection', 'https://api.example\n  orders  \n');
  await page.click('#new-application button[type=submit]');
  await page.waitForSelector('#secret-value', { timeout: ms(10000) });
  rememberSecrets((await page.textContent('#secret-value')).trim());
  assert.deepEqual((await a.admin('GET', '/api/applications/console-introspector')).json.introspection_audiences,
    ['https://api.example', 'orders']);
  assert.match(await page.textContent('tr[data-app="console-introspector"] .audiences'), /https:\/\/api\.example, orders/);
  // ... and changed in the editor.
  await page.click('tr[data-app="console-introspector"] button:text-is("Edit")');
  await page.waitForSelector('#app-json', { timeout: ms(10000) });
  const doc = JSON.parse(await page.inputValue('#app-json'));
  assert.deepEqual(doc.introspection_audiences, ['https://api.example', 'orders']);
  await page.fill('#app-json', JSON.stringify({ ...doc, introspection_audiences: ['billing'] }));
  await page.click('#edit-application button[type=submit]');
  await page.waitForFunction(() => document.querySelector('tr[data-app="console-introspector"] .audiences')?.textContent === 'billing'
    && !document.querySelector('#edit-application'), null, { timeout: ms(10000) });
  assert.deepEqual((await a.admin('GET', '/api/applications/console-introspector')).json.introspection_audiences, ['billing']);
  // A refused value is said in the editor, which keeps the text.
  await page.click('tr[data-app="web"] button:text-is("Edit")');
  await page.waitForSelector('#app-json', { timeout: ms(10000) });
  const web = JSON.parse(await page.inputValue('#app-json'));
  const bad = JSON.stringify({ ...web, introspection_audiences: 'not-a-list' });
  await page.fill('#app-json', bad);
  await page.click('#edit-application button[type=submit]');
  await page.waitForFunction(() => /introspection_audiences/.test(document.querySelector('#app-edit-status').textContent), null, { timeout: ms(10000) });
  assert.equal(await page.inputValue('#app-json'), bad);
  await shot('applications-introspection');
  assert.deepEqual(problems.filter((p) => !/status of (412|400)/.test(p)), [], 'no console error or CSP violation in the console');
});
