/**
 * Sign up, sign in, sign out. The session id is regenerated on sign-in (no fixation) and the
 * sign-in and sign-up forms are rate-limited per client address.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { UnauthorizedError } from '../domain/errors.js';
import { PASSWORD_MIN } from '../domain/users/service.js';
import { field, formAction, redirect, render, safeLocalPath } from './page-kit.js';

const LOGIN_LIMIT = { max: 10, timeWindow: '1 minute' };
const SIGNUP_LIMIT = { max: 5, timeWindow: '1 minute' };
const HOME = '/vineyards';

export default async function authPages(app: FastifyInstance): Promise<void> {
  const { users } = app.services;
  const { signupOpen } = app.deps.config;

  const signIn = async (req: FastifyRequest, userId: string) => {
    await req.session.regenerate();
    req.session.userId = userId;
  };

  const loginPage = (req: FastifyRequest, reply: FastifyReply, data: Record<string, unknown> = {}) =>
    render(req, reply, 'pages/auth/login', { title: 'Sign in', signupOpen, email: '', next: '', ...data });

  app.get('/login', async (req, reply) => {
    if (req.user) return reply.redirect(HOME, 303);
    return loginPage(req, reply, { next: safeLocalPath((req.query as { next?: string }).next, '') });
  });

  app.post('/login', { config: { rateLimit: LOGIN_LIMIT } }, async (req, reply) => {
    const email = field(req.body, 'email');
    const next = safeLocalPath(field(req.body, 'next'), HOME);
    try {
      const user = await users.authenticate(email, field(req.body, 'password'));
      await signIn(req, user.id);
      return redirect(req, reply, next);
    } catch (err) {
      if (!(err instanceof UnauthorizedError)) throw err;
      reply.status(401);
      return loginPage(req, reply, { email, next, error: 'Wrong email or password.' });
    }
  });

  const signupPage = (req: FastifyRequest, reply: FastifyReply, data: Record<string, unknown> = {}) =>
    render(req, reply, 'pages/auth/signup', { title: 'Create your account', signupOpen, email: '', errors: {}, passwordMin: PASSWORD_MIN, ...data });

  app.get('/signup', async (req, reply) => {
    if (req.user) return reply.redirect(HOME, 303);
    if (!signupOpen) reply.status(403);
    return signupPage(req, reply);
  });

  app.post('/signup', { config: { rateLimit: SIGNUP_LIMIT } }, async (req, reply) => {
    if (!signupOpen) {
      reply.status(403);
      return signupPage(req, reply);
    }
    const email = field(req.body, 'email');
    const password = field(req.body, 'password');
    if (password !== field(req.body, 'password_confirm')) {
      reply.status(422);
      return signupPage(req, reply, { email, errors: { password_confirm: 'does not match the password' }, error: 'Please fix the problem below.' });
    }
    return formAction(
      reply,
      async () => {
        const user = await users.signup(email, password);
        await signIn(req, user.id);
        return redirect(req, reply, HOME, 'Welcome to Vintner! A local “sandbox” identity is ready: create a vineyard to plant your first vine.');
      },
      async (problem) => {
        const errors = problem.status === 409 ? { email: 'an account with this email already exists: sign in instead' } : problem.fields;
        return signupPage(req, reply, { email, errors, error: problem.status === 409 ? 'That email already has an account.' : problem.message });
      },
    );
  });

  app.post('/logout', async (req, reply) => {
    await req.session.destroy();
    return redirect(req, reply, '/login');
  });
}
