/**
 * Plant a vine, edit its configuration (with the list of components that will change, from
 * vines.diff), delete it. One form serves plant and edit (views/pages/vines/form.eta).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FieldError } from '../domain/errors.js';
import type { VineDiff } from '../domain/vines/diff.js';
import { field, formAction, formProblem, redirect, render } from './page-kit.js';
import { applyRowAction, blankSpec, parseVineForm, toServiceSpec, vineFormModel, type AdoptionContext } from './vine-form.js';
import { COMPONENT_KINDS } from '../domain/components/catalogue.js';
import type { SpecWarning } from '../domain/vines/schema.js';
import { fieldLabel } from './view-helpers.js';
import { SANDBOX_IDENTITY } from '../domain/users/service.js';
import { renderVinePage } from './vine-view.js';
import { slugify } from '../domain/vines/stage.js';

type IdReq = FastifyRequest<{ Params: { id: string } }>;

interface FormPage {
  mode: 'plant' | 'edit';
  spec: Record<string, unknown>;
  errors?: FieldError[];
  message?: string;
  diff?: VineDiff | null;
}

/** The kinds of discovered resources the adoptable settings name (the catalogue's `adopts`). */
const ADOPTED = [...new Set(COMPONENT_KINDS.flatMap((k) => (k.adopts ? [k.adopts.resource] : [])))];

/** Warnings of a planted or saved spec, after the flash's own sentence. */
const withWarnings = (message: string, warnings: SpecWarning[]) =>
  warnings.length ? `${message} Note: ${warnings.map((w) => `${fieldLabel(w.field)}: ${w.message}`).join(' ')}` : message;

export default async function vinePages(app: FastifyInstance): Promise<void> {
  const { vineyards, vines, identities, jobs } = app.services;
  const auth = { preHandler: app.requirePageUser };

  /** What the form shows for `existing_network_id` / `existing_zone_id`: the identity's discovered ones. */
  const adoptionOf = async (userId: string, ref: unknown): Promise<AdoptionContext> => {
    const identity = typeof ref === 'string' && ref !== '' ? await identities.find(userId, ref) : undefined;
    if (!identity) return { identity: undefined, resources: [] };
    const [lists, open] = await Promise.all([
      identity.provider === 'local' ? [] : Promise.all(ADOPTED.map((k) => identities.resources(userId, identity.id, k))),
      identities.openJobs(userId),
    ]);
    return { identity, resources: lists.flat(), job: open.get(identity.id) };
  };

  const formPage = async (req: FastifyRequest, reply: FastifyReply, ctx: { vineyard: { id: string; name: string }; vine?: { id: string; name: string; status: string } }, page: FormPage) => {
    const ids = await identities.list(req.user!.id);
    const model = vineFormModel(page.spec, page.errors, await adoptionOf(req.user!.id, page.spec.identity));
    const title = page.mode === 'plant' ? `Plant a vine in ${ctx.vineyard.name}` : `Edit ${ctx.vine!.name}`;
    const action = page.mode === 'plant' ? `/vineyards/${ctx.vineyard.id}/plant` : `/vines/${ctx.vine!.id}/edit`;
    const provider = ids.find((i) => i.name === model.identity || i.id === model.identity)?.provider ?? 'local';
    return render(req, reply, 'pages/vines/form', { title, ...ctx, prefixHint: slugify(ctx.vineyard.name), mode: page.mode, action, model, identities: ids, provider, message: page.message, diff: page.diff ?? null });
  };

  /** "Add a …" / "Remove" without JavaScript: the same form again, one row more or less. */
  const rowAction = (parsed: ReturnType<typeof parseVineForm>, reply: FastifyReply): FormPage['message'] => {
    const refused = applyRowAction(parsed);
    if (refused) reply.status(422);
    return refused;
  };

  app.get('/vineyards/:id/plant', auth, async (req: IdReq, reply) => {
    const vy = await vineyards.get(req.user!.id, req.params.id);
    return formPage(req, reply, { vineyard: vy }, { mode: 'plant', spec: blankSpec(SANDBOX_IDENTITY) });
  });

  /** "Discover again" without JavaScript: the identity's FETCH_RESOURCES queued, the same form again. */
  const discoverAgain = async (req: FastifyRequest): Promise<string> => {
    const job = await jobs.create({ userId: req.user!.id, type: 'FETCH_RESOURCES', identityId: field(req.body, '_discover') });
    return `Discovery queued (job ${job.id}): the lists of networks and zones show its findings once it ends; reload this form then (your changes are kept below).`;
  };

  app.post('/vineyards/:id/plant', auth, async (req: IdReq, reply) => {
    const vy = await vineyards.get(req.user!.id, req.params.id);
    const parsed = parseVineForm(req.body);
    if (parsed.action === 'add' || parsed.action === 'remove') {
      return formPage(req, reply, { vineyard: vy }, { mode: 'plant', spec: parsed.spec, message: rowAction(parsed, reply) });
    }
    if (parsed.action === 'discover') return formPage(req, reply, { vineyard: vy }, { mode: 'plant', spec: parsed.spec, message: await discoverAgain(req) });
    return formAction(
      reply,
      async () => {
        const created = await vines.create(req.user!.id, vy.id, toServiceSpec(parsed.spec));
        return redirect(req, reply, `/vines/${created.vine.id}`, withWarnings(`Vine “${created.vine.name}” planted. Plan it to see what Terraform will create, or harvest it.`, created.warnings));
      },
      (problem) => formPage(req, reply, { vineyard: vy }, { mode: 'plant', spec: parsed.spec, errors: problem.list, message: problem.message }),
    );
  });

  const vineContext = async (req: IdReq) => {
    const detail = await vines.get(req.user!.id, req.params.id);
    return { detail, ctx: { vineyard: { id: detail.vine.vineyard_id, name: detail.vine.vineyard_name }, vine: detail.vine } };
  };

  app.get('/vines/:id/edit', auth, async (req: IdReq, reply) => {
    const { detail, ctx } = await vineContext(req);
    return formPage(req, reply, ctx, { mode: 'edit', spec: detail.spec as unknown as Record<string, unknown>, diff: null });
  });

  /** What saving would change; answered as a fragment for the live preview beside the form. */
  const diffOf = async (userId: string, vineId: string, spec: Record<string, unknown>): Promise<{ diff: VineDiff | null; errors: FieldError[] }> => {
    try {
      return { diff: await vines.diff(userId, vineId, toServiceSpec(spec)), errors: [] };
    } catch (err) {
      const problem = formProblem(err);
      if (!problem) throw err;
      return { diff: null, errors: problem.list.length ? problem.list : [{ field: 'vine', message: problem.message }] };
    }
  };

  app.post('/vines/:id/diff', auth, async (req: IdReq, reply) => {
    const { detail } = await vineContext(req);
    const { diff, errors } = await diffOf(req.user!.id, detail.vine.id, parseVineForm(req.body).spec);
    return render(req, reply, 'pages/vines/_diff', { diff, diffErrors: errors, vine: detail.vine });
  });

  app.post('/vines/:id/edit', auth, async (req: IdReq, reply) => {
    const { ctx } = await vineContext(req);
    const parsed = parseVineForm(req.body);
    if (parsed.action === 'add' || parsed.action === 'remove') {
      return formPage(req, reply, ctx, { mode: 'edit', spec: parsed.spec, message: rowAction(parsed, reply), diff: null });
    }
    if (parsed.action === 'discover') return formPage(req, reply, ctx, { mode: 'edit', spec: parsed.spec, message: await discoverAgain(req), diff: null });
    if (parsed.action === 'review') {
      const { diff, errors } = await diffOf(req.user!.id, ctx.vine.id, parsed.spec);
      if (errors.length) reply.status(422);
      return formPage(req, reply, ctx, { mode: 'edit', spec: parsed.spec, errors, diff, ...(errors.length ? { message: 'Please fix the problems below.' } : {}) });
    }
    return formAction(
      reply,
      async () => {
        const { diff, warnings } = await vines.replace(req.user!.id, ctx.vine.id, toServiceSpec(parsed.spec));
        const n = diff.components.filter((c) => c.action !== 'none').length;
        const msg = diff.changed ? `Configuration saved: ${n} component${n === 1 ? '' : 's'} will change on the next harvest.` : 'Nothing changed.';
        return redirect(req, reply, `/vines/${ctx.vine.id}`, withWarnings(msg, warnings));
      },
      (problem) => formPage(req, reply, ctx, { mode: 'edit', spec: parsed.spec, errors: problem.list, message: problem.message, diff: null }),
    );
  });

  /**
   * The adoptable fields again, out of band, for the identity the form names now (htmx: after the
   * identity changed, after "Discover again", and every second while a discovery runs).
   */
  app.post('/vine-form/adoption', auth, async (req, reply) => {
    const discover = field(req.body, '_discover');
    if (discover) await jobs.create({ userId: req.user!.id, type: 'FETCH_RESOURCES', identityId: discover });
    const spec = parseVineForm(req.body).spec;
    const model = vineFormModel(spec, [], await adoptionOf(req.user!.id, spec.identity));
    return render(req, reply, 'pages/vines/_adoption', { fields: model.singletons.flatMap((s) => s.fields).filter((f) => f.adopt) });
  });

  app.post('/vines/:id/delete', auth, async (req: IdReq, reply) => {
    const { ctx } = await vineContext(req);
    return formAction(
      reply,
      async () => {
        await vines.delete(req.user!.id, ctx.vine.id);
        return redirect(req, reply, `/vineyards/${ctx.vineyard.id}`, `Vine “${ctx.vine.name}” deleted.`);
      },
      (problem) => renderVinePage(app, req, reply, ctx.vine.id, { actionError: problem.message }),
    );
  });
}
