/** grape vineyards [create NAME | delete NAME], grape vines [--vineyard V], grape show VINEYARD/VINE. */
import { COMMON_OPTIONS, JSON_OPTION, type Command } from '../command.js';
import { EXIT, usage } from '../errors.js';
import { ago, paint, printJson, status, table } from '../output.js';
import { all, vine as findVine, vineyard as findVineyard, type VineJson, type VineyardJson } from '../resolve.js';

const countsText = (v: VineyardJson, color: boolean) =>
  Object.entries(v.vines_by_status)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${status(color, s)}`)
    .join(', ') || '-';

export const vineyards: Command = {
  name: 'vineyards',
  usage: 'grape vineyards [create NAME [--description TEXT] | delete NAME] [--json]',
  summary: 'list, create or delete vineyards',
  details: `  create NAME        a new vineyard (names: up to 63 characters, no "/")
  delete NAME        delete it and its vines (refused while a vine may exist in the cloud)`,
  options: { ...COMMON_OPTIONS, ...JSON_OPTION, description: { type: 'string' } },
  async run(ctx, values, args) {
    const api = ctx.api();
    const [action, name, ...extra] = args;
    if (extra.length) throw usage(`unexpected arguments: ${extra.join(' ')}`);
    if (action === 'create') {
      if (!name) throw usage('grape vineyards create NAME');
      const created = await api.call<VineyardJson>('POST', '/vineyards', { name, ...(values.description !== undefined ? { description: values.description } : {}) });
      if (values.json) printJson(ctx.io, created);
      else ctx.io.stdout.write(`Created vineyard ${created.name}\n`);
      return EXIT.OK;
    }
    if (action === 'delete') {
      if (!name) throw usage('grape vineyards delete NAME');
      const found = await findVineyard(api, name);
      await api.call('DELETE', `/vineyards/${found.id}`);
      if (values.json) printJson(ctx.io, { deleted: found.id });
      else ctx.io.stdout.write(`Deleted vineyard ${found.name}\n`);
      return EXIT.OK;
    }
    if (action !== undefined) throw usage(`unknown action "${action}": create or delete`);
    const list = await all<VineyardJson>(api, '/vineyards');
    if (values.json) {
      printJson(ctx.io, list);
      return EXIT.OK;
    }
    if (!list.length) ctx.io.stdout.write('No vineyards yet: grape vineyards create NAME\n');
    else ctx.io.stdout.write(table(['NAME', 'VINES', 'BY STATUS', 'CREATED'], list.map((v) => [v.name, String(v.vine_count), countsText(v, ctx.color), ago(v.created_at)])));
    return EXIT.OK;
  },
};

export const vines: Command = {
  name: 'vines',
  usage: 'grape vines [--vineyard VINEYARD] [--json]',
  summary: 'list your vines, in every vineyard or one',
  details: '',
  options: { ...COMMON_OPTIONS, ...JSON_OPTION, vineyard: { type: 'string' } },
  async run(ctx, values, args) {
    if (args.length) throw usage(`unexpected arguments: ${args.join(' ')}`);
    const q = values.vineyard ? `?vineyard=${encodeURIComponent(values.vineyard as string)}` : '';
    const list = await all<VineJson>(ctx.api(), `/vines${q}`);
    if (values.json) {
      printJson(ctx.io, list);
      return EXIT.OK;
    }
    if (!list.length) ctx.io.stdout.write('No vines yet: grape plant -f vine.json --vineyard V\n');
    else {
      ctx.io.stdout.write(table(['VINE', 'STAGE', 'STATUS', 'IDENTITY', 'UPDATED'], list.map((v) => [`${v.vineyard_name}/${v.name}`, v.stage, status(ctx.color, v.status), v.identity_name, ago(v.updated_at)])));
    }
    return EXIT.OK;
  },
};

const outputsText = (o: Record<string, unknown>) =>
  Object.entries(o)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');

export const show: Command = {
  name: 'show',
  usage: 'grape show VINEYARD/VINE [--stage STAGE] [--json]',
  summary: 'a vine: its status, and each component with its status and outputs',
  details: '  --stage STAGE      development, staging or production (when the vine exists in several)\n  --json             the vine, its spec and components as JSON',
  options: { ...COMMON_OPTIONS, ...JSON_OPTION, stage: { type: 'string' } },
  async run(ctx, values, args) {
    if (args.length !== 1) throw usage('grape show VINEYARD/VINE');
    const d = await findVine(ctx.api(), args[0]!, values.stage as string | undefined);
    if (values.json) {
      printJson(ctx.io, d);
      return EXIT.OK;
    }
    const v = d.vine;
    const c = ctx.color;
    const lines = [
      `${paint(c, 'bold', `${v.vineyard_name}/${v.name}`)} (${v.stage})  ${status(c, v.status)}`,
      `identity ${v.identity_name} · resources ${v.name_prefix}-… · configuration v${v.config_version}${v.applied_config_version !== null ? ` (v${v.applied_config_version} harvested)` : ' (never harvested)'}`,
      ...(v.error ? [paint(c, 'red', `error: ${v.error}`)] : []),
      '',
    ];
    ctx.io.stdout.write(lines.join('\n') + '\n');
    const rows = d.components.map((x) => [x.kind, x.name + (x.removed_at ? ' (removed)' : ''), status(c, x.status), x.error ? paint(c, 'red', x.error.split('\n')[0]!) : outputsText(x.outputs)]);
    ctx.io.stdout.write(rows.length ? table(['KIND', 'NAME', 'STATUS', 'OUTPUTS'], rows) : 'No components.\n');
    return EXIT.OK;
  },
};
