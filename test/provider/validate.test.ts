/**
 * `terraform validate` of fixture modules with the real Terraform and the schema-only providers:
 * every kind of schema mistake is reported with its file and line; a clean module is clean;
 * `fmt` problems are found; and scripts/tf-check.ts prints and exits accordingly.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { createProviderMirror, fmtCheck, validateModule, type ProviderMirror } from './harness.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const ROOT = join(import.meta.dirname, '../..');
let mirror: ProviderMirror;
t.before(async () => {
  mirror = await createProviderMirror();
});
t.teardown(() => mirror?.remove());

t.test('a module with mistakes: each one reported with file and line', async (t) => {
  const dir = join(FIXTURES, 'broken');
  const r = await validateModule(dir, { mirror });
  t.comment(`broken: init ${r.timings.init} ms, validate ${r.timings.validate} ms`);
  t.equal(r.valid, false);
  const main = join(dir, 'main.tf');
  const found = r.diagnostics.map((d) => ({ file: d.file, line: d.line, summary: d.summary, detail: d.detail }));
  const expect = [
    { line: 7, summary: 'Unsupported argument', detail: /argument named "cidr" is not expected here/ },
    { line: 10, summary: 'Missing required argument', detail: /"location" is required/ },
    { line: 17, summary: 'Incorrect attribute value type', detail: /"map_public_ip_on_launch": a bool is required/ },
    { line: 28, summary: 'Too many root_block_device blocks', detail: /No more than 1/ },
    { line: 34, summary: 'Unsupported attribute', detail: /no argument, nested block, or exported attribute named "no_such_attribute"/ },
  ];
  t.equal(found.length, expect.length, 'five diagnostics, no more');
  for (const e of expect) {
    t.ok(
      found.some((f) => f.file === main && f.line === e.line && f.summary === e.summary && e.detail.test(f.detail)),
      `${e.summary} at main.tf:${e.line}`,
    );
  }
  const lines = readFileSync(main, 'utf8').split('\n');
  t.match(lines[6], /cidr\s+=/, 'line 7 is the unsupported argument, as reported');
  t.ok(r.diagnostics.every((d) => d.severity === 'error'));
});

t.test('clean modules validate clean', async (t) => {
  for (const name of ['network', 'tested']) {
    const r = await validateModule(join(FIXTURES, name), { mirror });
    t.comment(`${name}: init ${r.timings.init} ms, validate ${r.timings.validate} ms`);
    t.equal(r.valid, true, `${name} is valid`);
    t.same(r.diagnostics, [], `${name}: no diagnostics`);
  }
});

t.test('validation never writes into the module', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vintner-validate-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(join(FIXTURES, 'network'), dir, { recursive: true });
  const before = readFileSync(join(dir, 'main.tf'), 'utf8');
  await validateModule(dir, { mirror });
  t.same(readdirSync(dir).sort(), ['main.tf', 'outputs.tf', 'variables.tf', 'versions.tf'], 'no .terraform, no lock file');
  t.equal(readFileSync(join(dir, 'main.tf'), 'utf8'), before);
});

t.test('fmtCheck lists the files terraform fmt would change', async (t) => {
  t.same((await fmtCheck(join(FIXTURES, 'network'))).files, [], 'fixtures are formatted');
  const dir = mkdtempSync(join(tmpdir(), 'vintner-fmt-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'main.tf'), 'resource "aws_vpc" "x" {\ncidr_block="10.0.0.0/16"\n}\n');
  writeFileSync(join(dir, 'ok.tf'), 'locals {\n  a = 1\n}\n');
  t.same((await fmtCheck(dir)).files, ['main.tf']);
  t.equal(readFileSync(join(dir, 'main.tf'), 'utf8'), 'resource "aws_vpc" "x" {\ncidr_block="10.0.0.0/16"\n}\n', 'checked, not rewritten');
});

const tfCheck = (args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'scripts/tf-check.ts', ...args], { cwd: ROOT, env: process.env }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });

t.test('scripts/tf-check.ts prints file:line: diagnostics and fails; passes a clean module', async (t) => {
  const bad = await tfCheck(['test/provider/fixtures/broken']);
  t.equal(bad.code, 1, 'exit 1 on errors');
  t.match(bad.stdout, /^test\/provider\/fixtures\/broken\/main\.tf:7:3: error: Unsupported argument: An argument named "cidr" is not expected here/m);
  t.match(bad.stdout, /^test\/provider\/fixtures\/broken\/main\.tf:10:\d+: error: Missing required argument/m);
  t.match(bad.stdout, /^test\/provider\/fixtures\/broken: 5 error\(s\), 0 warning\(s\), 0 file\(s\) to format — FAIL/m);
  const good = await tfCheck(['test/provider/fixtures/network']);
  t.equal(good.code, 0, `exit 0 when clean: ${good.stdout}${good.stderr}`);
  t.match(good.stdout, /network: 0 error\(s\), 0 warning\(s\), 0 file\(s\) to format — ok \(init \d+ ms, validate \d+ ms\)/);
  t.comment(good.stdout.trim());
  const usage = await tfCheck([]);
  t.equal(usage.code, 2, 'usage error');
});
