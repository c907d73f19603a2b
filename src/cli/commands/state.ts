/** grape state VINEYARD/VINE, grape state show VINEYARD/VINE N, grape state restore VINEYARD/VINE N [--yes]. */
import { COMMON_OPTIONS, JSON_OPTION, type Command, type Context } from '../command.js';
import { EXIT, GrapeError, usage } from '../errors.js';
import { ago, paint, printJson, table } from '../output.js';
import { ask } from '../prompt.js';
import { all, vine as findVine, type VineDetailJson } from '../resolve.js';
import type { Json } from '../../domain/schema.js';
import type { StateVersion, StateVersionDetail } from '../../domain/state/schema.js';

type VersionJson = Json<StateVersion>;
type DetailJson = Json<StateVersionDetail>;
type VineJson = VineDetailJson['vine'];

/** `3` or `#3`, as `grape state` lists them. */
function versionArg(arg: string | undefined): string {
  const m = /^#?(\d{1,9})$/.exec(arg ?? '');
  if (!m || Number(m[1]) < 1) throw usage(arg === undefined ? 'which version? (grape state VINEYARD/VINE lists them)' : `"${arg}" is not a version number (grape state VINEYARD/VINE lists them)`);
  return m[1]!;
}

const by = (v: VersionJson) =>
  v.origin === 'restore' ? `restored from ${v.restored_from}` : v.origin === 'import' ? 'imported from the pg backend' : `${v.job_type ?? 'job'} ${v.job_id}${v.tendril_name ? ` on ${v.tendril_name}` : ''}`;

const label = (v: VineJson) => `${v.vineyard_name}/${v.name} (${v.stage})`;
const base = (v: VineJson) => `/vines/${v.id}/state/versions`;

async function list(ctx: Context, vine: VineJson, limitArg: string | boolean | undefined, json: boolean): Promise<number> {
  const limit = limitArg === undefined ? 20 : Number(limitArg);
  if (!Number.isInteger(limit) || limit < 0) throw usage('--limit must be a whole number (0 for all)');
  const api = ctx.api();
  const items = limit === 0 ? await all<VersionJson>(api, base(vine)) : (await api.call<{ items: VersionJson[] }>('GET', `${base(vine)}?limit=${Math.min(limit, 200)}`)).items;
  if (json) printJson(ctx.io, items);
  else if (!items.length) ctx.io.stdout.write(`No state yet: grape harvest ${vine.vineyard_name}/${vine.name} writes the first.\n`);
  else {
    const note = (v: VersionJson) => [v.current ? paint(ctx.color, 'green', 'current') : '', v.deleted ? paint(ctx.color, 'dim', 'deleted') : ''].filter(Boolean).join(', ');
    ctx.io.stdout.write(table(['VERSION', 'SERIAL', 'WRITTEN', 'RESOURCES', 'BY', 'NOTE'], items.map((v) => [String(v.version), String(v.serial), ago(v.created_at), String(v.resources), by(v), note(v)])));
  }
  return EXIT.OK;
}

async function show(ctx: Context, vine: VineJson, version: string, json: boolean): Promise<number> {
  const d = await ctx.api().call<DetailJson>('GET', `${base(vine)}/${version}`);
  if (json) {
    printJson(ctx.io, d);
    return EXIT.OK;
  }
  const out = [
    `State version ${d.version} of ${label(vine)}${d.current ? ' — the current state' : ''}${d.deleted ? ' — empty (Terraform deleted the state)' : ''}`,
    `  serial ${d.serial} · lineage ${d.lineage} · written ${ago(d.created_at)} by ${by(d)}${d.terraform_version ? ` · Terraform ${d.terraform_version}` : ''}`,
    `Resources (${d.resource_addresses.length}):`,
    ...d.resource_addresses.map((a) => `  ${a}`),
    `Outputs (${d.output_names.length}):`,
    ...d.output_names.map((o) => `  ${o}`),
    paint(ctx.color, 'dim', 'Values are never shown: attributes and outputs may hold secrets.'),
  ];
  ctx.io.stdout.write(`${out.join('\n')}\n`);
  return EXIT.OK;
}

async function restore(ctx: Context, vine: VineJson, version: string, yes: boolean, json: boolean): Promise<number> {
  const api = ctx.api();
  // Not there: said before asking anything.
  const d = await api.call<DetailJson>('GET', `${base(vine)}/${version}`);
  if (!yes) {
    const answer = await ask(ctx.io, `Restore version ${d.version} of ${label(vine)} (serial ${d.serial}, ${d.resources} resources, written ${ago(d.created_at)})? It becomes the current state; nothing in the cloud changes. [y/N] `);
    if (!ctx.io.stdin.isTTY) ctx.io.stderr.write('\n'); // a piped answer is not echoed: end the question's line
    if (answer === undefined) throw usage('nothing restored: no answer on stdin (pass --yes to restore without asking)');
    if (!/^y(es)?$/i.test(answer)) throw new GrapeError('nothing restored', EXIT.FAILED);
  }
  const made = await api.call<VersionJson>('POST', `${base(vine)}/${version}/restore`);
  if (json) printJson(ctx.io, made);
  else {
    ctx.io.stdout.write(
      `Restored version ${made.restored_from} of ${label(vine)} as version ${made.version} (serial ${made.serial}).\n` +
        `Only Terraform’s record changed, not the cloud: run grape plan ${vine.vineyard_name}/${vine.name}${vine.stage !== 'development' ? ` --stage ${vine.stage}` : ''} to see what a harvest would change.\n`,
    );
  }
  return EXIT.OK;
}

export const state: Command = {
  name: 'state',
  usage: 'grape state [show | restore] VINEYARD/VINE [VERSION] [--stage STAGE] [--limit N] [--yes] [--json]',
  summary: 'a vine’s Terraform state versions; show one; restore an older one',
  details: `  grape state VINEYARD/VINE              every version of the vine's state, newest first: serial, when, which
                                         job (and Tendril) wrote it, how many resources
  grape state show VINEYARD/VINE N       what version N holds: resource addresses and output names (never a value)
  grape state restore VINEYARD/VINE N    make version N the current state again, as a new version; asks first.
                                         It changes Terraform's record, not the cloud: run grape plan next to
                                         see what a harvest would change. Refused while a job of the vine is
                                         queued or running, or the state is locked.
  --stage STAGE      when the vine exists in several stages
  --limit N          how many versions to list (default 20; 0 for all)
  -y, --yes          restore without asking`,
  options: { ...COMMON_OPTIONS, ...JSON_OPTION, stage: { type: 'string' }, limit: { type: 'string' }, yes: { type: 'boolean', short: 'y' } },
  async run(ctx, values, args) {
    const action = args[0] === 'show' || args[0] === 'restore' ? args[0] : 'list';
    const rest = action === 'list' ? args : args.slice(1);
    const wanted = action === 'list' ? 1 : 2;
    if (rest.length !== wanted) throw usage(action === 'list' ? 'grape state VINEYARD/VINE' : `grape state ${action} VINEYARD/VINE VERSION`);
    const version = action === 'list' ? '' : versionArg(rest[1]);
    const { vine } = await findVine(ctx.api(), rest[0]!, values.stage as string | undefined);
    const json = values.json === true;
    if (action === 'show') return show(ctx, vine, version, json);
    if (action === 'restore') return restore(ctx, vine, version, values.yes === true, json);
    return list(ctx, vine, values.limit as string | undefined, json);
  },
};
