/** Sign-up, API tokens (what `grape login` gets) and who the token belongs to. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { ApiToken, IdParams, Me, NoContent, Page, PageQuery, problems, SignupBody, TokenBody, TokenCreated, User } from './schemas.js';
import { paginate } from './validation.js';
import { currentToken } from '../../domain/users/current-token.js';
import { ForbiddenError } from '../../domain/errors.js';

const bearerToken = (req: FastifyRequest) => (req.headers.authorization ?? '').slice('bearer '.length).trim();

// Passwords are checked here: a few tries a minute per address is plenty for a person or a script.
const PASSWORD_RATE = { rateLimit: { max: 20, timeWindow: 60_000 } };

const accountRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { users } = app.services;

  app.post('/signup', {
    config: { public: true, ...PASSWORD_RATE },
    schema: {
      summary: 'Create an account (when sign-up is open)',
      tags: ['account'],
      body: SignupBody,
      response: { 201: User, ...problems(400, 403, 409, 429) },
    },
  }, async (req, reply) => {
    if (!app.deps.config.signupOpen) throw new ForbiddenError('sign-up is closed on this Vintner: ask its administrator for an account');
    return reply.status(201).send(await users.signup(req.body.email, req.body.password));
  });

  app.post('/tokens', {
    config: { public: true, ...PASSWORD_RATE },
    schema: {
      summary: 'Create an API token from an email and password',
      description: 'The token is in this answer only; Vintner keeps its hash. Send it as `Authorization: Bearer <token>`.',
      tags: ['account'],
      body: TokenBody,
      response: { 201: TokenCreated, ...problems(400, 401, 429) },
    },
  }, async (req, reply) => {
    const user = await users.authenticate(req.body.email, req.body.password);
    const { token, row } = await users.createToken(user.id, req.body.name, { ...(req.body.expires_in_days ? { expiresInDays: req.body.expires_in_days } : {}) });
    return reply.status(201).send({ ...row, token, user });
  });

  app.get('/tokens', {
    schema: { summary: 'List your API tokens (never the tokens themselves)', tags: ['account'], querystring: PageQuery, response: { 200: Page(ApiToken, 'ApiTokenPage'), ...problems(400, 401) } },
  }, async (req) => paginate(await users.listTokens(req.user!.id), (t) => [t.created_at.toISOString(), t.id], req.query));

  app.delete('/tokens/:id', {
    schema: { summary: 'Revoke an API token (at once, in every Trellis process)', tags: ['account'], params: IdParams, response: { 204: NoContent, ...problems(401, 404) } },
  }, async (req, reply) => {
    await users.revokeToken(req.user!.id, req.params.id);
    return reply.status(204).send(null);
  });

  app.get('/me', {
    schema: { summary: 'Who this token belongs to, and the token itself', tags: ['account'], response: { 200: Me, ...problems(401) } },
  }, async (req) => ({ user: req.user!, token: await currentToken(app.deps.knex, req.user!.id, bearerToken(req)) }));
};

export default accountRoutes;
