/**
 * One owner per table and per status: nothing in src/ writes a status column but its table's
 * repository (through `transitionRows`, derived from the lifecycle table, NOTIFY in the same
 * statement), and every lifecycle edge the code can take is one the contract allows.
 */
import t from 'tap';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { vineLifecycle, VINE_TRANSITIONS } from '../../src/domain/vines/status.js';
import { COMPONENT_TRANSITIONS } from '../../src/domain/components/status.js';
import { JOB_TRANSITIONS } from '../../src/domain/jobs/status.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SRC = join(ROOT, 'src');

/** The status owners: each table's repository, and the one guarded UPDATE they share. */
const OWNERS = [
  'src/domain/lifecycle.ts',
  'src/domain/jobs/repository.ts',
  'src/domain/vines/repository.ts',
  'src/domain/components/repository.ts',
  'src/domain/tendrils/repository.ts',
  'src/domain/identities/repository.ts',
];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** The text of every call `.name(…)` in `src`, parentheses balanced (strings and templates skipped over). */
function calls(src: string, name: string): string[] {
  const out: string[] = [];
  let i = src.indexOf(`.${name}(`);
  while (i !== -1) {
    let depth = 0;
    let j = i + name.length + 1;
    let quote: string | undefined;
    for (; j < src.length; j++) {
      const c = src[j]!;
      if (quote) {
        if (c === '\\') j++;
        else if (c === quote) quote = undefined;
      } else if (c === "'" || c === '"' || c === '`') quote = c;
      else if (c === '(') depth++;
      else if (c === ')' && --depth === 0) break;
    }
    out.push(src.slice(i, j + 1));
    i = src.indexOf(`.${name}(`, j);
  }
  return out;
}

const STATUS_KEY = /(^|[{,\s])(status|last_test_status)\s*:/;
const STATUS_SQL = /\bUPDATE\s+\w+[\s\S]{0,200}?\bSET\b[^;]*?\b(status|last_test_status)\s*=/i;

t.test('no status is written outside its owner', async (t) => {
  const all = files(SRC);
  t.ok(all.length > 80, `src/ was read (${all.length} files)`);
  const writers = new Map<string, string[]>();
  for (const file of all) {
    const rel = relative(ROOT, file);
    const src = readFileSync(file, 'utf8');
    const found = [...calls(src, 'update'), ...calls(src, 'insert')].filter((c) => STATUS_KEY.test(c));
    if (STATUS_SQL.test(src)) found.push('raw SQL UPDATE … SET status');
    if (found.length) writers.set(rel, found);
  }
  const outside = [...writers.keys()].filter((f) => !OWNERS.includes(f));
  t.same(outside, [], 'every status write is in a repository (or the shared guarded UPDATE)');
  t.ok(writers.has('src/domain/identities/repository.ts'), 'the check sees the identity test status writer (it finds what it looks for)');
  t.match(readFileSync(join(SRC, 'domain/lifecycle.ts'), 'utf8'), /\{ \.\.\.set, status: to \}/, 'and the one guarded UPDATE sets `status` itself');
});

t.test('the check itself catches a status write', async (t) => {
  const sample = "await trx('vines').where({ id }).update({ error: null, status: 'FAILED', updated_at: now });";
  t.ok(calls(sample, 'update').some((c) => STATUS_KEY.test(c)), 'an update with status');
  t.notOk(calls("await trx('vines').update({ statusText: 'x' })", 'update').some((c) => STATUS_KEY.test(c)), 'not a look-alike key');
  t.ok(STATUS_SQL.test("UPDATE provision_jobs SET error = 'x', status = 'FAILED' WHERE id = ?"), 'raw SQL');
});

/** The `to` statuses of each row of one of DESIGN.md's lifecycle tables (after `## …` heading `name`). */
function designTable(doc: string, name: string): Record<string, string[]> {
  const start = doc.indexOf(`\n${name}\n| from | to |`);
  if (start === -1) throw new Error(`DESIGN.md has no ${name} table`);
  const rows: Record<string, string[]> = {};
  for (const line of doc.slice(start).split('\n').slice(4)) {
    const m = /^\| ([A-Z_]+) \| (.*) \|$/.exec(line);
    if (!m) break;
    rows[m[1]!] = [...m[2]!.replace(/\([^)]*\)/g, '').matchAll(/\b[A-Z][A-Z_]+[A-Z]\b/g)].map((x) => x[0]);
    if (/back to the status it had before/.test(m[2]!)) rows[m[1]!]!.push('*');
  }
  return rows;
}

t.test('every lifecycle edge the code can take is in the contract’s tables (DESIGN.md, completing the seed)', async (t) => {
  const doc = readFileSync(join(ROOT, 'docs/DESIGN.md'), 'utf8');
  const check = (name: string, code: Record<string, readonly string[]>, back: (from: string) => string[]) => {
    const table = designTable(doc, name);
    for (const [from, tos] of Object.entries(code)) {
      const allowed = (table[from] ?? []).flatMap((x) => (x === '*' ? back(from) : [x]));
      for (const to of tos) t.ok(allowed.includes(to), `${name}: ${from} → ${to} is in DESIGN.md`);
      for (const to of allowed) t.ok(tos.includes(to), `${name}: DESIGN.md's ${from} → ${to} is in the code`);
    }
  };
  // "back to the status it had before": from QUEUED, whatever may become QUEUED; from DESTROYING, whatever may become DESTROYING.
  check('Vine', VINE_TRANSITIONS, (from) => vineLifecycle.allowedFrom(from as never).filter((s) => s !== 'QUEUED'));
  check('Component', COMPONENT_TRANSITIONS, () => []);
  check('Job', JOB_TRANSITIONS, () => []);
});
