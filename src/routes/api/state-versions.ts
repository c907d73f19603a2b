/**
 * A vine's Terraform state history for its owner: the versions newest first, one version's resource
 * addresses and output names (never a value), and restoring an older version. Terraform's own
 * access to the state is ./state.ts (the http backend, with a running job's credential).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { StateVersionDetailSchema, StateVersionSchema } from '../../domain/state/schema.js';
import { invalid } from '../../domain/validation.js';
import { IdParams, Page, PageQuery, problems } from './schemas.js';
import { decodeCursor, encodeCursor } from './validation.js';

const tags = ['state'];
const VersionParams = Type.Object({
  ...IdParams.properties,
  version: Type.String({ minLength: 1, maxLength: 40, description: 'the version’s number in the vine’s history (as listed: `12`)' }),
});

const stateVersionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { state } = app.services;

  app.get('/vines/:id/state/versions', {
    schema: {
      summary: 'A vine’s Terraform state versions, newest first',
      description: 'Every state its jobs’ Terraform wrote, with who wrote it (the job, its type, the Tendril), its serial, lineage and resource count, and restores. No value of the state.',
      tags, params: IdParams, querystring: PageQuery, response: { 200: Page(StateVersionSchema, 'StateVersionPage'), ...problems(400, 401, 404) },
    },
  }, async (req) => {
    let before: number | undefined;
    if (req.query.cursor !== undefined) {
      const key = decodeCursor(req.query.cursor);
      if (key.length !== 1 || !/^\d{1,9}$/.test(key[0]!)) throw invalid('query', [{ field: 'cursor', message: 'is not a cursor this API gave out' }]);
      before = Number(key[0]);
    }
    const page = await state.versions(req.user!.id, req.params.id, { limit: req.query.limit ?? 50, ...(before !== undefined ? { before } : {}) });
    const last = page.items.at(-1);
    return { items: page.items, next_cursor: page.more && last ? encodeCursor([String(last.version)]) : null };
  });

  app.get('/vines/:id/state/versions/:version', {
    schema: {
      summary: 'One state version: its resources’ addresses and its outputs’ names',
      description: 'Addresses (`terraform_data.databases["main"]`) and output names only: attribute and output values may be secrets and never leave the store.',
      tags, params: VersionParams, response: { 200: StateVersionDetailSchema, ...problems(401, 404) },
    },
  }, async (req) => state.inspect(req.user!.id, req.params.id, req.params.version));

  app.post('/vines/:id/state/versions/:version/restore', {
    schema: {
      summary: 'Restore an older state version: it becomes the current state, as a new version',
      description:
        'Writes the version’s document again as the newest version, its serial above the current one and the current lineage, so Terraform reads it as the state. ' +
        'It changes Terraform’s record of the cloud, not the cloud: run a plan next to see what a harvest would change. ' +
        '409 while a job of the vine is queued or running or the state is locked, for the current version, and for an empty (deleted) one.',
      tags, params: VersionParams, response: { 201: StateVersionSchema, ...problems(401, 404, 409) },
    },
  }, async (req, reply) => reply.status(201).send(await state.restore(req.user!.id, req.params.id, req.params.version)));
};

export default stateVersionRoutes;
