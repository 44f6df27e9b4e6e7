// Passkeys in a real Chromium (playwright-core), with the DevTools WebAuthn virtual authenticator
// standing in for a security key or a phone. Chromium refuses WebAuthn on an IP address, so the
// pages must be opened on http://localhost:<port> (a node whose server.public_url says so: its RP
// ID is then "localhost"). The authenticator belongs to the page it was added to: keep using that
// page (clear the context's cookies to sign out) for the ceremonies that need its credentials.
import { ms } from './node.js';

/**
 * Adds a virtual authenticator to `page` (CTAP2, internal transport, resident keys and user
 * verification by default: a platform authenticator that verifies its user). Resolves
 * { cdp, authenticatorId, credentials() } where credentials() lists what it holds.
 */
export async function addVirtualAuthenticator(page, options = {}) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true,
      isUserVerified: true, automaticPresenceSimulation: true, ...options,
    },
  });
  return {
    cdp,
    authenticatorId,
    credentials: async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials,
  };
}

/** Signs in with a password on the login page `page` shows now; resolves once it has navigated. */
export async function submitPassword(page, username, password) {
  await page.waitForSelector('#username', { timeout: ms(10000) });
  await page.fill('#username', username);
  await page.fill('#password', password);
  await Promise.all([
    page.waitForNavigation({ timeout: ms(20000) }),
    page.click('form[action="/oauth2/login"] button[type=submit]'),
  ]);
}

/**
 * Adds a passkey on `${baseUrl}/account` (the browser must be signed in, recently enough) and
 * resolves { ok, message }: ok when the page says it was added; else the page's error (a server
 * refusal, or passkey.js's own message when the browser refused, e.g. a passkey already there).
 */
export async function registerPasskey(page, baseUrl, { name = 'Virtual key' } = {}) {
  if (!page.url().startsWith(`${baseUrl}/account`)) await page.goto(`${baseUrl}/account`, { timeout: ms(20000) });
  await page.waitForSelector('#add-passkey', { timeout: ms(10000) });
  await page.fill('#passkey-name', name);
  const navigated = page.waitForNavigation({ timeout: ms(20000) }).then(() => true);
  const refused = page.waitForSelector('#add-passkey-form .passkey-error', { timeout: ms(20000) }).then(() => false);
  await page.click('#add-passkey');
  const ok = await Promise.race([navigated, refused]);
  if (!ok) return { ok: false, message: await page.textContent('#add-passkey-form .passkey-error') };
  const notice = await page.$('#notice');
  if (notice && /passkey was added/.test(await notice.textContent())) return { ok: true, message: await notice.textContent() };
  const error = await page.$('#error');
  return { ok: false, message: error ? await error.textContent() : await page.content() };
}

/**
 * Clicks the passkey button of the page shown now ("Sign in with a passkey" on the login page,
 * "Use a passkey" on the second-factor page) and resolves the URL the browser lands on, waiting
 * until it satisfies `landed` (default: any navigation away from the hosted pages' POST).
 */
export async function usePasskey(page, landed = () => true) {
  await page.waitForSelector('#passkey-button', { timeout: ms(10000) });
  await Promise.all([
    page.waitForURL((u) => landed(u), { timeout: ms(20000), waitUntil: 'commit' }),
    page.click('#passkey-button'),
  ]);
  return page.url();
}

/**
 * "Sign in with a passkey" without a username: opens `authorizeUrl` (on the localhost origin),
 * clicks the passkey button of the login page and resolves the URL it lands on that `landed`
 * accepts (e.g. the relying party's callback carrying the code).
 */
export async function passkeySignIn(page, authorizeUrl, landed = (u) => u.pathname.endsWith('/callback')) {
  await page.goto(authorizeUrl, { timeout: ms(20000) });
  return usePasskey(page, landed);
}
