/**
 * Everything a Tendril's runner reads and writes about a job, behind one interface: the runner
 * never touches a table itself. `db-store.ts` implements it on Vintner's database (Tendrils with
 * DATABASE_URL); a Tendril inside a customer's account implements it over HTTPS to Trellis.
 */
import type { JobRecord } from '../domain/jobs/repository.js';
import type { LogWriter } from '../domain/jobs/log-writer.js';
import type { ComponentPatch, ComponentRow } from '../domain/components/repository.js';
import type { ComponentStatus } from '../domain/components/status.js';
import type { IdentityTestStatus } from '../domain/identities/status.js';
import type { Provider } from '../domain/identities/schema.js';
import type { Stage } from '../domain/vines/stage.js';
import type { VineStatus } from '../domain/vines/status.js';
import type { VineOptions } from '../domain/vines/spec-schema.js';

/** An identity as a job uses it: settings and its secret parts, opened. */
export interface JobIdentity {
  id: string;
  name: string;
  provider: Provider;
  config: Record<string, unknown>;
  /** Opened secrets (snake_case fields); null when the identity has none (local, an AWS role). */
  credentials: Record<string, string> | null;
  /**
   * Set by Trellis for a job on a Tendril pool when the identity stores no credentials: Terraform
   * uses that Tendril's own cloud role (its container's or instance's), which lives in the
   * customer's account. Never set for Vintner's own Tendrils: their role is not a user's.
   */
  ambient?: boolean;
}

/** What a Terraform job needs to know about its vine. */
export interface VineFacts {
  vine: {
    id: string;
    name: string;
    stage: Stage;
    status: VineStatus;
    config_version: number;
    options: VineOptions;
    vineyard_name: string;
  };
  identity: JobIdentity;
  components: ComponentRow[];
  /** Each secret component's value the user gave, opened, by component name. */
  secretValues: Record<string, string>;
}

import type { StateBackend } from '../terraform/index.js';

export interface DiscoveredResourceInput {
  kind: string;
  external_id: string;
  name: string | null;
  region: string | null;
  data: Record<string, unknown>;
}

export interface JobOutcome {
  status: 'SUCCESS' | 'FAILED' | 'CANCELLED';
  error?: string;
  result?: Record<string, unknown>;
  /** A PLAN's plan file (it holds every variable in clear): the store keeps it sealed only. */
  planFile?: Buffer;
}

/**
 * Every write of a run is fenced by its job's lease (`job.lease_epoch`, taken at the claim): once
 * the lease is taken away (the reaper failed the job) a write is refused with a LeaseLostError, so
 * a run that lost its Tendril's heartbeat can change nothing. Writes that fail for want of the
 * database are the caller's to retry (src/db/errors.ts).
 */
export interface JobStore {
  /** QUEUED → CLAIMED by this Tendril, with a new lease; undefined when it was cancelled or taken. */
  claim(jobId: string): Promise<JobRecord | undefined>;
  /** CLAIMED → PROCESSING, and the vine's move when the job type has one (DEPLOY: PROVISIONING). */
  start(job: JobRecord): Promise<void>;
  /** The log writer of the job, continuing after the last stored line. */
  logs(job: JobRecord, opts: { redact: (s: string) => string; onError: (err: Error) => void }): Promise<LogWriter>;
  vine(job: JobRecord): Promise<VineFacts>;
  identity(job: JobRecord): Promise<JobIdentity>;
  /** Where the job's Terraform keeps its state, with the job's own credential. */
  stateBackend(job: JobRecord): StateBackend;
  /** The Terraform states of the job's user's vines (the sandbox's connection test and discovery). */
  states(job: JobRecord): Promise<Array<{ key: string; name: string; serial: number }>>;
  /** A stored plan of the vine, opened: what a DEPLOY of it applies. */
  plan(job: JobRecord, planJobId: string): Promise<{ id: string; config_version: number | null; summary: unknown; file: Buffer }>;
  /** A run's changes to its vine's components (fenced by `job`'s lease). */
  components: {
    transition(job: JobRecord, c: Pick<ComponentRow, 'kind' | 'id'>, to: ComponentStatus, patch?: ComponentPatch): Promise<ComponentStatus>;
    patch(job: JobRecord, c: Pick<ComponentRow, 'kind' | 'id'>, patch: ComponentPatch): Promise<void>;
    remove(job: JobRecord, c: Pick<ComponentRow, 'kind' | 'id'>): Promise<void>;
  };
  recordTest(job: JobRecord, status: IdentityTestStatus, message: string): Promise<void>;
  /** Keeps the state Terraform could not save (errored.tfstate), sealed, with the job: "Recover state". */
  keepErroredState(job: JobRecord, state: Buffer): Promise<void>;
  /** The state kept with another job of the same vine (a BOOTSTRAP recovering it), opened. */
  keptState(job: JobRecord, fromJobId: string): Promise<Buffer | undefined>;
  clearKeptState(job: JobRecord, fromJobId: string): Promise<void>;
  replaceDiscovered(job: JobRecord, resources: DiscoveredResourceInput[]): Promise<void>;
  /** The job's end: its status (and the vine's) in one transaction. */
  finish(job: JobRecord, outcome: JobOutcome): Promise<void>;
}
