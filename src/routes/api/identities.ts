/**
 * Cloud identities: how Vintner reaches a cloud account. Secrets go in and are never answered;
 * `test` and `discover` queue CONNECTION_TEST and FETCH_RESOURCES jobs.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { DiscoveredResourceSchema, ResourceKindSchema } from '../../domain/identities/schema.js';
import { IdParams, Identity, IdentityCreate, IdentityPatch, Job, NameParams, NoContent, Page, PageQuery, problems } from './schemas.js';
import { paginate } from './validation.js';

const tags = ['identities'];

const ResourcesQuery = Type.Object({ ...PageQuery.properties, kind: Type.Optional(ResourceKindSchema) }, { additionalProperties: false });

const identityRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { identities, jobs } = app.services;

  app.get('/identities', {
    schema: { summary: 'List your cloud identities (by name)', tags, querystring: PageQuery, response: { 200: Page(Identity, 'IdentityPage'), ...problems(400, 401) } },
  }, async (req) => paginate(await identities.list(req.user!.id), (i) => [i.name, i.id], req.query));

  app.post('/identities', {
    schema: {
      summary: 'Add a cloud identity (local, aws, gcp or azure)',
      description: 'AWS: an assume-role ARN (+ external id) is preferred; access keys are allowed. Secrets are stored encrypted and never returned.',
      tags, body: IdentityCreate, response: { 201: Identity, ...problems(400, 401) },
    },
  }, async (req, reply) => reply.status(201).send(await identities.create(req.user!.id, req.body)));

  app.get('/identities/by-name/:name', {
    schema: { summary: 'An identity by its name', tags, params: NameParams, response: { 200: Identity, ...problems(401, 404) } },
  }, async (req) => identities.getByName(req.user!.id, req.params.name));

  app.get('/identities/:id', {
    schema: { summary: 'An identity (never its secrets)', tags, params: IdParams, response: { 200: Identity, ...problems(401, 404) } },
  }, async (req) => identities.get(req.user!.id, req.params.id));

  app.patch('/identities/:id', {
    schema: {
      summary: 'Bind an identity to a Tendril pool, unbind it, or say where its credentials come from',
      description:
        '`pool_id`: a pool of yours (its jobs then run only on that pool’s Tendrils), or null (Vintner’s own Tendrils); refused (409) while a job of it is queued or running. ' +
        '`credentials_from_pool: true`: the pool’s Tendrils supply the cloud credentials (AWS task role, GCP workload identity, Azure managed identity) and the stored ones are deleted; such an identity cannot leave its pool. ' +
        'A pool of another user is refused as not found.',
      tags, params: IdParams, body: IdentityPatch, response: { 200: Identity, ...problems(400, 401, 404, 409) },
    },
  }, async (req) => identities.update(req.user!.id, req.params.id, req.body));

  app.delete('/identities/:id', {
    schema: { summary: 'Delete an identity (refused while a vine uses it)', tags, params: IdParams, response: { 204: NoContent, ...problems(401, 404, 409) } },
  }, async (req, reply) => {
    await identities.delete(req.user!.id, req.params.id);
    return reply.status(204).send(null);
  });

  app.get('/identities/:id/resources', {
    schema: {
      summary: 'What the identity’s last discovery found: networks, subnets, DNS zones',
      description: 'Replaced whole by each FETCH_RESOURCES (and by the discovery that follows a successful CONNECTION_TEST); the identity’s `discovery` says when it ran and whether it was truncated. By kind, then name.',
      tags, params: IdParams, querystring: ResourcesQuery, response: { 200: Page(DiscoveredResourceSchema, 'DiscoveredResourcePage'), ...problems(400, 401, 404) },
    },
  }, async (req) => {
    const { kind, ...page } = req.query;
    return paginate(await identities.resources(req.user!.id, req.params.id, kind), (r) => [r.kind, r.name ?? '', r.external_id], page);
  });

  app.post('/identities/:id/test', {
    schema: { summary: 'Test the identity’s connection (a CONNECTION_TEST job)', tags, params: IdParams, response: { 202: Job, ...problems(401, 404) } },
  }, async (req, reply) => reply.status(202).send(await jobs.create({ userId: req.user!.id, type: 'CONNECTION_TEST', identityId: req.params.id })));

  app.post('/identities/:id/discover', {
    schema: { summary: 'Fetch the account’s networks, zones … (a FETCH_RESOURCES job)', tags, params: IdParams, response: { 202: Job, ...problems(401, 404) } },
  }, async (req, reply) => reply.status(202).send(await jobs.create({ userId: req.user!.id, type: 'FETCH_RESOURCES', identityId: req.params.id })));
};

export default identityRoutes;
