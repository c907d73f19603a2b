/** Secret values reach Terraform only by the environment (TF_VAR_…), exactly as given; the CLI config a run writes. */
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { cliConfig, hclValue, sensitiveVarEnv } from '../../src/terraform/index.js';

const NASTY = ['${not_a_template}', '%{ if true }x%{ endif }', 'quote " and back\\slash', 'line\nbreak\ttab\r', 'control \u0001\u001f', 'ünïcödé 🍇', '$${already}', ''];

t.test('hclValue escapes what HCL would read as a template or an escape', async (t) => {
  t.equal(hclValue('${x}'), '"$${x}"');
  t.equal(hclValue('%{x}'), '"%%{x}"');
  t.equal(hclValue('a"b\\c\nd'), '"a\\"b\\\\c\\nd"');
  t.equal(hclValue({ a: ['b', 1, true, null] }), '{"a" = ["b", 1, true, null]}');
  t.throws(() => sensitiveVarEnv({ secret_values: { big: 'x'.repeat(130 * 1024) } }), /KiB/, 'a value too large for one environment variable is refused with its size');
});

t.test('real Terraform reads every value back exactly', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vintner-tfvar-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(
    join(dir, 'main.tf'),
    'variable "secret_values" {\n  type      = map(string)\n  sensitive = true\n}\noutput "echo" {\n  value = nonsensitive(jsonencode(var.secret_values))\n}\n',
  );
  const values = Object.fromEntries(NASTY.map((v, i) => [`s${i}`, v]));
  const env = { PATH: process.env.PATH ?? '', HOME: dir, TF_CLI_CONFIG_FILE: '/dev/null', CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1', ...sensitiveVarEnv({ secret_values: values }) };
  await execa(process.env.TERRAFORM_BIN ?? 'terraform', ['init', '-input=false'], { cwd: dir, env, extendEnv: false });
  await execa(process.env.TERRAFORM_BIN ?? 'terraform', ['apply', '-auto-approve', '-input=false'], { cwd: dir, env, extendEnv: false });
  const { stdout } = await execa(process.env.TERRAFORM_BIN ?? 'terraform', ['output', '-raw', 'echo'], { cwd: dir, env, extendEnv: false });
  t.same(JSON.parse(stdout), values, 'templates, quotes, escapes, control characters and unicode arrive unchanged');
});

t.test('the CLI config: a provider mirror is the only place providers come from', async (t) => {
  t.equal(cliConfig(), 'disable_checkpoint = true\n', 'no mirror: Terraform’s defaults');
  const text = cliConfig('/opt/terraform providers/"mirror"');
  t.match(text, /provider_installation \{\n {2}filesystem_mirror \{\n {4}path = "\/opt\/terraform providers\/\\"mirror\\""\n {2}\}\n\}/, 'the mirror, quoted as HCL');
  t.notMatch(text, /direct/, 'no direct installation: nothing from the internet');
});
