/** For API tests: an app on a fresh database, accounts with tokens, and requests made with them. */
import type { Test } from 'tap';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { randomBytes } from 'node:crypto';
import { buildTestApp, type TestApp } from '../helpers.js';

export const PASSWORD = 'correct horse battery';

export interface Account {
  email: string;
  token: string;
  tokenId: string;
  userId: string;
  /** A request with this account's token. */
  req(method: InjectOptions['method'], url: string, payload?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
}

export async function signupWithToken(app: FastifyInstance, email = `u-${randomBytes(4).toString('hex')}@example.com`): Promise<Account> {
  const signup = await app.inject({ method: 'POST', url: '/api/v1/signup', payload: { email, password: PASSWORD } });
  if (signup.statusCode !== 201) throw new Error(`signup failed: ${signup.body}`);
  const created = await app.inject({ method: 'POST', url: '/api/v1/tokens', payload: { email, password: PASSWORD, name: 'test' } });
  if (created.statusCode !== 201) throw new Error(`token failed: ${created.body}`);
  const { token, id } = created.json();
  return {
    email,
    token,
    tokenId: id,
    userId: signup.json().id,
    req: (method, url, payload, headers = {}) =>
      app.inject({ method, url, headers: { authorization: `Bearer ${token}`, ...headers }, ...(payload !== undefined ? { payload: payload as InjectOptions['payload'] } : {}) }),
  };
}

export async function apiApp(t: Test, env: Record<string, string> = {}): Promise<TestApp & { alice: Account; bob: Account }> {
  const built = await buildTestApp(t, env);
  return { ...built, alice: await signupWithToken(built.app), bob: await signupWithToken(built.app) };
}

/** A sandbox vine spec with one component of every kind (terraform/local plans it for real). */
export function fullSpec(name = 'shop', extra: Record<string, unknown> = {}) {
  return {
    name,
    stage: 'development',
    identity: 'sandbox',
    network: { cidr_block: '10.1.0.0/16' },
    cluster: {},
    dns: { domain_name: 'shop.example.com' },
    repositories: {},
    databases: [{ name: 'main', storage_gb: 20 }],
    caches: [{ name: 'sessions' }],
    queues: [{ name: 'orders' }],
    topics: [{ name: 'events', subscribe_queues: ['orders'] }],
    nosql_tables: [{ name: 'carts', partition_key: 'cart_id' }],
    container_registries: [{ name: 'web' }],
    secrets: [{ name: 'stripe', description: 'Stripe key', value: 'sk_test_123' }],
    ...extra,
  };
}

export const isProblem = (t: Test, res: LightMyRequestResponse, status: number, what: string) => {
  t.equal(res.statusCode, status, `${what}: ${status}`);
  t.match(res.headers['content-type'], /application\/problem\+json/, `${what}: problem+json`);
  const body = res.json();
  t.equal(body.status, status, `${what}: status in the body`);
  t.type(body.detail, 'string', `${what}: a detail`);
  return body as { type: string; title: string; status: number; detail: string; errors?: Array<{ field: string; message: string }> };
};

export { eventually } from '../helpers.js';
