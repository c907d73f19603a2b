/**
 * What becomes of an `errored.tfstate` a Tendril finds in the work directory of a run whose
 * Tendril died (kill -9; its Terraform stopped by the watchdog): the state's current version when
 * nothing wrote it since that run began, else kept sealed with its job for a user to recover
 * ("Recover state" on the job page). The same for in-house Tendrils (on the database) and remote
 * ones (through Trellis's agent API).
 */
import type { Knex } from 'knex';
import type { Sealer } from '../crypto.js';
import { createJobRepository } from '../jobs/repository.js';
import { createStateService } from './service.js';

export type SalvageOutcome = 'current' | 'already' | 'kept' | 'not-kept';

export const SALVAGE_DESCRIPTION: Record<SalvageOutcome, string> = {
  current: 'saved as the current state',
  already: 'already the current state',
  kept: 'kept with the job (the state changed since: "Recover state" on the job page)',
  'not-kept': 'not kept: no such job, or it keeps a state already',
};

export async function salvageErroredState(knex: Knex, sealer: Sealer, jobId: string, state: Buffer, tendrilId: string | null): Promise<SalvageOutcome> {
  const outcome = await createStateService({ knex, sealer }).salvage(jobId, state, tendrilId);
  if (outcome !== 'conflict') return outcome;
  return (await createJobRepository(knex).keepOrphanedState(jobId, sealer.sealBytes(state))) ? 'kept' : 'not-kept';
}
