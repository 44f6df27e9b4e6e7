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

/** The value of the hidden form field `name` in a served page (fails the test if it has none). */
export function hidden(html, name) {
  const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  assert.ok(m, `no hidden field ${name} in the page`);
  return m[1];
}
