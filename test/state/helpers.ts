/** For the state store's tests: Terraform-shaped state documents, running jobs with their credential, a Tendril row. */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { generateToken, hashToken } from '../../src/domain/users/tokens.js';
import type { SeededVine } from '../fixtures.js';
import type { StateCaller } from '../../src/domain/state/service.js';

/** A value no stored byte, log line or answer may show in clear. */
export const CANARY = 'canary-state-Qx7#not-in-clear';

/**
 * A state as Terraform 1.x writes it (format 4): `databases` instances of terraform_data (for_each
 * keys), a data source, a counted resource in a module, and outputs — attribute and output values
 * carry the canary.
 */
export function stateDoc(o: { serial: number; lineage: string; databases?: string[]; outputs?: string[] }): Buffer {
  const dbs = o.databases ?? ['main'];
  const doc = {
    version: 4,
    terraform_version: '1.9.8',
    serial: o.serial,
    lineage: o.lineage,
    outputs: Object.fromEntries((o.outputs ?? ['databases']).map((n) => [n, { value: { password: CANARY }, type: ['object', { password: 'string' }], sensitive: true }])),
    resources: [
      {
        mode: 'managed',
        type: 'terraform_data',
        name: 'databases',
        provider: 'provider["terraform.io/builtin/terraform"]',
        instances: dbs.map((d) => ({ index_key: d, schema_version: 0, attributes: { id: randomUUID(), input: { value: { name: d, password: CANARY } } }, sensitive_attributes: [] })),
      },
      {
        mode: 'data',
        type: 'terraform_remote_state',
        name: 'shared',
        provider: 'provider["terraform.io/builtin/terraform"]',
        instances: [{ schema_version: 0, attributes: { backend: 'local', outputs: { value: CANARY } } }],
      },
      {
        module: 'module.edge',
        mode: 'managed',
        type: 'terraform_data',
        name: 'node',
        provider: 'provider["terraform.io/builtin/terraform"]',
        instances: [0, 1].map((i) => ({ index_key: i, schema_version: 0, attributes: { id: randomUUID(), input: null } })),
      },
    ],
    check_results: null,
  };
  return Buffer.from(JSON.stringify(doc, null, 2) + '\n');
}

/** The addresses `stateDoc` holds, as `terraform state list` prints them. */
export const docAddresses = (databases: string[] = ['main']) => [
  ...databases.map((d) => `terraform_data.databases[${JSON.stringify(d)}]`),
  'data.terraform_remote_state.shared',
  'module.edge.terraform_data.node[0]',
  'module.edge.terraform_data.node[1]',
];

export interface TestJob {
  id: string;
  token: string;
}

/** A job of the vine with its credential, in `status` (PROCESSING: a run holding its lease). */
export async function jobOf(knex: Knex, v: SeededVine, o: { status?: string; /** PLAN unless said: any number of them may be open at once. */ type?: string; tendrilId?: string | null; claimedAt?: Date } = {}): Promise<TestJob> {
  const token = generateToken();
  const status = o.status ?? 'PROCESSING';
  const running = status !== 'QUEUED';
  const [job] = await knex('provision_jobs')
    .insert({
      vine_id: v.vineId,
      identity_id: v.identityId,
      created_by: v.userId,
      type: o.type ?? 'PLAN',
      status,
      tendril_id: o.tendrilId ?? null,
      claimed_at: running ? (o.claimedAt ?? knex.fn.now()) : null,
      processing_at: running ? (o.claimedAt ?? knex.fn.now()) : null,
      finished_at: ['SUCCESS', 'FAILED', 'CANCELLED'].includes(status) ? knex.fn.now() : null,
      job_token_hash: hashToken(token),
    })
    .returning('id');
  return { id: job.id, token };
}

export async function tendril(knex: Knex, name = 'tendril-a'): Promise<string> {
  const [row] = await knex('tendrils').insert({ name, host: 'test-host', pid: 4242, version: 'test', concurrency: 1 }).returning('id');
  return row.id;
}

/** `Basic` credentials of a job, as Terraform's http backend sends them. */
export const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/**
 * States written as a finished job's Terraform would have written them, for tests of what users see
 * (pages, API, Grape) without running Terraform. Answers the job's id.
 */
export async function writeVersions(app: { deps: { knex: Knex }; services: { state: { write(o: { vineId: string }, b: Buffer, c: StateCaller, l: undefined): Promise<void> } } }, vineId: string, docs: Buffer[], type = 'DEPLOY'): Promise<string> {
  const { knex } = app.deps;
  const vine = await knex('vines as v').join('vineyards as vy', 'vy.id', 'v.vineyard_id').where('v.id', vineId).first('v.identity_id', 'vy.user_id');
  const [job] = await knex('provision_jobs')
    .insert({ vine_id: vineId, identity_id: vine.identity_id, created_by: vine.user_id, type, status: 'SUCCESS', claimed_at: knex.fn.now(), processing_at: knex.fn.now(), finished_at: knex.fn.now() })
    .returning('id');
  for (const d of docs) await app.services.state.write({ vineId }, d, { jobId: job.id, tendrilId: null }, undefined);
  return job.id;
}
