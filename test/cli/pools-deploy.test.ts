/**
 * grape pools deploy / destroy-worker, the real binary against a real Trellis and a real Tendril:
 * DEPLOY_WORKER and DESTROY_WORKER queued with the options as settings and followed to their end
 * (the log streamed, exit 0 on SUCCESS), real Terraform running terraform/tendril-aws against
 * the schema-only AWS provider from TERRAFORM_PROVIDER_MIRROR; --no-wait; the refusals as one
 * line with their exit codes.
 */
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { signupWithToken } from '../api/helpers.js';
import { grape, startServer } from './helpers.js';
import { startTestTendril } from '../tendril/harness.js';
import { createProviderMirror } from '../provider/harness.js';
import { EXIT } from '../../src/cli/errors.js';

const mirror = await createProviderMirror();
t.teardown(() => mirror.remove());

t.test('grape pools deploy and destroy-worker: queued, followed to the end, refusals in one line', { timeout: 600_000 }, async (t) => {
  const ENV = { VINTNER_SECRET_KEY: randomBytes(32).toString('base64'), TERRAFORM_PROVIDER_MIRROR: join(mirror.dir, 'providers'), TENDRIL_IMAGE: '123456789012.dkr.ecr.eu-central-1.amazonaws.com/vintner-tendril:0.1.0' };
  const server = await startServer(t, ENV);
  const { knex } = server.db;
  const ada = await signupWithToken(server.app);
  const env = { VINTNER_URL: server.url, VINTNER_TOKEN: ada.token, HOME: t.testdir({}) };
  const g = (args: string[]) => grape(args, env);
  t.equal((await g(['pools', 'add', 'ci'])).code, 0, 'a pool');
  const aws = await g(['identities', 'add', 'prod-aws', '--provider', 'aws', '--region', 'eu-central-1', '--access-key-id', 'AKIAIOSFODNN7EXAMPLE', '--secret-access-key', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY']);
  t.equal(aws.code, 0, `an AWS identity with keys ${aws.stderr}`);

  // Refusals before anything runs.
  const noIdentity = await g(['pools', 'deploy', 'ci']);
  t.same([noIdentity.code, noIdentity.stderr], [EXIT.USAGE, 'grape pools: invalid input\n  identity_id: is required: the aws identity whose credentials create the Tendrils\n'], 'no identity and no earlier deployment: exit 2, the field named');
  const sandbox = await g(['pools', 'deploy', 'ci', '--identity', 'sandbox']);
  t.equal(sandbox.code, EXIT.USAGE, 'a local identity: exit 2');
  t.match(sandbox.stderr, 'identity_id: must be an aws identity', 'saying why');
  const badCount = await g(['pools', 'deploy', 'ci', '--identity', 'prod-aws', '--count', 'lots']);
  t.equal(badCount.code, EXIT.USAGE, 'a count that is no number: exit 2');
  t.match(badCount.stderr, 'settings.desired_count', 'naming the setting');
  t.equal((await g(['pools', 'deploy', 'ci', '--identity', 'prod-aws', '--public-ip', 'maybe'])).code, EXIT.USAGE, '--public-ip takes yes or no');
  const noPool = await g(['pools', 'deploy', 'nope', '--identity', 'prod-aws']);
  t.equal(noPool.code, EXIT.NOT_FOUND, 'an unknown pool: exit 4');
  const nothing = await g(['pools', 'destroy-worker', 'ci']);
  t.same([nothing.code, nothing.stderr], [EXIT.FAILED, 'grape pools: no DEPLOY_WORKER of pool ci ever ran: there is nothing to destroy\n'], 'destroy before any deployment: refused, exit 1');
  t.equal(Number((await knex('provision_jobs').whereIn('type', ['DEPLOY_WORKER', 'DESTROY_WORKER']).count<{ c: string }[]>('* as c'))[0]!.c), 0, 'no job made by any of them');

  // --no-wait: queued, and the second is refused while it is open; then a Tendril runs it.
  const queued = await g(['pools', 'deploy', 'ci', '--identity', 'prod-aws', '--count', '2', '--subnets', 'subnet-0a1b2c3d4e5f60001,subnet-0a1b2c3d4e5f60002', '--public-ip', 'no', '--no-wait']);
  t.equal(queued.code, 0, `queued ${queued.stderr}`);
  const jobId = /^DEPLOY_WORKER job ([0-9a-f-]{36}) queued: deploying pool ci's Tendrils into AWS\. Follow it: grape logs \1 --follow\n$/.exec(queued.stdout)?.[1];
  t.ok(jobId, 'it says which job, and how to follow it');
  const job = await knex('provision_jobs').where({ id: jobId }).first('params', 'identity_id');
  t.same(job.params, { desired_count: 2, subnet_ids: ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002'], assign_public_ip: false, image: ENV.TENDRIL_IMAGE, trellis_url: server.url, region: 'eu-central-1' }, 'the options as settings, the image from TENDRIL_IMAGE, Trellis as Grape reached it');
  const busy = await g(['pools', 'deploy', 'ci', '--identity', 'prod-aws']);
  t.same([busy.code, busy.stderr], [EXIT.FAILED, `grape pools: DEPLOY_WORKER job ${jobId} of pool ci is QUEUED: it must finish (or be cancelled) before a DEPLOY_WORKER can start\n`], 'a second while it is open: exit 1, naming it');
  await startTestTendril(t, server.db, ENV);
  const followed = await g(['logs', jobId!, '--follow']);
  t.equal(followed.code, 0, `the first deployment succeeded ${followed.stderr}`);

  // A redeployment, followed by grape itself: the log streamed, exit 0, the earlier token revoked.
  const firstToken = await knex('pool_tokens').where({ job_id: jobId }).first('id');
  const again = await g(['pools', 'deploy', 'ci', '--count', '1', '--security-groups', 'none']);
  t.equal(again.code, 0, `redeployed, followed to SUCCESS ${again.stderr}`);
  const againId = /^DEPLOY_WORKER job ([0-9a-f-]{36}) queued/.exec(again.stderr)?.[1];
  t.match((await knex('provision_jobs').where({ id: againId }).first('params')).params, { desired_count: 1, security_group_ids: [] }, '--security-groups none: the API’s [] (clears what an earlier deployment set)');
  t.match(again.stderr, /^DEPLOY_WORKER job [0-9a-f-]{36} queued: deploying pool ci's Tendrils into AWS\n/, 'it says what it queued');
  t.match(again.stdout, /target terraform\/tendril-aws/, 'the job’s log on stdout');
  t.match(again.stdout, /a new pool token vtp_\S+… for them/, 'a new pool token, by its prefix');
  t.match(again.stderr, /✔ DEPLOY_WORKER job [0-9a-f-]{36} SUCCESS in /, 'the outcome on stderr');
  t.ok((await knex('pool_tokens').where({ id: firstToken.id }).first('revoked_at')).revoked_at, 'the first deployment’s token revoked');
  t.equal(Number((await knex('pool_tokens').whereNotNull('job_id').whereNull('revoked_at').count<{ c: string }[]>('* as c'))[0]!.c), 1, 'one token stands for the Tendrils');

  // Destroy, --json: the finished job.
  t.equal((await g(['pools', 'destroy-worker', 'ci', '--count', '3'])).code, EXIT.USAGE, 'destroy-worker takes no settings');
  const destroyed = await g(['pools', 'destroy-worker', 'ci', '--json']);
  t.equal(destroyed.code, 0, `destroyed ${destroyed.stderr}`);
  const done = JSON.parse(destroyed.stdout) as { type: string; status: string };
  t.match(done, { type: 'DESTROY_WORKER', status: 'SUCCESS' }, '--json: the finished DESTROY_WORKER');
  t.equal(Number((await knex('pool_tokens').whereNotNull('job_id').whereNull('revoked_at').count<{ c: string }[]>('* as c'))[0]!.c), 0, 'every token a deployment minted is revoked');
});
