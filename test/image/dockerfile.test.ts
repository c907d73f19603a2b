/**
 * The Tendril image's Dockerfile, read as text: Docker is not available here to build it, so this
 * checks what a review would — pinned base image and tools, every download verified, a non-root
 * user, production dependencies only, the Tendril as entry point, nothing secret baked in, and a
 * build context that leaves local data out.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';

const ROOT = join(import.meta.dirname, '../..');
const DOCKERFILE = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const IGNORE = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));

interface Instruction {
  op: string;
  args: string;
  line: number;
}

/** The instructions, continuation lines joined and comments dropped. */
export function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let current: Instruction | undefined;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!current && (line === '' || line.startsWith('#'))) return;
    if (current && line.startsWith('#')) return;
    const body = line.endsWith('\\') ? line.slice(0, -1) : line;
    if (current) current.args += ` ${body}`;
    else {
      const m = /^([A-Za-z]+)\s+(.*)$/.exec(body);
      current = { op: m?.[1]?.toUpperCase() ?? body.toUpperCase(), args: m?.[2] ?? '', line: i + 1 };
    }
    if (!line.endsWith('\\')) {
      out.push(current);
      current = undefined;
    }
  });
  return out;
}

const all = instructions(DOCKERFILE);
const args = new Map(all.filter((i) => i.op === 'ARG' && i.args.includes('=')).map((i) => [i.args.split('=')[0]!, i.args.slice(i.args.indexOf('=') + 1)] as const));
const stages: Instruction[][] = [];
for (const i of all) {
  if (i.op === 'FROM') stages.push([]);
  stages.at(-1)?.push(i);
}
const final = stages.at(-1)!;
const runs = all.filter((i) => i.op === 'RUN').map((i) => i.args).join('\n');
const expand = (s: string) => s.replace(/\$\{(\w+)\}/g, (_, name: string) => args.get(name) ?? `\${${name}}`);

t.test('the base image is Node.js 20, pinned to a release', async (t) => {
  const froms = all.filter((i) => i.op === 'FROM').map((i) => expand(i.args.split(/\s+/)[0]!));
  t.ok(froms.length >= 2, `a multi-stage build (${froms.length} stages)`);
  for (const f of froms) {
    t.match(f, /^node:20\.\d+\.\d+-[a-z]+(-slim)?$/, `${f}: Node 20, an exact release, never "latest"`);
  }
});

t.test('Terraform: a pinned release new enough for every module, checksum-verified per architecture', async (t) => {
  const version = args.get('TERRAFORM_VERSION') ?? '';
  t.match(version, /^\d+\.\d+\.\d+$/, `pinned: ${version}`);
  for (const dir of readdirSync(join(ROOT, 'terraform'), { withFileTypes: true }).filter((d) => d.isDirectory())) {
    let versions: string;
    try {
      versions = readFileSync(join(ROOT, 'terraform', dir.name, 'versions.tf'), 'utf8');
    } catch {
      continue;
    }
    const need = /required_version\s*=\s*">=\s*(\d+)\.(\d+)/.exec(versions);
    if (!need) continue;
    const [maj, min] = version.split('.').map(Number) as [number, number];
    t.ok(maj > Number(need[1]) || (maj === Number(need[1]) && min >= Number(need[2])), `${version} satisfies terraform/${dir.name} (>= ${need[1]}.${need[2]})`);
  }
  t.ok(Number(version.split('.')[1]) >= 11 || Number(version.split('.')[0]) > 1, 'at least 1.11 (write-only arguments: secret_string_wo)');
  for (const arch of ['AMD64', 'ARM64']) t.match(args.get(`TERRAFORM_SHA256_${arch}`) ?? '', /^[0-9a-f]{64}$/, `the ${arch.toLowerCase()} zip's SHA-256 is pinned`);
  t.match(runs, /releases\.hashicorp\.com\/terraform\/\$\{TERRAFORM_VERSION\}\/terraform_\$\{TERRAFORM_VERSION\}_linux_\$\{arch\}\.zip/, 'downloaded from HashiCorp by version and architecture');
  t.match(runs, /echo "\$\{sum\}\s+\/tmp\/terraform\.zip" \| sha256sum -c -/, 'and checked against the pinned SHA-256 before it is unpacked');
});

t.test('AWS CLI v2: Debian’s own package pinned, or AWS’s build with its signature checked', async (t) => {
  t.equal(args.get('AWS_CLI'), 'debian', 'by default the CLI is Debian bookworm’s awscli package (apt checks Debian’s signatures)');
  t.match(runs, /apt-get install -y --no-install-recommends 'awscli=2\.9\.19\*'/, 'pinned to bookworm’s 2.9.19 (a v2: `eks get-token` answers v1beta1 ExecCredentials)');
  t.match(runs, /aws --version \| grep -q '\^aws-cli\/2\\\.'/, 'whichever is installed must be a v2');
  t.match(args.get('AWS_CLI_VERSION') ?? '', /^2\.\d+\.\d+$/, 'AWS_CLI=upstream: a pinned 2.x release');
  t.equal(args.get('AWS_CLI_PGP_FINGERPRINT'), 'FB5DB77FD5C118B80511ADA8A6310ACC4672475C', 'AWS’s published signing key, by full fingerprint');
  t.match(runs, /awscli-exe-linux-\$\{arch\}-\$\{AWS_CLI_VERSION\}\.zip\.sig/, 'the signature is downloaded');
  t.match(runs, /gpg --batch --status-fd 1 --verify awscli\.zip\.sig awscli\.zip \| grep -q "\^\\\[GNUPG:\\\] VALIDSIG \$\{AWS_CLI_PGP_FINGERPRINT\} "/, 'a valid signature by exactly that key is required');
  t.match(runs, /aws --version \| grep -q "\^aws-cli\/\$\{AWS_CLI_VERSION\} "/, 'the installed CLI is that version');
});

t.test('providers baked in: nothing is downloaded at run time', async (t) => {
  t.match(runs, /terraform -chdir="\/src\/terraform\/\$\{target\}" providers mirror/, 'the targets’ providers are mirrored at build time');
  t.match(runs, /\/usr\/local\/share\/terraform\/plugins/, 'into an implied local mirror Terraform finds without a CLI config');
  t.ok(final.some((i) => i.op === 'COPY' && i.args.includes('/usr/local/share/terraform/plugins')), 'and copied into the image');
});

t.test('production dependencies only, the Tendril as entry point', async (t) => {
  t.match(runs, /npm ci --omit=dev/, 'npm ci --omit=dev');
  const entry = final.filter((i) => i.op === 'ENTRYPOINT' || i.op === 'CMD');
  t.equal(entry.length, 1, 'one entry point');
  t.same(JSON.parse(entry[0]!.args), ['node', '--import', 'tsx', 'bin/tendril.ts'], 'exec form: node runs bin/tendril.ts itself (the signals reach it)');
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string>; dependencies: Record<string, string> };
  t.equal(pkg.scripts.worker, 'node --import tsx bin/tendril.ts', 'the same command as `npm run worker`');
  t.ok(pkg.dependencies.tsx, 'tsx is a production dependency (npm ci --omit=dev keeps it)');
});

t.test('runs as an unprivileged user', async (t) => {
  const users = final.filter((i) => i.op === 'USER');
  t.equal(users.length, 1, 'the final stage sets its user once');
  const user = users[0]!.args.split(':')[0]!;
  t.notOk(['root', '0', ''].includes(user), `USER ${users[0]!.args} is not root`);
  const userAt = final.indexOf(users[0]!);
  t.ok(final.slice(userAt + 1).every((i) => i.op !== 'RUN' && i.op !== 'USER'), 'nothing runs after it as another user');
  t.match(runs, new RegExp(`useradd [^\\n]*--uid \\d+ [^\\n]*${user}`), `${user} is a system user created in the image`);
});

t.test('nothing secret baked in', async (t) => {
  const envs = all.filter((i) => i.op === 'ENV' || i.op === 'ARG').map((i) => i.args);
  for (const e of envs) {
    t.notMatch(e, /(TOKEN|PASSWORD|SECRET|DATABASE_URL|ACCESS_KEY|SESSION)\w*\s*=/i, `no secret setting: ${e.split(/\s+/)[0]}`);
  }
  t.notMatch(DOCKERFILE, /TENDRIL_TOKEN=\S/, 'no token value anywhere');
  t.notMatch(DOCKERFILE, /vnt_[A-Za-z0-9_-]{8,}/, 'no token-shaped string');
  const copies = all.filter((i) => i.op === 'COPY' || i.op === 'ADD');
  t.notOk(copies.some((i) => i.op === 'ADD'), 'COPY only (no ADD fetching URLs or unpacking archives)');
  for (const c of copies) t.notMatch(c.args, /\.vintner|\.env|\.tfstate|^\.\s|\s\.\s/, `COPY ${c.args}: named sources, never the whole context or local data`);
  for (const must of ['.git', 'node_modules', '.vintner', '.env', '.env.*', '**/*.tfstate', '**/*.tfvars.json', '**/.terraform']) {
    t.ok(IGNORE.includes(must), `.dockerignore leaves out ${must}`);
  }
});
