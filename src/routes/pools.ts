/**
 * Tendril pools: the list and create form; a pool's page with its Tendrils (followed every few
 * seconds), its tokens (a new one shown this once, never stored anywhere readable), the
 * identities that use it, how to start a Tendril with a token, deploying one into AWS, rename and
 * delete (refused with the reason).
 *
 * A new token is answered in the page itself (htmx: the tokens fragment), never by a redirect:
 * a flash would store it in the session table.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Pool } from '../domain/pools/service.js';
import { field, formAction, isHtmx, redirect, render, type FormProblem } from './page-kit.js';

type IdReq = FastifyRequest<{ Params: { id: string } }>;

/** The deploy form's fields, as the form names them (a blank one keeps the last deployment's value). */
const DEPLOY_FIELDS = ['identity_id', 'image', 'trellis_url', 'desired_count', 'cpu', 'memory', 'cpu_architecture', 'concurrency', 'cluster_arn', 'subnet_ids', 'security_group_ids', 'assign_public_ip', 'log_retention_days'] as const;
const NUMBERS = new Set(['desired_count', 'cpu', 'memory', 'concurrency', 'log_retention_days']);
const LISTS = new Set(['subnet_ids', 'security_group_ids']);
/** Fields whose `none` clears the last deployment's value (a cluster of their own, the default VPC's subnets, no extra groups). */
const CLEARABLE = new Set(['cluster_arn', 'subnet_ids', 'security_group_ids']);

/**
 * The API's `settings` from the deploy form: blanks left out (the last deployment's value, else the
 * default, holds), `none` clearing the cluster, subnets or security groups, numbers as numbers, lists split on commas and spaces, the public IP as a boolean.
 * What is not a number stays a string, so the settings schema names the field.
 */
export function deploySettings(body: unknown): Record<string, unknown> {
  const settings: Record<string, unknown> = {};
  for (const name of DEPLOY_FIELDS) {
    if (name === 'identity_id') continue;
    const raw = field(body, name).trim();
    if (raw === '') continue;
    if (CLEARABLE.has(name) && raw.toLowerCase() === 'none') settings[name] = LISTS.has(name) ? [] : null;
    else if (NUMBERS.has(name)) settings[name] = /^\d+$/.test(raw) ? Number(raw) : raw;
    else if (LISTS.has(name)) settings[name] = raw.split(/[\s,]+/).filter(Boolean);
    else if (name === 'assign_public_ip') settings[name] = raw === 'true' ? true : raw === 'false' ? false : raw;
    else settings[name] = raw;
  }
  return settings;
}
type TokenReq = FastifyRequest<{ Params: { id: string; tokenId: string } }>;

/** The address Tendrils reach Trellis at, as this request reached it (behind a proxy: with TRUST_PROXY). */
const trellisUrl = (req: FastifyRequest) => `${req.protocol}://${req.host}`;

export default async function poolPages(app: FastifyInstance): Promise<void> {
  const { pools, identities } = app.services;
  const auth = { preHandler: app.requirePageUser };
  const deadAfter = app.deps.config.tendrilDeadAfterSeconds;
  /** Where deployed Tendrils reach Trellis unless the form says: TRELLIS_PUBLIC_URL, else as this request came. */
  const publicUrl = (req: FastifyRequest) => app.deps.config.trellisPublicUrl ?? trellisUrl(req);

  const index = async (req: FastifyRequest, reply: FastifyReply, form: { name?: string; description?: string; problem?: FormProblem } = {}) => {
    const list = await pools.list(req.user!.id);
    return render(req, reply, 'pages/pools/index', { title: 'Tendril pools', pools: list, form });
  };

  app.get('/pools', auth, (req, reply) => index(req, reply));

  app.post('/pools', auth, async (req, reply) => {
    const input = { name: field(req.body, 'name').trim(), description: field(req.body, 'description') };
    return formAction(
      reply,
      async () => {
        const pool = await pools.create(req.user!.id, input);
        return redirect(req, reply, `/pools/${pool.id}`, `Pool “${pool.name}” created. Make a token, then start a Tendril with it.`);
      },
      (problem) => index(req, reply, { ...input, problem }),
    );
  });

  /** The tokens section: its list, the form, and a token made just now (shown this once). */
  const tokensData = async (req: FastifyRequest, pool: Pool, extra: { newToken?: string; tokenProblem?: FormProblem; tokenName?: string } = {}) => ({
    pool,
    tokens: await pools.tokens(req.user!.id, pool.id),
    newToken: extra.newToken,
    tokenProblem: extra.tokenProblem,
    tokenName: extra.tokenName ?? '',
    trellisUrl: trellisUrl(req),
  });

  const show = async (req: IdReq, reply: FastifyReply, extra: Record<string, unknown> = {}) => {
    const pool = await pools.get(req.user!.id, req.params.id);
    const [tendrils, all, tokens] = await Promise.all([pools.tendrils(req.user!.id, pool.id), identities.list(req.user!.id), tokensData(req, pool, extra)]);
    const bindable = all.filter((i) => i.pool_id !== pool.id && !i.credentials_from_pool);
    const deployers = all.filter((i) => i.provider === 'aws' && !i.credentials_from_pool);
    const deployment = await pools.deployment(req.user!.id, pool.id);
    if (extra.newToken) reply.header('cache-control', 'no-store');
    return render(req, reply, 'pages/pools/show', {
      title: pool.name,
      ...tokens,
      tendrils,
      deadAfter,
      bindable,
      deployers,
      deployUnavailable: deployers.length ? undefined : 'Add an AWS identity (a role Vintner can assume, or access keys) first: the Tendril is deployed into its account.',
      deployment,
      deployDefaults: { image: app.deps.config.tendrilImage ?? '', trellisUrl: publicUrl(req) },
      rename: { name: pool.name, description: pool.description },
      ...extra,
    });
  };

  app.get('/pools/:id', auth, (req: IdReq, reply) => show(req, reply));

  // Followed by the page every few seconds (the Tendrils' heartbeats).
  app.get('/pools/:id/tendrils', auth, async (req: IdReq, reply) => {
    const pool = await pools.get(req.user!.id, req.params.id);
    return render(req, reply, 'pages/pools/_tendrils', { pool, tendrils: await pools.tendrils(req.user!.id, pool.id), deadAfter });
  });

  app.post('/pools/:id/tokens', auth, async (req: IdReq, reply) => {
    const name = field(req.body, 'name');
    const pool = await pools.get(req.user!.id, req.params.id);
    return formAction(
      reply,
      async () => {
        const { token } = await pools.createToken(req.user!.id, pool.id, { name });
        reply.header('cache-control', 'no-store');
        if (isHtmx(req)) return render(req, reply, 'pages/pools/_tokens', await tokensData(req, pool, { newToken: token }));
        return show(req, reply, { newToken: token });
      },
      async (problem) =>
        isHtmx(req) ? render(req, reply, 'pages/pools/_tokens', await tokensData(req, pool, { tokenProblem: problem, tokenName: name })) : show(req, reply, { tokenProblem: problem, tokenName: name }),
    );
  });

  app.post('/pools/:id/tokens/:tokenId/revoke', auth, async (req: TokenReq, reply) => {
    const pool = await pools.get(req.user!.id, req.params.id);
    const revoked = await pools.revokeToken(req.user!.id, pool.id, req.params.tokenId);
    if (isHtmx(req)) return render(req, reply, 'pages/pools/_tokens', await tokensData(req, pool));
    return redirect(req, reply, `/pools/${pool.id}`, `Token “${revoked.name}” revoked: Tendrils holding it are refused from their next request.`);
  });

  app.post('/pools/:id/bind', auth, async (req: IdReq, reply) => {
    const pool = await pools.get(req.user!.id, req.params.id);
    return formAction(
      reply,
      async () => {
        const identity = await identities.update(req.user!.id, field(req.body, 'identity_id'), { pool_id: pool.id });
        return redirect(req, reply, `/pools/${pool.id}`, `Identity “${identity.name}” bound: its jobs run only on this pool’s Tendrils.`);
      },
      (problem) => show(req, reply, { bindProblem: problem }),
    );
  });

  app.post('/pools/:id/deploy', auth, async (req: IdReq, reply) => {
    const pool = await pools.get(req.user!.id, req.params.id);
    const form = Object.fromEntries(DEPLOY_FIELDS.map((name) => [name, field(req.body, name)]));
    return formAction(
      reply,
      async () => {
        const job = await pools.deployWorker(req.user!.id, pool.id, { identity_id: form.identity_id, settings: deploySettings(req.body) }, { image: app.deps.config.tendrilImage, trellisUrl: publicUrl(req) });
        return redirect(req, reply, `/jobs/${job.id}`, `DEPLOY_WORKER queued: pool “${pool.name}”’s Tendrils are being deployed into AWS.`);
      },
      (problem) => show(req, reply, { deployProblem: problem, deployForm: form }),
    );
  });

  app.post('/pools/:id/destroy-worker', auth, async (req: IdReq, reply) => {
    const pool = await pools.get(req.user!.id, req.params.id);
    return formAction(
      reply,
      async () => {
        const job = await pools.destroyWorker(req.user!.id, pool.id, { identity_id: field(req.body, 'identity_id') });
        return redirect(req, reply, `/jobs/${job.id}`, `DESTROY_WORKER queued: pool “${pool.name}”’s Tendrils are being removed from AWS.`);
      },
      (problem) => show(req, reply, { destroyProblem: problem }),
    );
  });

  app.post('/pools/:id/rename', auth, async (req: IdReq, reply) => {
    const input = { name: field(req.body, 'name').trim(), description: field(req.body, 'description') };
    return formAction(
      reply,
      async () => {
        const pool = await pools.update(req.user!.id, req.params.id, input);
        return redirect(req, reply, `/pools/${pool.id}`, `Pool saved as “${pool.name}”.`);
      },
      (problem) => show(req, reply, { rename: { ...input, problem, open: true } }),
    );
  });

  app.post('/pools/:id/delete', auth, async (req: IdReq, reply) => {
    return formAction(
      reply,
      async () => {
        const pool = await pools.get(req.user!.id, req.params.id);
        await pools.delete(req.user!.id, pool.id);
        return redirect(req, reply, '/pools', `Pool “${pool.name}” deleted, with its tokens.`);
      },
      (problem) => show(req, reply, { deleteProblem: problem }),
    );
  });
}
