// One end-to-end sign-in in a real headless Chromium (Debian's chromium, driven by playwright-core):
// open the authorization URL, type the credentials into the hosted page, submit, and land on a
// small test relying party's callback page that shows the user's name.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before } from 'node:test';
import * as oidc from 'openid-client';
import { launchChromium } from './lib/chromium.js';
import { GatehouseNode, REPO, defaultKickstart, freePort, ms, nodeTest } from './lib/node.js';

const RP = { client_id: 'browser-rp', client_secret: 'browser-rp-secret-0123' };
const USER = { username: 'grace', password: 'hopper-password-1', name: 'Grace Hopper' };

let node;
let rp;
let browser;
const it = nodeTest(() => [node]);

/** A relying party: /login starts the flow, /callback redeems the code and greets the user. */
async function startRelyingParty(port, issuer) {
  const redirectUri = `http://127.0.0.1:${port}/callback`;
  const config = await oidc.discovery(new URL(issuer), RP.client_id, undefined, oidc.ClientSecretBasic(RP.client_secret),
    { execute: [oidc.allowInsecureRequests] });
  const pending = new Map();
  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url, `http://127.0.0.1:${port}`);
      if (url.pathname === '/login') {
        const verifier = oidc.randomPKCECodeVerifier();
        const state = oidc.randomState();
        pending.set(state, verifier);
        const to = oidc.buildAuthorizationUrl(config, {
          redirect_uri: redirectUri, scope: 'openid profile', state,
          code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
        });
        res.writeHead(302, { location: to.href }).end();
      } else if (url.pathname === '/callback') {
        const state = url.searchParams.get('state');
        const tokens = await oidc.authorizationCodeGrant(config, url, {
          pkceCodeVerifier: pending.get(state), expectedState: state,
        });
        const name = tokens.claims().name.replace(/[<>&"]/g, '');
        res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><h1 id="hello">Hello, ${name}</h1>`);
      } else {
        res.writeHead(404).end();
      }
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err));
    }
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, redirectUri };
}

before(async () => {
  const rpPort = await freePort();
  const kickstart = defaultKickstart();
  kickstart.applications.push({
    ...RP, client_name: 'Browser RP', grant_types: ['authorization_code'],
    redirect_uris: [`http://127.0.0.1:${rpPort}/callback`],
  });
  kickstart.users = [USER];
  node = await GatehouseNode.start({ kickstart, config: { passwords: { memory_kib: 256, iterations: 1 } } });
  rp = await startRelyingParty(rpPort, node.url);
  rp.url = `http://127.0.0.1:${rpPort}`;
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  rp?.server.close();
  await node?.cleanup();
});

it('a user signs in through the hosted page in Chromium and lands on the relying party', async () => {
  const page = await browser.newPage();
  try {
    await page.goto(`${rp.url}/login`, { timeout: ms(20000) });
    await page.waitForSelector('#username', { timeout: ms(10000) });
    assert.match(await page.textContent('.client'), /Browser RP/);
    const shots = path.join(REPO, 'build', 'test-artifacts');
    fs.mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: path.join(shots, 'browser-login-page.png') });
    await page.fill('#username', USER.username);
    await page.fill('#password', USER.password);
    await Promise.all([
      page.waitForURL((u) => u.pathname === '/callback', { timeout: ms(20000) }),
      page.click('button[type=submit]'),
    ]);
    assert.equal(await page.textContent('#hello'), `Hello, ${USER.name}`);
    await page.screenshot({ path: path.join(shots, 'browser-signed-in.png') });
  } finally {
    await page.close();
  }
});

it('a wrong password in Chromium shows the error on the hosted page', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    await page.goto(`${rp.url}/login`, { timeout: ms(20000) });
    await page.fill('#username', USER.username);
    await page.fill('#password', 'not-the-password');
    await Promise.all([page.waitForSelector('#error', { timeout: ms(10000) }), page.click('button[type=submit]')]);
    assert.equal(await page.textContent('#error'), 'Invalid username or password.');
  } finally {
    await context.close();
  }
});

it('two tabs of one browser show the login form at once and both can sign in', async () => {
  // The CSRF cookie must reach the authorization endpoint, which then reuses it: a second tab
  // does not replace the token the first tab's form carries.
  const context = await browser.newContext();
  try {
    const first = await context.newPage();
    const second = await context.newPage();
    await first.goto(`${rp.url}/login`, { timeout: ms(20000) });
    await second.goto(`${rp.url}/login`, { timeout: ms(20000) });
    await first.waitForSelector('#username', { timeout: ms(10000) });
    await second.waitForSelector('#username', { timeout: ms(10000) });
    for (const page of [first, second]) {
      await page.fill('#username', USER.username);
      await page.fill('#password', USER.password);
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/callback', { timeout: ms(20000) }),
        page.click('button[type=submit]'),
      ]);
      assert.equal(await page.textContent('#hello'), `Hello, ${USER.name}`);
    }
  } finally {
    await context.close();
  }
});
