/** grape plan|harvest|destroy, grape jobs, grape logs, grape cancel. */
import { COMMON_OPTIONS, JSON_OPTION, type Command } from '../command.js';
import { EXIT, usage } from '../errors.js';
import { followJobLogs, type LogLineJson } from '../follow.js';
import { ago, printJson, status, table } from '../output.js';
import { all, jobId, vine as findVine, type JobJson } from '../resolve.js';
import { waitForJob } from '../wait.js';

const JOB_TYPE = { plan: 'PLAN', harvest: 'DEPLOY', destroy: 'DESTROY' } as const;

function startJob(name: keyof typeof JOB_TYPE, summary: string): Command {
  const isHarvest = name === 'harvest';
  return {
    name,
    usage: `grape ${name} VINEYARD/VINE [--stage STAGE]${isHarvest ? ' [--plan JOB]' : ''} [--wait] [--json]`,
    summary,
    details: `  --stage STAGE      when the vine exists in several stages
${isHarvest ? '  --plan JOB         apply exactly this successful plan (refused if the vine changed since)\n' : ''}  --wait             stream the log until the job ends; exit 0 on SUCCESS, 1 on FAILED or CANCELLED.
                     Ctrl-C asks whether to cancel the job.
  --json             print the job (with --wait: the finished job) as JSON`,
    options: { ...COMMON_OPTIONS, ...JSON_OPTION, stage: { type: 'string' }, wait: { type: 'boolean' }, ...(isHarvest ? { plan: { type: 'string' } } : {}) },
    async run(ctx, values, args) {
      if (args.length !== 1) throw usage(`grape ${name} VINEYARD/VINE`);
      const api = ctx.api();
      const planJobId = values.plan !== undefined ? jobId(values.plan as string) : undefined;
      const { vine } = await findVine(api, args[0]!, values.stage as string | undefined);
      const job = await api.call<JobJson>('POST', `/vines/${vine.id}/jobs`, { type: JOB_TYPE[name], ...(planJobId ? { plan_job_id: planJobId } : {}) });
      if (values.wait) {
        if (!values.json) ctx.io.stderr.write(`${job.type} job ${job.id} queued for ${vine.vineyard_name}/${vine.name} (${vine.stage})\n`);
        return waitForJob(ctx, job, { printLogs: !values.json, json: values.json === true });
      }
      if (values.json) printJson(ctx.io, job);
      else ctx.io.stdout.write(`${job.type} job ${job.id} queued for ${vine.vineyard_name}/${vine.name} (${vine.stage}). Follow it: grape logs ${job.id} --follow\n`);
      return EXIT.OK;
    },
  };
}

export const plan = startJob('plan', 'plan a vine: what a harvest would create, change and destroy');
export const harvest = startJob('harvest', 'harvest (deploy) a vine, or apply a plan with --plan');
export const destroy = startJob('destroy', 'destroy everything a vine has in the cloud');

const summaryOf = (j: JobJson) => {
  const s = j.result?.summary as { add?: number; change?: number; destroy?: number } | undefined;
  if (s && typeof s.add === 'number') return `+${s.add} ~${s.change ?? 0} -${s.destroy ?? 0}`;
  return j.error ? j.error.split('\n')[0]!.slice(0, 60) : '';
};

export const jobs: Command = {
  name: 'jobs',
  usage: 'grape jobs VINEYARD/VINE [--stage STAGE] [--limit N] [--json]',
  summary: 'a vine’s jobs, newest first',
  details: '  --limit N          how many (default 20; 0 for all)',
  options: { ...COMMON_OPTIONS, ...JSON_OPTION, stage: { type: 'string' }, limit: { type: 'string' } },
  async run(ctx, values, args) {
    if (args.length !== 1) throw usage('grape jobs VINEYARD/VINE');
    const limit = values.limit === undefined ? 20 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 0) throw usage('--limit must be a whole number (0 for all)');
    const api = ctx.api();
    const { vine } = await findVine(api, args[0]!, values.stage as string | undefined);
    const list = limit === 0 ? await all<JobJson>(api, `/vines/${vine.id}/jobs`) : (await api.call<{ items: JobJson[] }>('GET', `/vines/${vine.id}/jobs?limit=${Math.min(limit, 200)}`)).items;
    if (values.json) {
      printJson(ctx.io, list);
      return EXIT.OK;
    }
    if (!list.length) ctx.io.stdout.write(`No jobs yet: grape plan ${vine.vineyard_name}/${vine.name}\n`);
    else ctx.io.stdout.write(table(['JOB', 'TYPE', 'STATUS', 'QUEUED', 'RESULT'], list.map((j) => [j.id, j.type, status(ctx.color, j.status), ago(j.queued_at), summaryOf(j)])));
    return EXIT.OK;
  },
};

export const logs: Command = {
  name: 'logs',
  usage: 'grape logs JOB [--follow] [--json]',
  summary: 'a job’s log; --follow streams it until the job ends',
  details: `  --follow, -f       keep streaming until the job ends (resumes after a dropped connection without
                     losing or repeating a line); exit 0 on SUCCESS, 1 on FAILED or CANCELLED
  --json             one JSON object per line (seq, stream, level, line, created_at)`,
  options: { ...COMMON_OPTIONS, ...JSON_OPTION, follow: { type: 'boolean', short: 'f' } },
  async run(ctx, values, args) {
    if (args.length !== 1) throw usage('grape logs JOB');
    const id = jobId(args[0]!);
    const api = ctx.api();
    const print = (l: LogLineJson) => ctx.io.stdout.write(values.json ? `${JSON.stringify(l)}\n` : `${l.line}\n`);
    if (values.follow) {
      const final = await followJobLogs(api, id, { onLine: print });
      return final === 'SUCCESS' ? EXIT.OK : EXIT.FAILED;
    }
    let after = 0;
    for (;;) {
      const page = await api.call<{ lines: LogLineJson[]; next_after: number }>('GET', `/jobs/${id}/logs?after=${after}&limit=5000`);
      page.lines.forEach(print);
      if (page.lines.length < 5000) return EXIT.OK;
      after = page.next_after;
    }
  },
};

export const cancel: Command = {
  name: 'cancel',
  usage: 'grape cancel JOB [--json]',
  summary: 'cancel a job (a running Terraform is interrupted cleanly)',
  details: '',
  options: { ...COMMON_OPTIONS, ...JSON_OPTION },
  async run(ctx, values, args) {
    if (args.length !== 1) throw usage('grape cancel JOB');
    const job = await ctx.api().call<JobJson>('POST', `/jobs/${jobId(args[0]!)}/cancel`);
    if (values.json) printJson(ctx.io, job);
    else ctx.io.stdout.write(job.status === 'CANCELLED' ? `${job.type} job ${job.id} cancelled\n` : `${job.type} job ${job.id}: cancel requested (it is ${job.status}; the Tendril stops it)\n`);
    return EXIT.OK;
  },
};
