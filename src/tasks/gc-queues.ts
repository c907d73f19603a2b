/** Per-vine queue names are many: graphile-worker asks for periodic clean-up of empty queues. */
import type { Task } from 'graphile-worker';

export const identifier = 'gc_job_queues';
export default (): Task => async (_payload, helpers) => {
  await helpers.query(`DELETE FROM graphile_worker._private_job_queues jq WHERE locked_at IS NULL AND NOT EXISTS (SELECT 1 FROM graphile_worker._private_jobs j WHERE j.job_queue_id = jq.id)`);
};
