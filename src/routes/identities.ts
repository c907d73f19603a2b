/**
 * Cloud identities: list, add, delete (refused while a vine uses one), test the connection and
 * discover resources (each a job: with htmx the row follows the job until it ends, without it the
 * job page does), and the resources the last discovery found.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PROVIDERS, RESOURCE_KINDS, type Identity, type Provider } from '../domain/identities/schema.js';
import type { OpenJobRow } from '../domain/identities/repository.js';
import { field, formAction, isHtmx, redirect, render, type FormProblem } from './page-kit.js';

type IdReq = FastifyRequest<{ Params: { id: string } }>;

/** The inputs of each provider's form, in order; secret ones are password fields. */
export const PROVIDER_FIELDS: Record<Provider, Array<{ name: string; label: string; secret?: boolean; optional?: boolean; textarea?: boolean; placeholder?: string }>> = {
  local: [],
  aws: [
    { name: 'region', label: 'Region', placeholder: 'eu-west-1' },
    { name: 'role_arn', label: 'Role ARN (preferred)', optional: true, placeholder: 'arn:aws:iam::123456789012:role/vintner' },
    { name: 'external_id', label: 'External ID', optional: true },
    { name: 'access_key_id', label: 'Access key ID (instead of, or to assume, a role)', secret: true, optional: true },
    { name: 'secret_access_key', label: 'Secret access key', secret: true, optional: true },
    { name: 'endpoint', label: 'Custom endpoint', optional: true, placeholder: 'http://localhost:4566' },
  ],
  gcp: [
    { name: 'project_id', label: 'Project ID', placeholder: 'my-project-123' },
    { name: 'region', label: 'Region', placeholder: 'europe-west1' },
    { name: 'service_account_key', label: 'Service-account key (JSON)', secret: true, textarea: true },
    { name: 'endpoint', label: 'Custom endpoint', optional: true },
  ],
  azure: [
    { name: 'tenant_id', label: 'Tenant ID' },
    { name: 'client_id', label: 'Client ID' },
    { name: 'client_secret', label: 'Client secret', secret: true },
    { name: 'subscription_id', label: 'Subscription ID' },
    { name: 'region', label: 'Location', placeholder: 'westeurope' },
    { name: 'endpoint', label: 'Custom endpoint', optional: true },
  ],
};

/**
 * Only the chosen provider's non-empty fields: the service rejects fields another provider has.
 * With "credentials from the pool's Tendrils" ticked the secret fields are not sent (the form
 * hides them): nothing secret is stored for such an identity.
 */
function identityInput(body: unknown): Record<string, string | boolean> {
  const b = (body ?? {}) as Record<string, unknown>;
  const provider = typeof b.provider === 'string' ? b.provider : '';
  const input: Record<string, string | boolean> = { name: typeof b.name === 'string' ? b.name.trim() : '', provider };
  const pool = field(b, 'pool_id');
  if (pool) input.pool_id = pool;
  const fromPool = provider !== 'local' && pool !== '' && field(b, 'credentials_from_pool') === 'on';
  if (fromPool) input.credentials_from_pool = true;
  for (const f of PROVIDER_FIELDS[provider as Provider] ?? []) {
    if (f.secret && fromPool) continue;
    const v = b[`${provider}.${f.name}`];
    if (typeof v === 'string' && v.trim() !== '') input[f.name] = f.secret ? v : v.trim();
  }
  return input;
}

export default async function identityPages(app: FastifyInstance): Promise<void> {
  const { identities, jobs, pools } = app.services;
  const auth = { preHandler: app.requirePageUser };

  /** Each identity with its job still running, for the rows. */
  const rowsOf = async (userId: string): Promise<Array<{ identity: Identity; job: OpenJobRow | undefined }>> => {
    const [ids, open] = await Promise.all([identities.list(userId), identities.openJobs(userId)]);
    return ids.map((identity) => ({ identity, job: open.get(identity.id) }));
  };

  /** One row of the table: what htmx swaps in after Test or Discover, and while their job runs. */
  const row = async (req: IdReq, reply: FastifyReply) => {
    const identity = await identities.get(req.user!.id, req.params.id);
    const [open, poolList] = await Promise.all([identities.openJobs(req.user!.id), pools.list(req.user!.id)]);
    return render(req, reply, 'pages/identities/_row', { r: { identity, job: open.get(identity.id) }, pools: poolList });
  };

  const list = async (req: FastifyRequest, reply: FastifyReply, extra: { form?: Record<string, string | boolean>; problem?: FormProblem; listError?: string } = {}) => {
    const [rows, poolList] = await Promise.all([rowsOf(req.user!.id), pools.list(req.user!.id)]);
    const form = extra.form ?? { name: '', provider: 'local' };
    // Secrets never travel back to the page, even after a failed submit.
    const shown = Object.fromEntries(Object.entries(form).filter(([k]) => !Object.values(PROVIDER_FIELDS).flat().some((f) => f.secret && f.name === k)));
    return render(req, reply, 'pages/identities/index', { title: 'Cloud identities', rows, pools: poolList, providers: PROVIDERS, fields: PROVIDER_FIELDS, form: shown, problem: extra.problem, listError: extra.listError });
  };

  app.get('/identities', auth, (req, reply) => list(req, reply));

  app.post('/identities', auth, async (req, reply) => {
    const input = identityInput(req.body);
    return formAction(
      reply,
      async () => {
        const created = await identities.create(req.user!.id, input);
        const where = created.pool_name ? ` Its jobs run only on the Tendrils of pool “${created.pool_name}”.` : '';
        const note = created.provider === 'local' ? '' : ' Test it to check that its credentials work.';
        return redirect(req, reply, '/identities', `Identity “${created.name}” added.${where}${note}`);
      },
      (problem) => list(req, reply, { form: input, problem }),
    );
  });

  app.post('/identities/:id/delete', auth, async (req: IdReq, reply) => {
    return formAction(
      reply,
      async () => {
        const identity = await identities.get(req.user!.id, req.params.id);
        await identities.delete(req.user!.id, identity.id);
        return redirect(req, reply, '/identities', `Identity “${identity.name}” deleted.`);
      },
      (problem) => list(req, reply, { listError: problem.message }),
    );
  });

  app.get('/identities/:id/row', auth, (req: IdReq, reply) => row(req, reply));

  // Its pool, and whether its credentials come from the pool's Tendrils.
  app.post('/identities/:id/pool', auth, async (req: IdReq, reply) => {
    const poolId = field(req.body, 'pool_id');
    const patch = { pool_id: poolId === '' ? null : poolId, credentials_from_pool: field(req.body, 'credentials_from_pool') === 'on' };
    return formAction(
      reply,
      async () => {
        const before = await identities.get(req.user!.id, req.params.id);
        // A local identity has no credentials to take from anywhere: leave the flag alone.
        const updated = await identities.update(req.user!.id, before.id, before.provider === 'local' ? { pool_id: patch.pool_id } : patch);
        const said = updated.pool_name
          ? `Identity “${updated.name}” now runs its jobs only on the Tendrils of pool “${updated.pool_name}”${updated.credentials_from_pool ? ', with their credentials' : ''}.`
          : `Identity “${updated.name}” now runs its jobs on Vintner’s own Tendrils.`;
        return redirect(req, reply, '/identities', said);
      },
      (problem) => list(req, reply, { listError: problem.list.length ? `${problem.message} ${problem.list.map((e) => `${e.field}: ${e.message}`).join('; ')}` : problem.message }),
    );
  });

  // Test and Discover: with htmx the row answers (and follows the job); without, the job's page.
  for (const [action, type] of [['test', 'CONNECTION_TEST'], ['discover', 'FETCH_RESOURCES']] as const) {
    app.post(`/identities/:id/${action}`, auth, async (req: IdReq, reply) => {
      const job = await jobs.create({ userId: req.user!.id, type, identityId: req.params.id });
      return isHtmx(req) ? row(req, reply) : redirect(req, reply, `/jobs/${job.id}`);
    });
  }

  app.get('/identities/:id/resources', auth, async (req: IdReq, reply) => {
    const identity = await identities.get(req.user!.id, req.params.id);
    const [resources, open] = await Promise.all([identities.resources(req.user!.id, identity.id), identities.openJobs(req.user!.id)]);
    const byKind = Object.fromEntries(RESOURCE_KINDS.map((k) => [k, resources.filter((r) => r.kind === k)]));
    const others = resources.filter((r) => !(RESOURCE_KINDS as readonly string[]).includes(r.kind));
    return render(req, reply, 'pages/identities/resources', { title: `Resources of ${identity.name}`, identity, byKind, others, job: open.get(identity.id) });
  });
}
