// Throw-away OpenLDAP servers for the directory tests (issue 16), through scripts/lib/slapd.sh's
// slapd_run: on 127.0.0.1, in a temporary folder, with tests/ldap/directory.ldif (suffix
// dc=example,dc=test), plain LDAP with StartTLS and LDAPS, certificates from a test CA whose
// folder the caller chooses (the same CA for servers that stand for one directory, another for a
// server that must be refused).
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO, makeTempDir, pollUntil, removeTempDir } from './node.js';

const SLAPD_SH = path.join(REPO, 'scripts', 'lib', 'slapd.sh');
export const LDAP_REQUIRED = process.env.GATEHOUSE_TEST_LDAP_REQUIRED === '1';
const hasSlapd = fs.existsSync('/usr/sbin/slapd');
/** node:test options that skip a test on a machine without slapd (unless the suite requires it). */
export const skipWithoutSlapd = { skip: !hasSlapd && !LDAP_REQUIRED ? 'no slapd (scripts/bootstrap installs it)' : false };

export const BASE = 'dc=example,dc=test';
export const SERVICE_DN = 'cn=gatehouse,ou=services,dc=example,dc=test';
export const SERVICE_PASSWORD = 'service-account-secret';
export const ADMIN_DN = 'cn=admin,dc=example,dc=test';
export const ADMIN_PASSWORD = 'admin-secret';

// Servers left running when a test throws past its cleanup are killed as the process exits.
const live = new Set();
process.on('exit', () => {
  for (const pid of live) {
    try { process.kill(pid, 'SIGCONT'); process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  }
});

/**
 * Starts one server in a new folder, its certificate signed by the CA in `caDir` (made there if
 * missing). Resolves {url, ldapsUrl, caFile, pid, dir, pause, resume, stop, ldap}.
 */
export async function startSlapd(caDir) {
  const dir = await makeTempDir('gatehouse-slapd-');
  const { stdout } = await promisify(execFile)('bash', ['-c', 'source "$0"; slapd_run "$1" "$2"', SLAPD_SH, dir, caDir],
    { encoding: 'utf8', timeout: 30000 });
  const [port, tls, pid] = stdout.trim().split(/\s+/).map(Number);
  live.add(pid);
  const alive = () => { try { process.kill(pid, 0); return true; } catch { return false; } };
  const server = {
    url: `ldap://127.0.0.1:${port}`, ldapsUrl: `ldaps://127.0.0.1:${tls}`, caFile: path.join(caDir, 'ca.crt'), pid, dir,
    /** SIGSTOP: the kernel still accepts connections; nothing answers. */
    pause: () => process.kill(pid, 'SIGSTOP'),
    resume: () => process.kill(pid, 'SIGCONT'),
    /** Stops it and waits until it is gone (SIGCONT first: a stopped process would not act on SIGTERM). */
    async stop() {
      if (!alive()) return;
      try { process.kill(pid, 'SIGCONT'); process.kill(pid, 'SIGTERM'); } catch { /* gone */ }
      await pollUntil(() => !alive(), { deadlineMs: 10000, what: `slapd ${pid} to stop` });
      live.delete(pid);
    },
    async cleanup() {
      await server.stop();
      await removeTempDir(dir);
    },
    /** Runs an ldap-utils command (ldapdelete, ldapmodify ...) as the directory's admin. */
    ldap(command, args, input) {
      return execFileSync(command, ['-x', '-H', server.url, '-D', ADMIN_DN, '-w', ADMIN_PASSWORD, ...args],
        { encoding: 'utf8', input, timeout: 10000 });
    },
  };
  return server;
}
