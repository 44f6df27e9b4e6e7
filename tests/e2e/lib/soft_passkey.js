// A software passkey for tests without a browser (node:crypto, ES256): it answers the options the
// passkey endpoints return with the JSON passkey.js would post (RegistrationResponseJSON /
// AuthenticationResponseJSON, binary fields base64url), as an authenticator would: attestation
// "none", the flags and the signature counter chosen by the test. With it a ceremony can begin on
// one node (the options) and finish on another (the answer), or be replayed, or be tampered with.
// Not for production: the key lives in memory.
import crypto from 'node:crypto';

const b64u = (buf) => Buffer.from(buf).toString('base64url');

/** A minimal CBOR encoder: unsigned/negative integers, byte strings, text strings, maps. */
function cbor(value) {
  const head = (major, n) => {
    if (n < 24) return Buffer.from([(major << 5) | n]);
    if (n < 0x100) return Buffer.from([(major << 5) | 24, n]);
    if (n < 0x10000) { const b = Buffer.alloc(3); b[0] = (major << 5) | 25; b.writeUInt16BE(n, 1); return b; }
    const b = Buffer.alloc(5); b[0] = (major << 5) | 26; b.writeUInt32BE(n, 1); return b;
  };
  if (typeof value === 'number') return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (Buffer.isBuffer(value)) return Buffer.concat([head(2, value.length), value]);
  if (typeof value === 'string') { const t = Buffer.from(value, 'utf8'); return Buffer.concat([head(3, t.length), t]); }
  if (value instanceof Map) {
    const parts = [head(5, value.size)];
    for (const [k, v] of value) parts.push(cbor(k), cbor(v));
    return Buffer.concat(parts);
  }
  throw new Error(`cannot encode ${typeof value}`);
}

/**
 * A new ES256 passkey. Resolves an object with:
 *   id                         the credential id (base64url)
 *   register(options, origin, {userVerified, counter, backupEligible}) → the `credential` JSON string
 *   authenticate(options, origin, {userVerified, counter, userHandle}) → the `credential` JSON string
 * `options` is the JSON the options endpoint answered; `origin` what the browser would be on
 * ("http://localhost:<port>"). userHandle defaults to the user id given at registration.
 */
export function softPasskey() {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const rawId = crypto.randomBytes(16);
  const coseKey = cbor(new Map([[1, 2], [3, -7], [-1, 1], [-2, Buffer.from(jwk.x, 'base64url')], [-3, Buffer.from(jwk.y, 'base64url')]]));
  let userId = null;

  const authData = (rpId, { userVerified = true, counter = 0, backupEligible = false, attested = false }) => {
    const flags = 0x01 | (userVerified ? 0x04 : 0) | (backupEligible ? 0x08 : 0) | (attested ? 0x40 : 0);
    const count = Buffer.alloc(4);
    count.writeUInt32BE(counter);
    const parts = [crypto.createHash('sha256').update(rpId).digest(), Buffer.from([flags]), count];
    if (attested) {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(rawId.length);
      parts.push(Buffer.alloc(16), len, rawId, coseKey);
    }
    return Buffer.concat(parts);
  };
  const clientData = (type, challenge, origin) =>
    Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));

  return {
    id: b64u(rawId),
    register(options, origin, flags = {}) {
      userId = Buffer.from(options.user.id, 'base64url');
      const attestationObject = cbor(new Map([['fmt', 'none'], ['attStmt', new Map()],
        ['authData', authData(options.rp.id, { ...flags, attested: true })]]));
      return JSON.stringify({
        id: b64u(rawId), rawId: b64u(rawId), type: 'public-key',
        response: { clientDataJSON: b64u(clientData('webauthn.create', options.challenge, origin)),
          attestationObject: b64u(attestationObject), transports: ['internal'] },
        clientExtensionResults: { credProps: { rk: true } },
      });
    },
    authenticate(options, origin, { userHandle, ...flags } = {}) {
      const data = authData(options.rpId, flags);
      const cdj = clientData('webauthn.get', options.challenge, origin);
      const signature = crypto.sign('sha256', Buffer.concat([data, crypto.createHash('sha256').update(cdj).digest()]), privateKey);
      const handle = userHandle === undefined ? userId : Buffer.from(userHandle);
      return JSON.stringify({
        id: b64u(rawId), rawId: b64u(rawId), type: 'public-key',
        response: { clientDataJSON: b64u(cdj), authenticatorData: b64u(data), signature: b64u(signature),
          userHandle: handle ? b64u(handle) : null },
      });
    },
  };
}
