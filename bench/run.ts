/** `npm run bench`: every bench/*.ts (except this and lib.ts) in turn; figures land in bench/results/. */
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(dir).filter((f) => f.endsWith('.ts') && !['run.ts', 'lib.ts'].includes(f) && (only.length === 0 || only.some((o) => f.includes(o))));
let failed = 0;
for (const f of files.sort()) {
  process.stdout.write(`\n▸ bench/${f}\n`);
  const r = spawnSync('npx', ['tsx', `${dir}${f}`], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
