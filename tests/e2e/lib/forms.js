// What a test needs to drive the hosted pages as a browser would, without a browser: a cookie jar
// kept from Set-Cookie headers, and the hidden fields of a served form.

import assert from 'node:assert/strict';

/** Keeps the cookies a response sets in `jar` (a Map of name → value); an empty value deletes one. */
export function storeCookies(jar, res) {
  for (const line of res.headers.getSetCookie?.() ?? []) {
    const [pair] = line.split(';');
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    if (value === '') jar.delete(name); else jar.set(name, value);
  }
}

/** The Cookie header for the cookies in `jar`. */
export const cookieHeader = (jar) => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');

/**
 * A browser request to `url` with the cookies of `jar` (kept from the answer), no redirect
 * followed; a POST of `fields` (form-encoded) when given. Resolves { status, text, location }.
 */
export async function browse(url, jar, fields) {
  const init = { redirect: 'manual', headers: { cookie: cookieHeader(jar) } };
  if (fields) {
    init.method = 'POST';
    init.body = new URLSearchParams(fields);
    init.headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  const res = await fetch(url, init);
  storeCookies(jar, res);
  return { status: res.status, text: await res.text(), location: res.headers.get('location') };
}

/** The value of the hidden form field `name` in a served page (fails the test if it has none). */
export function hidden(html, name) {
  const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  assert.ok(m, `no hidden field ${name} in the page`);
  return m[1];
}
