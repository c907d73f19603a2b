/**
 * Grape's identity commands, the real binary against a real Trellis with a Tendril and the AWS and
 * Azure fakes: add, test (waits; exit 1 with the failure sentence, exit 0 with the account),
 * discover, resources (a table, one kind, JSON), and no secret printed.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { signupWithToken } from '../api/helpers.js';
import { grape, startServer, type Run } from './helpers.js';
import { startTestTendril } from '../tendril/harness.js';
import { awsTestUser, startAwsFake } from '../cloud/fakes/aws.js';
import { azureTestTenant, startAzureFake } from '../cloud/fakes/azure.js';

t.test('grape identities add / test / discover / resources', { timeout: 180_000 }, async (t) => {
  const env0 = { VINTNER_SECRET_KEY: randomBytes(32).toString('base64') };
  const server = await startServer(t, env0);
  await startTestTendril(t, server.db, env0);
  const ada = await signupWithToken(server.app);
  const env = { VINTNER_URL: server.url, VINTNER_TOKEN: ada.token, HOME: t.testdir({}) };
  const user = awsTestUser();
  const fake = await startAwsFake({
    users: [user],
    vpcs: [{ id: 'vpc-0shop', cidr: '10.20.0.0/16', name: 'shop' }, { id: 'vpc-0def', cidr: '172.31.0.0/16', isDefault: true }],
    subnets: [{ id: 'subnet-0a', vpcId: 'vpc-0shop', cidr: '10.20.1.0/24', az: 'eu-west-1a', name: 'shop-a', public: true }, { id: 'subnet-0b', vpcId: 'vpc-0shop', cidr: '10.20.2.0/24', az: 'eu-west-1b' }],
    zones: [{ id: 'Z0PUB', name: 'shop.example.com', records: 5 }],
  });
  t.teardown(() => fake.close());
  const runs: Run[] = [];
  const g = async (args: string[]) => {
    const r = await grape(args, env);
    runs.push(r);
    return r;
  };
  const wrong = `${user.secretAccessKey}-typo`;

  const add = await g(['identities', 'add', 'typo', '--provider', 'aws', '--region', 'eu-west-1', '--access-key-id', user.accessKeyId, '--secret-access-key', wrong, '--endpoint', fake.url]);
  t.equal(add.code, 0, `added ${add.stderr}`);
  const failed = await g(['identities', 'test', 'typo']);
  t.equal(failed.code, 1, 'a failed test: exit 1');
  const sentence = `AWS rejected the signature made with the access key ${user.accessKeyId.slice(0, 4)}…${user.accessKeyId.slice(-4)}: the secret access key is wrong; paste the secret that belongs to this key id, or create a new access key in IAM.`;
  t.match(failed.stderr, `✘ typo: ${sentence}\n`, 'with the failure sentence');
  t.equal(failed.stdout, '', 'nothing on stdout');
  const failedJson = await g(['identities', 'test', 'typo', '--json']);
  t.equal(failedJson.code, 1, '--json: exit 1 as well');
  const fj = JSON.parse(failedJson.stdout);
  t.match(fj, { job: { type: 'CONNECTION_TEST', status: 'FAILED', error: sentence }, identity: { name: 'typo', last_test_status: 'FAILED', last_test_message: sentence } }, 'the job and the identity');

  const home = env.HOME;
  writeFileSync(join(home, 'prod.json'), JSON.stringify({ provider: 'aws', region: 'eu-west-1', access_key_id: user.accessKeyId, secret_access_key: user.secretAccessKey, endpoint: fake.url }));
  t.equal((await g(['identities', 'add', 'prod', '-f', join(home, 'prod.json')])).code, 0, 'secrets from a file');
  const ok = await g(['identities', 'test', 'prod']);
  t.equal(ok.code, 0, `a successful test: exit 0 ${ok.stderr}`);
  t.equal(ok.stdout, `✔ prod: Connected to AWS account 111122223333 as ${user.arn}; region eu-west-1 is available.\n  discovered 2 networks · 2 subnets · 1 DNS zone (grape identities resources prod)\n`, 'the summary and what it found');
  const okJson = JSON.parse((await g(['identities', 'test', 'prod', '--json'])).stdout);
  t.match(okJson, { job: { status: 'SUCCESS', result: { details: { account_id: '111122223333', arn: user.arn } } }, identity: { last_test_status: 'SUCCESS', discovery: { resources: 5, stale: false } } }, '--json: the report details');
  const logs = await g(['identities', 'test', 'prod', '--logs']);
  t.match(logs.stdout, /AWS STS GetCallerIdentity: account 111122223333/, '--logs shows the job log');

  fake.state.zones.push({ id: 'Z0PRIV', name: 'corp.internal', private: true });
  const disc = await g(['identities', 'discover', 'prod']);
  t.equal(disc.code, 0);
  t.equal(disc.stdout, '✔ prod: discovered 2 networks · 2 subnets · 2 DNS zones (grape identities resources prod)\n');
  const queued = await g(['identities', 'discover', 'prod', '--no-wait', '--json']);
  t.equal(JSON.parse(queued.stdout).type, 'FETCH_RESOURCES', '--no-wait: the queued job');

  const table = await g(['identities', 'resources', 'prod']);
  t.equal(table.code, 0);
  const lines = table.stdout.trimEnd().split('\n');
  t.match(lines[0], /^KIND\s+NAME\s+ID\s+CIDR \/ DOMAIN\s+WHERE\s+DETAILS$/, 'a table');
  t.ok(lines.some((l) => /^network\s+shop\s+vpc-0shop\s+10\.20\.0\.0\/16\s+eu-west-1\s+-$/.test(l)), 'a network with its CIDR and region');
  t.ok(lines.some((l) => /^network\s+-\s+vpc-0def\s+172\.31\.0\.0\/16\s+eu-west-1\s+default$/.test(l)), 'the default VPC');
  t.ok(lines.some((l) => /^subnet\s+shop-a\s+subnet-0a\s+10\.20\.1\.0\/24\s+eu-west-1a\s+in vpc-0shop, public$/.test(l)), 'a subnet with its zone');
  t.ok(lines.some((l) => /^dns_zone\s+corp\.internal\s+Z0PRIV\s+corp\.internal\s+global\s+private, 2 records$/.test(l)), 'a private zone');
  t.match(table.stderr, /^Discovered \d+ s ago: 2 networks · 2 subnets · 2 DNS zones\n$/, 'when, on stderr');
  const subnets = await g(['identities', 'resources', 'prod', '--kind', 'subnet', '--json']);
  t.same(JSON.parse(subnets.stdout).map((r: { external_id: string }) => r.external_id).sort(), ['subnet-0a', 'subnet-0b'], '--kind subnet --json');
  const badKind = await g(['identities', 'resources', 'prod', '--kind', 'vpc']);
  t.equal(badKind.code, 2, 'an unknown kind: exit 2');
  t.match(badKind.stderr, /kind/);
  const none = await g(['identities', 'resources', 'typo']);
  t.match(none.stderr, /typo has not discovered its resources yet: grape identities discover typo/);
  const list = await g(['identities']);
  t.match(list.stdout, /prod\s+aws\s+eu-west-1 http:\/\/127\.0\.0\.1:\d+\s+-\s+stored\s+SUCCESS \d+ s ago\s+6 \d+ s ago/, 'the list shows the last test and the resources');

  // grape plant: an id discovery has seen is taken quietly; one it has not is accepted with a warning.
  t.equal((await g(['vineyards', 'create', 'acme'])).code, 0);
  writeFileSync(join(home, 'vine.json'), JSON.stringify({ name: 'shop', stage: 'development', identity: 'prod', network: { existing_network_id: 'vpc-0shop' } }));
  const adopted = await g(['plant', '-f', join(home, 'vine.json')]);
  t.equal(adopted.code, 0, `planted ${adopted.stderr}`);
  t.notMatch(adopted.stderr, /warning/, 'a discovered network: no warning');
  writeFileSync(join(home, 'vine.json'), JSON.stringify({ name: 'shop', stage: 'development', identity: 'prod', network: { existing_network_id: 'vpc-0new' } }));
  const warned = await g(['plant', '-f', join(home, 'vine.json')]);
  t.equal(warned.code, 0, 'an unseen id is accepted: exit 0');
  t.match(warned.stderr, 'warning: network.existing_network_id: "vpc-0new" is not among the 2 networks identity "prod" last discovered: it is kept as given; check the id, or discover again if it is new\n', 'with the warning on stderr');
  t.match(warned.stdout, /Updated acme\/shop \(development\):\n  ~ network\/network  \(existing_network_id\)/, 'and the change');

  // Azure: another provider's failure sentence, through the same command.
  const az = azureTestTenant();
  const sub = randomUUID();
  const azure = await startAzureFake({ tenants: [az.tenant], subscriptions: [{ id: sub, tenantId: az.tenant.id, name: 'Old', state: 'Disabled', readers: [az.app.clientId] }] });
  t.teardown(() => azure.close());
  writeFileSync(join(home, 'az.json'), JSON.stringify({ provider: 'azure', tenant_id: az.tenant.id, client_id: az.app.clientId, client_secret: az.secret, subscription_id: sub, region: 'westeurope', endpoint: azure.url }));
  t.equal((await g(['identities', 'add', 'old-sub', '-f', join(home, 'az.json')])).code, 0);
  const disabled = await g(['identities', 'test', 'old-sub']);
  t.equal(disabled.code, 1);
  t.equal(disabled.stderr.split('\n').filter((l) => l.startsWith('✘')).join('\n'), `✘ old-sub: Azure subscription 'Old' (${sub}) is Disabled: re-enable it in the portal (Subscriptions → Reactivate), or choose another subscription.`);

  const printed = runs.map((r) => r.stdout + r.stderr).join('\n');
  for (const s of [user.secretAccessKey, wrong, az.secret, ...fake.sessions.map((x) => x.secretAccessKey)]) t.notOk(printed.includes(s), 'no secret printed');
});
