/**
 * Cloud identities: list, add, delete (refused while a vine uses one), test the connection. Cloud
 * providers can be stored already; their targets arrive later, which the page says.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PROVIDERS, type Provider } from '../domain/identities/schema.js';
import { formAction, redirect, render, type FormProblem } from './page-kit.js';

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

/** Only the chosen provider's non-empty fields: the service rejects fields another provider has. */
function identityInput(body: unknown): Record<string, string> {
  const b = (body ?? {}) as Record<string, unknown>;
  const provider = typeof b.provider === 'string' ? b.provider : '';
  const input: Record<string, string> = { name: typeof b.name === 'string' ? b.name.trim() : '', provider };
  for (const f of PROVIDER_FIELDS[provider as Provider] ?? []) {
    const v = b[`${provider}.${f.name}`];
    if (typeof v === 'string' && v.trim() !== '') input[f.name] = f.secret ? v : v.trim();
  }
  return input;
}

export default async function identityPages(app: FastifyInstance): Promise<void> {
  const { identities, jobs } = app.services;
  const auth = { preHandler: app.requirePageUser };

  const list = async (req: FastifyRequest, reply: FastifyReply, extra: { form?: Record<string, string>; problem?: FormProblem; listError?: string } = {}) => {
    const ids = await identities.list(req.user!.id);
    const form = extra.form ?? { name: '', provider: 'local' };
    // Secrets never travel back to the page, even after a failed submit.
    const shown = Object.fromEntries(Object.entries(form).filter(([k]) => !Object.values(PROVIDER_FIELDS).flat().some((f) => f.secret && f.name === k)));
    return render(req, reply, 'pages/identities/index', { title: 'Cloud identities', identities: ids, providers: PROVIDERS, fields: PROVIDER_FIELDS, form: shown, problem: extra.problem, listError: extra.listError });
  };

  app.get('/identities', auth, (req, reply) => list(req, reply));

  app.post('/identities', auth, async (req, reply) => {
    const input = identityInput(req.body);
    return formAction(
      reply,
      async () => {
        const created = await identities.create(req.user!.id, input);
        const note = created.provider === 'local' ? '' : ` ${created.provider.toUpperCase()} targets arrive in a later release: the identity is stored, vines on it cannot run yet.`;
        return redirect(req, reply, '/identities', `Identity “${created.name}” added.${note}`);
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

  app.post('/identities/:id/test', auth, async (req: IdReq, reply) => {
    const job = await jobs.create({ userId: req.user!.id, type: 'CONNECTION_TEST', identityId: req.params.id });
    return redirect(req, reply, `/jobs/${job.id}`);
  });
}
