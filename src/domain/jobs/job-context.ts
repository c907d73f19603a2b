/**
 * What a job page shows around a job row: who started it, the Tendril that ran it, and the vine
 * (with its vineyard) or identity it belongs to — one query. The job itself is read through the
 * job service, which has already checked that the user may see it.
 */
import type { Knex } from 'knex';
import type { JobRecord } from './repository.js';
import type { VineStatus } from '../vines/status.js';

export interface JobContextView {
  startedBy: string | null;
  /** The job keeps the state Terraform could not save: "Recover state" pushes it back. */
  stateKept: boolean;
  tendril: { id: string; name: string; host: string; terraform_version: string | null } | null;
  vine: { id: string; name: string; stage: string; status: VineStatus; config_version: number; vineyard_id: string; vineyard_name: string } | null;
  identity: { id: string; name: string; provider: string } | null;
}

const contextQuery = (knex: Knex) =>
  knex('provision_jobs as j')
    .leftJoin('users as u', 'u.id', 'j.created_by')
    .leftJoin('tendrils as t', 't.id', 'j.tendril_id')
    .leftJoin('vines as v', 'v.id', 'j.vine_id')
    .leftJoin('vineyards as vy', 'vy.id', 'v.vineyard_id')
    .leftJoin('cloud_identities as ci', 'ci.id', 'j.identity_id')
    .first(
      'j.id as job_id',
      knex.raw('j.state_recovery_encrypted IS NOT NULL AS state_kept'),
      'u.email as started_by',
      't.id as t_id', 't.name as t_name', 't.host as t_host', 't.terraform_version as t_terraform_version',
      'v.id as v_id', 'v.name as v_name', 'v.stage as v_stage', 'v.status as v_status', 'v.config_version as v_config_version', 'vy.id as vy_id', 'vy.name as vy_name',
      'ci.id as ci_id', 'ci.name as ci_name', 'ci.provider as ci_provider',
    );

interface ContextRow {
  job_id: string;
  state_kept: boolean;
  started_by: string | null;
  t_id: string | null; t_name: string; t_host: string; t_terraform_version: string | null;
  v_id: string | null; v_name: string; v_stage: string; v_status: VineStatus; v_config_version: number; vy_id: string; vy_name: string;
  ci_id: string | null; ci_name: string; ci_provider: string;
}

function toView(r: ContextRow | undefined): JobContextView {
  return {
    startedBy: r?.started_by ?? null,
    stateKept: r?.state_kept === true,
    tendril: r?.t_id ? { id: r.t_id, name: r.t_name, host: r.t_host, terraform_version: r.t_terraform_version } : null,
    vine: r?.v_id ? { id: r.v_id, name: r.v_name, stage: r.v_stage, status: r.v_status, config_version: r.v_config_version, vineyard_id: r.vy_id, vineyard_name: r.vy_name } : null,
    identity: r?.ci_id ? { id: r.ci_id, name: r.ci_name, provider: r.ci_provider } : null,
  };
}

export async function loadJobContext(knex: Knex, job: Pick<JobRecord, 'id'>): Promise<JobContextView> {
  return toView((await contextQuery(knex).where('j.id', job.id)) as ContextRow | undefined);
}

/**
 * The context of a vine's newest job with its id, read without waiting for the job list (the vine
 * page reads both at once); the caller checks the id against the list's newest job.
 */
export async function loadNewestJobContext(knex: Knex, vineId: string): Promise<{ jobId: string; context: JobContextView } | undefined> {
  const r = (await contextQuery(knex).where('j.vine_id', vineId).orderBy([{ column: 'j.created_at', order: 'desc' }, { column: 'j.id', order: 'desc' }])) as ContextRow | undefined;
  return r ? { jobId: r.job_id, context: toView(r) } : undefined;
}
