/**
 * The AWS role assumer Terraform runs use (targets.ts): src/cloud's AssumeRole against the AWS
 * fake, with the identity's keys or the Tendril's own credentials, for one hour; what the target
 * hands Terraform; and the refusals as CloudCheckErrors.
 */
import t from 'tap';
import { CloudCheckError } from '../../src/cloud/index.js';
import { createAwsRoleAssumer } from '../../src/runner/aws-role.js';
import { setAwsRoleAssumer, TARGETS } from '../../src/runner/targets.js';
import type { JobIdentity } from '../../src/runner/store.js';
import { awsTestUser, startAwsFake } from '../cloud/fakes/aws.js';
import { assertLoopbackOnly, guardFile } from '../cloud/helpers.js';

const guard = guardFile(t);
const ROLE = 'arn:aws:iam::444455556666:role/deployer';

function identity(url: string, config: Record<string, unknown>, credentials: Record<string, string> | null): JobIdentity {
  return { id: '00000000-0000-4000-8000-000000000001', name: 'prod', provider: 'aws', config: { region: 'eu-west-1', role_arn: ROLE, endpoint: url, ...config }, credentials };
}

t.test("the Tendril's own credentials assume the role; Terraform gets the session, never the long-lived keys", async (t) => {
  const tendril = awsTestUser({ arn: 'arn:aws:iam::111122223333:user/tendril' });
  const f = await startAwsFake({ users: [tendril], roles: [{ arn: ROLE, trusts: ['arn:aws:iam::111122223333:root'], externalId: 'ext-42' }] });
  t.teardown(() => f.close());
  const saved = { ...process.env };
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: tendril.accessKeyId, AWS_SECRET_ACCESS_KEY: tendril.secretAccessKey, AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: '/nonexistent/c', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/s' });
  t.teardown(() => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  });
  setAwsRoleAssumer(createAwsRoleAssumer({ timeoutMs: 2000 }));
  t.teardown(() => setAwsRoleAssumer(undefined));

  const access = await TARGETS.aws.access(identity(f.url, { external_id: 'ext-42' }, null));
  const session = f.sessions[0]!;
  t.same(
    { id: access.env.AWS_ACCESS_KEY_ID, secret: access.env.AWS_SECRET_ACCESS_KEY, token: access.env.AWS_SESSION_TOKEN },
    { id: session.accessKeyId, secret: session.secretAccessKey, token: session.sessionToken },
    "Terraform's environment holds the role's session",
  );
  t.ok(access.secrets.includes(session.secretAccessKey) && access.secrets.includes(session.sessionToken), 'and the session is redacted from its logs');
  t.equal(access.env.AWS_ENDPOINT_URL, f.url, 'the endpoint goes to Terraform too');
  const form = new URLSearchParams(f.requests[0]!.body);
  t.same([f.routes()[0], form.get('RoleArn'), form.get('ExternalId'), form.get('DurationSeconds')], ['sts:AssumeRole', ROLE, 'ext-42', '3600'], 'AssumeRole for one hour with the external id');
  t.match(f.requests[0]!.headers.authorization, new RegExp(`Credential=${tendril.accessKeyId}/`), "signed with the Tendril's key");
});

t.test('a refusal is a CloudCheckError with its one sentence', async (t) => {
  const user = awsTestUser();
  const f = await startAwsFake({ users: [user], roles: [{ arn: ROLE, trusts: ['arn:aws:iam::999999999999:root'] }] });
  t.teardown(() => f.close());
  const assume = createAwsRoleAssumer({ timeoutMs: 2000 });
  const err = await assume(identity(f.url, {}, { access_key_id: user.accessKeyId, secret_access_key: user.secretAccessKey })).catch((e: unknown) => e);
  t.ok(err instanceof CloudCheckError, 'a CloudCheckError');
  t.equal((err as CloudCheckError).code, 'role_not_assumable');
  t.equal((err as Error).message, `AWS refused to let ${user.arn} assume role ${ROLE}: allow it in the role's trust policy (and sts:AssumeRole on the role in the caller's policy), or set the external id on the identity if the trust policy requires one.`);
  t.notOk((err as Error).message.includes(user.secretAccessKey), 'no secret in it');
});

t.test('no connection left the machine', async (t) => assertLoopbackOnly(t, guard));
