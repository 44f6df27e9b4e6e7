// The scripted SAML service provider (tools/saml_sp.py on Debian's pysaml2) for the SAML tests:
// an independent SAML stack writes the requests and checks every answer.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { REPO } from './node.js';
import { browse, hidden } from './forms.js';

const SP_TOOL = path.join(REPO, 'tests', 'e2e', 'tools', 'saml_sp.py');

/** Runs the scripted SP with `options`: its JSON answer (the XML for "metadata"); {error} when it refused. */
export function sp(command, options) {
  try {
    const out = execFileSync('/usr/bin/python3', [SP_TOOL, command, JSON.stringify(options)], { encoding: 'utf8' });
    return command === 'metadata' ? out : JSON.parse(out);
  } catch (err) {
    if (err.status === 2) return JSON.parse(err.stdout);
    throw err;
  }
}

/** A fresh RSA-2048 key and self-signed certificate in `dir`: { key, cert } file names. */
export function keyPair(dir, name) {
  const key = path.join(dir, `${name}.key`);
  const cert = path.join(dir, `${name}.pem`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '30',
    '-subj', `/CN=${name}`], { stdio: 'ignore' });
  return { key, cert };
}

/** The SAMLResponse and RelayState an auto-posting answer page carries, and where it posts. */
export function posted(page) {
  assert.equal(page.status, 200, page.text);
  const action = /<form method="post" action="([^"]*)"/.exec(page.text)?.[1];
  return { action: action?.replaceAll('&amp;', '&'), response: hidden(page.text, 'SAMLResponse'), relay: hidden(page.text, 'RelayState') };
}

/**
 * A scripted SP named `name` (https://<name>.example.com/sp), its key pair in `dir`, trusting the
 * IdP metadata at `dir`/idp.xml, registered on `node` as application `name` with `members`:
 * its options for the tool (`extra` added: slo endpoints, encryption, NameID format, ...).
 */
export async function registerSp(node, dir, name, members = {}, extra = {}) {
  const k = keyPair(dir, name);
  const options = {
    entity_id: `https://${name}.example.com/sp`, acs_url: `https://${name}.example.com/acs`,
    key_file: k.key, cert_file: k.cert, idp_metadata: path.join(dir, 'idp.xml'), ...extra,
  };
  if (extra.encrypt) Object.assign(options, { encrypt_key_file: k.key, encrypt_cert_file: k.cert });
  const res = await node.admin('POST', '/api/applications', { client_id: name, saml_metadata: sp('metadata', options), ...members });
  assert.equal(res.status, 201, res.text);
  return options;
}

/** Submits the login page `page` of `node` as `username`/`password` with `jar`: the page that follows. */
export async function submitLogin(node, jar, page, username, password) {
  assert.equal(page.status, 200, page.text);
  return browse(`${node.url}/oauth2/login`, jar, {
    tx: hidden(page.text, 'tx'), csrf: hidden(page.text, 'csrf'), username, password,
  });
}

/**
 * The browser's `page` is the IdP's redirect to the SP of `options` at its SingleLogoutService `slo`
 * (HTTP-Redirect): pysaml2 checks the IdP's signed LogoutRequest there and answers it by Redirect
 * (`extra`: e.g. respond_status). Its answer: name_id, session_indexes, relay_state, response_url.
 */
export function logoutAskedAt(page, slo, options, extra = {}) {
  assert.equal(page.status, 302, page.text);
  assert.ok(page.location.startsWith(`${slo}?`), page.location);
  const asked = sp('idp_logout_request', { ...options, binding: 'redirect', message: page.location, respond_binding: 'redirect', ...extra });
  assert.equal(asked.error, undefined, asked.error);
  return asked;
}
