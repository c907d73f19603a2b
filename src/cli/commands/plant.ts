/**
 * grape plant -f vine.json: configuration as code. Creates the vine when its vineyard has none of
 * that name and stage, otherwise replaces its spec; either way it prints what changes.
 */
import { readFileSync } from 'node:fs';
import { COMMON_OPTIONS, JSON_OPTION, type Command, type Context } from '../command.js';
import { EXIT, GrapeError, usage } from '../errors.js';
import { paint, printJson } from '../output.js';
import { all, vineyard as findVineyard, type VineDetailJson, type VineDiffJson, type VineyardJson } from '../resolve.js';
import { COMPONENT_KINDS } from '../../domain/components/catalogue.js';
import { readLine } from '../prompt.js';

type VineDiff = VineDiffJson;

async function readSpec(ctx: Context, file: string): Promise<Record<string, unknown>> {
  let text: string;
  if (file === '-') {
    const lines: string[] = [];
    for (let l = await readLine(ctx.io); l !== undefined; l = await readLine(ctx.io)) lines.push(l);
    text = lines.join('\n');
  } else {
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new GrapeError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`, EXIT.USAGE);
    }
  }
  let spec: unknown;
  try {
    spec = JSON.parse(text);
  } catch (err) {
    throw new GrapeError(`${file === '-' ? 'stdin' : file} is not valid JSON: ${(err as Error).message}`, EXIT.USAGE);
  }
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw new GrapeError(`${file} must hold one JSON object: the vine spec`, EXIT.USAGE);
  return spec as Record<string, unknown>;
}

async function pickVineyard(ctx: Context, ref: string | undefined): Promise<VineyardJson> {
  if (ref) return findVineyard(ctx.api(), ref);
  const list = await all<VineyardJson>(ctx.api(), '/vineyards');
  if (list.length === 1) return list[0]!;
  throw usage(list.length ? `which vineyard? pass --vineyard (${list.map((v) => v.name).join(', ')})` : 'no vineyard yet: grape vineyards create NAME');
}

/** The kinds of the catalogue, singletons or lists, as the help names them. */
const kindList = (singleton: boolean) => COMPONENT_KINDS.filter((k) => k.singleton === singleton).map((k) => k.kind).join(', ');

const SIGN = { create: '+', update: '~', delete: '-', none: ' ' } as const;
function describe(diff: VineDiff, color: boolean): string[] {
  const c = { create: 'green', update: 'yellow', delete: 'red', none: 'dim' } as const;
  const lines = diff.vine.changed_fields.map((f) => paint(color, 'yellow', `  ~ vine ${f}`));
  for (const x of diff.components.filter((d) => d.action !== 'none')) {
    const note = x.action === 'update' ? `  (${x.changed_fields.join(', ')})` : x.action === 'delete' && x.status && !['PENDING', 'DESTROYED'].includes(x.status) ? '  (destroyed in the cloud by the next harvest)' : '';
    lines.push(paint(color, c[x.action], `  ${SIGN[x.action]} ${x.kind}/${x.name}`) + note);
  }
  return lines;
}

/** What the server accepted but could not confirm (an id to adopt that discovery has not seen): on stderr. */
function printWarnings(ctx: Context, warnings: ReadonlyArray<{ field: string; message: string }> | undefined): void {
  for (const w of warnings ?? []) ctx.io.stderr.write(`${paint(ctx.color, 'yellow', 'warning')}: ${w.field}: ${w.message}\n`);
}

export const plant: Command = {
  name: 'plant',
  usage: 'grape plant -f vine.json [--vineyard VINEYARD] [--dry-run] [--json]',
  summary: 'create a vine from a spec file, or update it when it exists; prints what changes',
  details: `The spec is one JSON document: name, stage, identity, the singletons (${kindList(true)}:
an object or null) and the lists (${kindList(false)}: items with a name).
Settings left out take the stage's defaults.
  -f, --file FILE    the spec (- for stdin)
  --vineyard V       where the vine lives (optional when you have one vineyard)
  --dry-run          show what would change, change nothing`,
  options: { ...COMMON_OPTIONS, ...JSON_OPTION, file: { type: 'string', short: 'f' }, vineyard: { type: 'string' }, 'dry-run': { type: 'boolean' } },
  async run(ctx, values, args) {
    if (args.length) throw usage(`unexpected arguments: ${args.join(' ')}`);
    if (!values.file) throw usage('grape plant -f vine.json: which spec file?');
    const spec = await readSpec(ctx, values.file as string);
    const api = ctx.api();
    const vy = await pickVineyard(ctx, values.vineyard as string | undefined);
    const dry = values['dry-run'] === true;
    const label = `${vy.name}/${String(spec.name)} (${String(spec.stage)})`;

    let existing: VineDetailJson | undefined;
    if (typeof spec.name === 'string' && typeof spec.stage === 'string') {
      try {
        existing = await api.call<VineDetailJson>('GET', `/vines/by-name/${encodeURIComponent(vy.name)}/${encodeURIComponent(spec.name)}?stage=${encodeURIComponent(spec.stage)}`);
      } catch (err) {
        if (!(err instanceof GrapeError && err.exitCode === EXIT.NOT_FOUND)) throw err;
      }
    }

    if (!existing) {
      if (dry) {
        // Nothing to diff against: the server checks the spec when it is planted for real.
        ctx.io.stdout.write(`${label} does not exist: plant would create it.\n`);
        return EXIT.OK;
      }
      const created = await api.call<VineDetailJson & { warnings: Array<{ field: string; message: string }> }>('POST', `/vineyards/${vy.id}/vines`, spec);
      printWarnings(ctx, created.warnings);
      if (values.json) {
        printJson(ctx.io, { action: 'created', vine: created });
        return EXIT.OK;
      }
      ctx.io.stdout.write(`Planted ${created.vine.vineyard_name}/${created.vine.name} (${created.vine.stage}): ${created.vine.status}, ${created.components.length} components\n`);
      for (const x of created.components) ctx.io.stdout.write(paint(ctx.color, 'green', `  + ${x.kind}/${x.name}`) + '\n');
      ctx.io.stdout.write(`Next: grape plan ${created.vine.vineyard_name}/${created.vine.name}\n`);
      return EXIT.OK;
    }

    const id = existing.vine.id;
    const diff = await api.call<VineDiff>('POST', `/vines/${id}/diff`, spec);
    if (dry || !diff.changed) {
      printWarnings(ctx, diff.warnings);
      if (values.json) printJson(ctx.io, { action: diff.changed ? 'would-update' : 'unchanged', diff, vine: existing });
      else ctx.io.stdout.write(diff.changed ? `${label} would change:\n${describe(diff, ctx.color).join('\n')}\n` : `${label}: no changes\n`);
      return EXIT.OK;
    }
    const replaced = await api.call<{ diff: VineDiff; vine: VineDetailJson; warnings: Array<{ field: string; message: string }> }>('PUT', `/vines/${id}`, spec);
    printWarnings(ctx, replaced.warnings);
    if (values.json) {
      printJson(ctx.io, { action: 'updated', ...replaced });
      return EXIT.OK;
    }
    ctx.io.stdout.write(`Updated ${label}:\n${describe(replaced.diff, ctx.color).join('\n')}\n`);
    ctx.io.stdout.write(`Configuration v${replaced.vine.vine.config_version}; the cloud changes at the next harvest: grape plan ${vy.name}/${replaced.vine.vine.name}\n`);
    return EXIT.OK;
  },
};
