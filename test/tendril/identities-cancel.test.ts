/**
 * A connection test cancelled while the cloud has not answered yet: the call is aborted at once,
 * the job ends CANCELLED, and the identity's last test stays what it was.
 */
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { buildTestApp, eventually } from '../helpers.js';
import { startTestTendril, waitForJob } from './harness.js';
import { assertLoopbackOnly, guardFile } from '../cloud/helpers.js';
import { awsTestUser, startAwsFake } from '../cloud/fakes/aws.js';

const guard = guardFile(t);

t.test('cancel a CONNECTION_TEST waiting for AWS', async (t) => {
  const env = { VINTNER_SECRET_KEY: randomBytes(32).toString('base64'), CLOUD_TIMEOUT_SECONDS: '120' };
  const { app, db } = await buildTestApp(t, env);
  await startTestTendril(t, db, env);
  const user = awsTestUser();
  const fake = await startAwsFake({ users: [user], delayMs: { 'sts:GetCallerIdentity': 600_000 } });
  t.teardown(() => fake.close());
  const owner = await app.services.users.signup(`cancel-${process.pid}@example.com`, 'a long enough password');
  const identity = await app.services.identities.create(owner.id, { name: 'slow', provider: 'aws', region: 'eu-west-1', access_key_id: user.accessKeyId, secret_access_key: user.secretAccessKey, endpoint: fake.url });
  await db.knex('cloud_identities').where({ id: identity.id }).update({ last_test_status: 'SUCCESS', last_test_message: 'an earlier test', last_tested_at: new Date() });

  const job = await app.services.jobs.create({ userId: owner.id, type: 'CONNECTION_TEST', identityId: identity.id });
  await eventually('the call to reach AWS', async () => fake.requests.some((r) => r.route === 'sts:GetCallerIdentity'), 60_000);
  await app.services.jobs.cancel(owner.id, job.id);
  const done = await waitForJob(db.knex, job.id);
  t.equal(done.status, 'CANCELLED', 'the job is CANCELLED');
  t.match(done.error, /cancelled by a user/);
  const stored = await db.knex('cloud_identities').where({ id: identity.id }).first('last_test_status', 'last_test_message');
  t.same(stored, { last_test_status: 'SUCCESS', last_test_message: 'an earlier test' }, 'the last test stays what it was');
});

t.test('no connection left the machine', async (t) => assertLoopbackOnly(t, guard));
