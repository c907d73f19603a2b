/**
 * What a job page shows around a job row: who started it, the Tendril that ran it, and the vine
 * (with its vineyard) or identity it belongs to. The job itself is read through the job service,
 * which has already checked that the user may see it.
 */
import type { Knex } from 'knex';
import type { JobRow } from './service.js';
import type { VineStatus } from '../vines/status.js';

export interface JobContextView {
  startedBy: string | null;
  tendril: { id: string; name: string; host: string; terraform_version: string | null } | null;
  vine: { id: string; name: string; stage: string; status: VineStatus; config_version: number; vineyard_id: string; vineyard_name: string } | null;
  identity: { id: string; name: string; provider: string } | null;
}

export async function loadJobContext(knex: Knex, job: Pick<JobRow, 'created_by' | 'tendril_id' | 'vine_id' | 'identity_id'>): Promise<JobContextView> {
  const [user, tendril, vine, identity] = await Promise.all([
    job.created_by ? knex('users').where({ id: job.created_by }).first('email') : undefined,
    job.tendril_id ? knex('tendrils').where({ id: job.tendril_id }).first('id', 'name', 'host', 'terraform_version') : undefined,
    job.vine_id
      ? knex('vines as v').join('vineyards as vy', 'vy.id', 'v.vineyard_id').where('v.id', job.vine_id).first('v.id', 'v.name', 'v.stage', 'v.status', 'v.config_version', 'vy.id as vineyard_id', 'vy.name as vineyard_name')
      : undefined,
    job.identity_id ? knex('cloud_identities').where({ id: job.identity_id }).first('id', 'name', 'provider') : undefined,
  ]);
  return { startedBy: user?.email ?? null, tendril: tendril ?? null, vine: vine ?? null, identity: identity ?? null };
}
