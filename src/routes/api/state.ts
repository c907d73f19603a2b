/**
 * /api/v1/state/vines/:id and /api/v1/state/pools/:id: Terraform's `http` backend (src/state/protocol.ts),
 * for remote Tendrils' Terraform. Authorized by the running job's own credential (basic auth),
 * not by a user's token: the routes are "public" to the token check and do their own.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { handleStateRequest } from '../../state/protocol.js';
import { ownerFromPath } from '../../state/paths.js';
import type { StateService } from '../../domain/state/service.js';

const METHODS = ['GET', 'POST', 'DELETE', 'LOCK', 'UNLOCK'] as const;

export default async function stateRoutes(app: FastifyInstance, { state }: { state: StateService }) {
  // The body is the state itself (or lock info): kept as bytes, whatever its content type says.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 64 * 1024 * 1024 }, (_req, body, done) => done(null, body));
  for (const m of ['LOCK', 'UNLOCK']) if (!app.supportedMethods.includes(m)) app.addHttpMethod(m, { hasBody: true });

  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    const owner = ownerFromPath((req.url.split('?')[0] ?? '').replace(/^\/api\/v1\/state/, ''));
    if (!owner) return reply.status(404).type('application/problem+json').send({ type: 'about:blank', title: 'Not Found', status: 404, detail: 'no such state' });
    const a = await handleStateRequest(state, {
      method: req.method,
      owner,
      authorization: req.headers.authorization,
      lockId: (req.query as { ID?: string }).ID,
      body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
    });
    reply.status(a.status);
    if (a.type) reply.type(a.type);
    return reply.send(a.body ?? '');
  };
  for (const kind of ['vines', 'pools']) {
    app.route({
      method: [...METHODS],
      url: `/state/${kind}/:id`,
      config: { public: true },
      schema: {
        summary: `Terraform’s http state backend for a ${kind === 'vines' ? 'vine' : 'pool’s Tendrils'} (GET, POST, DELETE, LOCK, UNLOCK)`,
        description: 'For Terraform run by a Tendril: basic auth with the running job’s id and its credential (valid only while the job runs). States are stored encrypted, with their history.',
        tags: ['state'],
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) }),
        produces: ['application/json'],
      },
      handler,
    });
  }
}
