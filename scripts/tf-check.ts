/**
 * `npx tsx scripts/tf-check.ts [options] <module dir>...`
 *
 * Checks Terraform modules offline, with the real Terraform and the providers' real schemas
 * (served by test/provider/plugin.ts; see test/provider/README.md):
 * - `terraform fmt -check`: files that are not formatted;
 * - `terraform init -backend=false` + `terraform validate`: unsupported or missing arguments,
 *   wrong types, too many blocks, unknown attributes … as `file:line:column: error: …`;
 * - with `--test`: `terraform test` (mock_provider works), failed runs and their diagnostics;
 * - with `--plan`: `terraform plan` against the schema-only providers, which sees what validate
 *   cannot (values, for_each keys, outputs exposing sensitive values); `--var-file FILE` (may
 *   repeat) gives the variables.
 *
 * Prints one line per problem and a summary per module; exits 1 when there is any problem
 * (warnings included, unless `--allow-warnings`), 2 on a usage error. Never writes into the
 * module: Terraform runs in a temporary copy.
 */
import { relative } from 'node:path';
import {
  createProviderMirror,
  fmtCheck,
  formatDiagnostic,
  moduleExists,
  planModule,
  runTerraformTest,
  validateModule,
  type Diagnostic,
} from '../test/provider/harness.js';

const USAGE = 'usage: npx tsx scripts/tf-check.ts [--test] [--plan] [--var-file FILE]... [--allow-warnings] <module dir>...';

const SCHEMA_HINT =
  'if the provider has this type, the offline schemas lack it: run `npx tsx scripts/provider-schemas.ts` and commit test/provider/schemas/';

function hint(d: Diagnostic): string | undefined {
  if (/^Invalid (resource|data source) type$/.test(d.summary)) return SCHEMA_HINT;
  return undefined;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const flags = { test: false, plan: false, allowWarnings: false };
  const varFiles: string[] = [];
  const dirs: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--test') flags.test = true;
    else if (a === '--plan') flags.plan = true;
    else if (a === '--allow-warnings') flags.allowWarnings = true;
    else if (a === '--var-file') varFiles.push(args[++i] ?? '');
    else if (a === '-h' || a === '--help') {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    } else if (a.startsWith('-')) {
      process.stderr.write(`unknown option ${a}\n${USAGE}\n`);
      return 2;
    } else dirs.push(a);
  }
  if (!dirs.length || varFiles.includes('')) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const missing = dirs.filter((d) => !moduleExists(d));
  if (missing.length) {
    process.stderr.write(`not a Terraform module (no .tf files): ${missing.join(', ')}\n`);
    return 2;
  }

  const mirror = await createProviderMirror();
  let problems = 0;
  try {
    for (const dir of dirs) {
      const name = relative(process.cwd(), dir) || '.';
      let errors = 0;
      let warnings = 0;
      const report = (d: Diagnostic) => {
        if (d.severity === 'error') errors++;
        else warnings++;
        process.stdout.write(`${formatDiagnostic(d)}\n`);
        const h = hint(d);
        if (h) process.stdout.write(`  hint: ${h}\n`);
      };
      const fmt = await fmtCheck(dir);
      for (const f of fmt.files) process.stdout.write(`${relative(process.cwd(), `${dir}/${f}`)}: not formatted (run terraform fmt)\n`);
      const v = await validateModule(dir, { mirror });
      v.diagnostics.forEach(report);
      const timings = [`init ${v.timings.init} ms`, `validate ${v.timings.validate} ms`];
      if (flags.test) {
        const r = await runTerraformTest(dir, { mirror });
        for (const run of r.runs.filter((x) => x.status !== 'pass')) process.stdout.write(`${name}/${run.file}: run "${run.run}": ${run.status}\n`);
        r.diagnostics.forEach(report);
        if (r.status !== 'pass' && !r.diagnostics.length && r.runs.every((x) => x.status === 'pass')) {
          errors++;
          process.stdout.write(`${name}: terraform test: ${r.status}\n`);
        }
        timings.push(`test ${r.timings.test} ms (${r.runs.length} runs)`);
      }
      if (flags.plan && v.valid) {
        const p = await planModule(dir, { mirror, varFiles });
        p.diagnostics.forEach(report);
        timings.push(`plan ${p.timings.plan} ms`);
      }
      const bad = errors + fmt.files.length + (flags.allowWarnings ? 0 : warnings);
      problems += bad;
      process.stdout.write(
        `${name}: ${errors} error(s), ${warnings} warning(s), ${fmt.files.length} file(s) to format — ${bad ? 'FAIL' : 'ok'} (${timings.join(', ')})\n`,
      );
    }
  } finally {
    mirror.remove();
  }
  return problems ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`tf-check: ${err.message}\n`);
    process.exit(2);
  },
);
