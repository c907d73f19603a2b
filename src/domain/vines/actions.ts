/**
 * Which lifecycle actions a vine allows right now, each with the reason when it does not: the
 * vine page shows every action, disabled ones with their reason. Answered from the same lifecycle
 * tables the services enforce, so a button shown enabled is one the service accepts.
 */
import { JOB_OPEN, type JobStatus, type JobType } from '../jobs/status.js';
import { canDestroy, canHarvest, VINE_BUSY, VINE_DELETABLE, type VineStatus } from './status.js';

export type VineActionName = 'plan' | 'harvest' | 'harvest_plan' | 'retry' | 'destroy' | 'cancel' | 'edit' | 'delete';

export interface VineAction {
  name: VineActionName;
  allowed: boolean;
  /** Why not, when not allowed. */
  reason?: string;
}

export interface JobSummary {
  id: string;
  type: JobType;
  status: JobStatus;
  config_version: number | null;
  cancel_requested_at: Date | null;
  processing_at: Date | null;
}

export interface VineActionInput {
  status: VineStatus;
  config_version: number;
  /** The vine's jobs, newest first. */
  jobs: readonly JobSummary[];
}

/** The newest job still queued or running, if any. */
export const openJob = <J extends JobSummary>(jobs: readonly J[]): J | undefined => jobs.find((j) => JOB_OPEN.includes(j.status));

/**
 * The newest successful plan of the current configuration, if no harvest or destroy has touched
 * the state since (Terraform refuses a plan made against an older state): what "Harvest this
 * plan" applies. A job cancelled before it started changed nothing.
 */
export function currentPlan<J extends JobSummary>(v: { config_version: number; jobs: readonly J[] }): J | undefined {
  for (const j of v.jobs) {
    if ((j.type === 'DEPLOY' || j.type === 'DESTROY') && j.processing_at !== null) return undefined;
    if (j.type === 'PLAN' && j.status === 'SUCCESS') return j.config_version === v.config_version ? j : undefined;
  }
  return undefined;
}

/** Why a plan cannot be harvested now, or undefined when it can. */
export function planRefusal(plan: JobSummary, v: VineActionInput): string | undefined {
  if (!canHarvest(v.status) || openJob(v.jobs)) return vineActions(v).find((a) => a.name === 'harvest_plan')?.reason;
  if (currentPlan(v)?.id === plan.id) return undefined;
  if (plan.config_version !== v.config_version) return 'the configuration changed since this plan: run a new plan';
  return 'a newer plan, harvest or destroy came after this plan: run a new plan';
}

export function vineActions(v: VineActionInput): VineAction[] {
  const open = openJob(v.jobs);
  const busy = VINE_BUSY.includes(v.status);
  const waitFor = open ? `a ${open.type} job is ${open.status}: wait for it or cancel it` : `the vine is ${v.status}`;
  const plan = currentPlan(v);
  const act = (name: VineActionName, allowed: boolean, reason: string): VineAction => (allowed ? { name, allowed } : { name, allowed, reason });

  const harvestReason = busy || open ? waitFor : `the vine is ${v.status}`;
  const harvestable = canHarvest(v.status) && !open;
  return [
    act('plan', !open, waitFor),
    act('harvest', harvestable && v.status !== 'FAILED', v.status === 'FAILED' ? 'the last harvest failed: retry it' : harvestReason),
    act(
      'harvest_plan',
      harvestable && plan !== undefined,
      !harvestable ? harvestReason : 'no plan of the current configuration and state: run Plan first',
    ),
    act('retry', v.status === 'FAILED' && !open, v.status === 'FAILED' ? waitFor : `only a FAILED vine is retried (this one is ${v.status})`),
    act(
      'destroy',
      canDestroy(v.status) && !open,
      v.status === 'DRAFT' ? 'nothing to destroy: the vine was never harvested' : v.status === 'DESTROYED' ? 'already destroyed' : waitFor,
    ),
    act('cancel', open !== undefined && !open.cancel_requested_at, open ? 'cancelling: the Tendril is stopping Terraform' : 'no job is queued or running'),
    act('edit', !busy, waitFor),
    act(
      'delete',
      VINE_DELETABLE.includes(v.status) && !open,
      VINE_DELETABLE.includes(v.status) ? waitFor : `destroy it first: only DRAFT or DESTROYED vines can be deleted (this one is ${v.status})`,
    ),
  ];
}
