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

/**
 * SQL: the context of the job (alias `j`) that a WHERE clause appended to it picks, as a row of
 * ContextRow. The vine page reads it inside its one statement (src/domain/vines/page.ts).
 */
export const JOB_CONTEXT_SQL = `SELECT j.id AS job_id, j.state_recovery_encrypted IS NOT NULL AS state_kept, u.email AS started_by,
    t.id AS t_id, t.name AS t_name, t.host AS t_host, t.terraform_version AS t_terraform_version,
    v.id AS v_id, v.name AS v_name, v.stage AS v_stage, v.status AS v_status, v.config_version AS v_config_version, vy.id AS vy_id, vy.name AS vy_name,
    ci.id AS ci_id, ci.name AS ci_name, ci.provider AS ci_provider
  FROM provision_jobs j
  LEFT JOIN users u ON u.id = j.created_by
  LEFT JOIN tendrils t ON t.id = j.tendril_id
  LEFT JOIN vines v ON v.id = j.vine_id
  LEFT JOIN vineyards vy ON vy.id = v.vineyard_id
  LEFT JOIN cloud_identities ci ON ci.id = j.identity_id`;

export interface ContextRow {
  job_id: string;
  state_kept: boolean;
  started_by: string | null;
  t_id: string | null; t_name: string; t_host: string; t_terraform_version: string | null;
  v_id: string | null; v_name: string; v_stage: string; v_status: VineStatus; v_config_version: number; vy_id: string; vy_name: string;
  ci_id: string | null; ci_name: string; ci_provider: string;
}

export function toJobContextView(r: ContextRow | null | undefined): JobContextView {
  return {
    startedBy: r?.started_by ?? null,
    stateKept: r?.state_kept === true,
    tendril: r?.t_id ? { id: r.t_id, name: r.t_name, host: r.t_host, terraform_version: r.t_terraform_version } : null,
    vine: r?.v_id ? { id: r.v_id, name: r.v_name, stage: r.v_stage, status: r.v_status, config_version: r.v_config_version, vineyard_id: r.vy_id, vineyard_name: r.vy_name } : null,
    identity: r?.ci_id ? { id: r.ci_id, name: r.ci_name, provider: r.ci_provider } : null,
  };
}

export async function loadJobContext(knex: Knex, job: Pick<JobRecord, 'id'>): Promise<JobContextView> {
  const { rows } = await knex.raw(`${JOB_CONTEXT_SQL} WHERE j.id = ?`, [job.id]);
  return toJobContextView((rows as ContextRow[])[0]);
}
