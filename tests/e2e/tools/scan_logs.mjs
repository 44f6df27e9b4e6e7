// Scans the node logs of an e2e run (GATEHOUSE_E2E_LOG_DIR) for anything that must never be
// logged: the secrets the tests gave the nodes (secrets.txt), and anything shaped like a token,
// an Authorization header value or a credential parameter. Exit 1 with the offending lines.
//   node tools/scan_logs.mjs DIR
import fs from 'node:fs';
import path from 'node:path';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node tools/scan_logs.mjs DIR');
  process.exit(64);
}
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.log'));
const secretsFile = path.join(dir, 'secrets.txt');
const secrets = [...new Set((fs.existsSync(secretsFile) ? fs.readFileSync(secretsFile, 'utf8') : '').split('\n').filter((s) => s.length >= 8))];
const shapes = [
  [/eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/, 'a JWT'],
  [/\bBearer\s+[A-Za-z0-9._~+/=-]{8,}/i, 'a Bearer credential'],
  [/\bBasic\s+[A-Za-z0-9+/=]{8,}/, 'a Basic credential'],
  [/\b(client_secret|password|refresh_token|code_verifier|client_assertion|access_token|id_token)=[^&\s"]{4,}/, 'a credential parameter'],
];

let lines = 0;
const findings = [];
for (const file of files) {
  for (const line of fs.readFileSync(path.join(dir, file), 'utf8').split('\n')) {
    lines += 1;
    for (const secret of secrets) {
      if (line.includes(secret)) findings.push(`${file}: a secret the tests used (${secret.slice(0, 4)}…): ${line}`);
    }
    for (const [re, what] of shapes) {
      if (re.test(line)) findings.push(`${file}: ${what}: ${line}`);
    }
  }
}
if (files.length === 0) {
  console.error(`scan_logs: no node logs in ${dir}`);
  process.exit(1);
}
if (findings.length > 0) {
  console.error(`scan_logs: ${findings.length} log line(s) with secrets:\n${findings.slice(0, 50).join('\n')}`);
  process.exit(1);
}
console.log(`scan_logs: ${lines} lines from ${files.length} node logs, ${secrets.length} secrets and 4 shapes: none found`);
