// Shared by the test files that drive the browser flows with openid-client: a node whose
// kickstart registers one confidential web application (the code flow with refresh tokens,
// client_secret_basic, its callback on the node's own address) and the file's users, with cheap
// password hashes and a lockout after three failures; and openid-client's configuration for that
// application, from discovery.
import * as oidc from 'openid-client';
import { GatehouseNode, defaultKickstart, freePort } from './node.js';

export const WEB = Object.freeze({ client_id: 'web', client_secret: 'web-secret-0123456789' });

/**
 * Starts the node. options:
 *   users        the kickstart's users
 *   application  (origin) => extra metadata of the web application (origin: "http://127.0.0.1:PORT",
 *                known only once the port is chosen)
 *   config       overrides merged over the file's defaults (section by section)
 * Resolves { node, config (openid-client's Configuration for WEB), redirectUri }.
 */
export async function startWebApp({ users = [], application = () => ({}), config = {} } = {}) {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const redirectUri = `${origin}/callback`;
  const kickstart = defaultKickstart();
  kickstart.applications.push({
    ...WEB, client_name: 'Web App', grant_types: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_method: 'client_secret_basic', redirect_uris: [redirectUri], ...application(origin),
  });
  kickstart.users = users;
  const defaults = { passwords: { memory_kib: 256, iterations: 1 }, login: { lockout_threshold: 3 } };
  const merged = { ...defaults };
  for (const [section, keys] of Object.entries(config)) merged[section] = Array.isArray(keys) ? keys : { ...defaults[section], ...keys };
  const node = await GatehouseNode.start({ kickstart, port, config: merged });
  try {
    const discovered = await oidc.discovery(new URL(node.url), WEB.client_id, undefined,
      oidc.ClientSecretBasic(WEB.client_secret), { execute: [oidc.allowInsecureRequests] });
    return { node, config: discovered, redirectUri };
  } catch (err) {
    await node.cleanup();
    throw err;
  }
}
