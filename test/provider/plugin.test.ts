/**
 * The plugin as Terraform's go-plugin client sees it: magic cookie, AutoMTLS, the handshake
 * line, the health check, tfplugin6 over gRPC (read back with @grpc/grpc-js and protobufjs from
 * proto/*.proto: an independent check of the hand-written protobuf), shutdown. Then a real
 * Terraform reading the schemas it serves.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import t from 'tap';
import type { Schema } from './cdktf-schema.js';
import { decodeValue, encodeValue, impliedType, Unknown, type ObjectValue } from './cty.js';
import { copyModule, createProviderMirror, runTerraform, terraformEnv, type ProviderMirror } from './harness.js';
import { selfSignedCert } from './x509.js';

const COOKIE = 'd602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2';
const PROTO = join(import.meta.dirname, 'proto');

let mirror: ProviderMirror;
const scratch = mkdtempSync(join(tmpdir(), 'vintner-plugin-test-'));
t.before(async () => {
  mirror = await createProviderMirror();
});
t.teardown(() => {
  mirror?.remove();
  rmSync(scratch, { recursive: true, force: true });
});

const executable = (name: string) =>
  join(mirror.dir, 'providers/registry.terraform.io/hashicorp', name, mirror.providers[name]!, `linux_${process.arch === 'x64' ? 'amd64' : process.arch}`, `terraform-provider-${name}_v${mirror.providers[name]}`);

interface Started {
  child: ChildProcess;
  line: string;
  ms: number;
  exit: Promise<number | null>;
}

/** Starts a plugin as go-plugin does and waits for its handshake line. */
function startPlugin(name: string, env: Record<string, string>): Promise<Started> {
  const started = performance.now();
  const child = spawn(executable(name), [], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve({ child, line: out.split('\n')[0]!, ms: Math.round(performance.now() - started), exit });
    });
    child.once('exit', (code) => reject(Object.assign(new Error(`plugin exited (${code}) before its handshake: ${err}`), { code, stderr: err })));
  });
}

const loaded = protoLoader.loadSync(['tfplugin6.proto', 'go-plugin.proto', 'health.proto'].map((f) => join(PROTO, f)), {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
});
const pkg = grpc.loadPackageDefinition(loaded) as unknown as {
  tfplugin6: { Provider: grpc.ServiceClientConstructor };
  plugin: { GRPCController: grpc.ServiceClientConstructor };
  grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } };
};

type Call = (req: object) => Promise<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
function unary(client: grpc.Client, method: string): Call {
  return (req) =>
    new Promise((resolve, reject) => {
      (client as unknown as Record<string, (r: object, cb: (e: Error | null, v: unknown) => void) => void>)[method]!(req, (e, v) =>
        e ? reject(e) : resolve(v as Record<string, unknown>),
      );
    });
}

t.test('handshake, AutoMTLS, health, schema, plan and shutdown, as go-plugin and Terraform do them', async (t) => {
  const client = selfSignedCert('localhost');
  const p = await startPlugin('aws', {
    TF_PLUGIN_MAGIC_COOKIE: COOKIE,
    PLUGIN_PROTOCOL_VERSIONS: '5,6',
    PLUGIN_CLIENT_CERT: client.certPem,
    PLUGIN_UNIX_SOCKET_DIR: scratch,
  });
  t.comment(`plugin start to handshake: ${p.ms} ms`);
  const parts = p.line.split('|');
  t.same(parts.slice(0, 3), ['1', '6', 'unix'], 'core protocol 1, app protocol 6, unix socket');
  t.equal(parts[4], 'grpc');
  t.ok(parts[3]!.startsWith(`${scratch}/plugin`) && existsSync(parts[3]!), 'the socket is in PLUGIN_UNIX_SOCKET_DIR');
  t.notMatch(parts[5], /=/, 'the certificate is unpadded base64 (Go’s RawStdEncoding)');
  const serverCert = new X509Certificate(Buffer.from(parts[5]!, 'base64'));
  t.equal(serverCert.checkHost('localhost'), 'localhost', 'valid for the name Terraform checks');
  t.ok(serverCert.verify(serverCert.publicKey), 'self-signed');

  const creds = grpc.credentials.createSsl(Buffer.from(serverCert.toString()), Buffer.from(client.keyPem), Buffer.from(client.certPem));
  const opts = { 'grpc.ssl_target_name_override': 'localhost', 'grpc.default_authority': 'localhost' };
  const address = `unix://${parts[3]}`;
  const health = new pkg.grpc.health.v1.Health(address, creds, opts);
  const provider = new pkg.tfplugin6.Provider(address, creds, opts);
  const controller = new pkg.plugin.GRPCController(address, creds, opts);
  t.teardown(() => {
    health.close();
    provider.close();
    controller.close();
    p.child.kill('SIGKILL');
  });

  t.same(await unary(health, 'Check')({ service: 'plugin' }), { status: 'SERVING' }, 'health check as go-plugin pings it');

  const schema = await unary(provider, 'GetProviderSchema')({});
  t.same(schema.diagnostics, []);
  t.equal(schema.server_capabilities.plan_destroy, true);
  t.equal(schema.server_capabilities.get_provider_schema_optional, true);
  const vpc = schema.resource_schemas.aws_vpc.block;
  const cidr = vpc.attributes.find((a: { name: string }) => a.name === 'cidr_block');
  t.equal(cidr.type.toString(), '"string"', 'attribute types are cty type JSON');
  t.same([cidr.optional, cidr.computed, cidr.required], [true, true, false]);
  const sg = schema.resource_schemas.aws_security_group.block;
  t.same(sg.block_types.map((b: { type_name: string; nesting: string }) => [b.type_name, b.nesting]), [['timeouts', 'SINGLE']]);
  const region = schema.provider.block.attributes.find((a: { name: string }) => a.name === 'region');
  t.ok(region.optional, 'the provider’s own configuration schema');
  t.ok(schema.data_source_schemas.aws_availability_zones, 'data sources too');

  const served = JSON.parse(readFileSync(join(import.meta.dirname, 'schemas/aws.json'), 'utf8')) as { resource_schemas: Record<string, Schema> };
  const ty = impliedType(served.resource_schemas.aws_vpc!.block);
  const config: ObjectValue = Object.fromEntries(Object.keys((ty as [string, Record<string, unknown>])[1]).map((k) => [k, null]));
  config.cidr_block = '10.0.0.0/16';
  const plan = await unary(provider, 'PlanResourceChange')({
    type_name: 'aws_vpc',
    prior_state: { msgpack: encodeValue(null, ty) },
    proposed_new_state: { msgpack: encodeValue(config, ty) },
    config: { msgpack: encodeValue(config, ty) },
  });
  t.same(plan.diagnostics, []);
  const planned = decodeValue(plan.planned_state.msgpack, ty) as ObjectValue;
  t.equal(planned.cidr_block, '10.0.0.0/16', 'configured value kept');
  t.ok(planned.id instanceof Unknown && planned.arn instanceof Unknown, 'computed values unknown at plan');

  const bad = await unary(provider, 'PlanResourceChange')({ type_name: 'aws_nope', config: { msgpack: Buffer.from([0xc0]) } });
  t.match(bad.diagnostics[0], { severity: 'ERROR', summary: /aws_nope is not in the offline schema/ }, 'a failure is a diagnostic, not a crash');

  const unimplemented = await new Promise<grpc.ServiceError>((resolve) =>
    provider.makeUnaryRequest('/tfplugin6.Provider/GetResourceIdentitySchemas', (x: Buffer) => x, (x: Buffer) => x, Buffer.alloc(0), (e) => resolve(e!)),
  );
  t.equal(unimplemented.code, grpc.status.UNIMPLEMENTED, 'an RPC it does not serve answers UNIMPLEMENTED');

  const stranger = selfSignedCert('localhost');
  const wrongCreds = grpc.credentials.createSsl(Buffer.from(serverCert.toString()), Buffer.from(stranger.keyPem), Buffer.from(stranger.certPem));
  const intruder = new pkg.grpc.health.v1.Health(address, wrongCreds, opts);
  await t.rejects(unary(intruder, 'Check')({ service: 'plugin' }), 'a client without Terraform’s certificate is refused');
  intruder.close();

  await unary(controller, 'Shutdown')({});
  t.equal(await p.exit, 0, 'GRPCController/Shutdown ends the process');
  t.notOk(existsSync(parts[3]!), 'and removes its socket');
});

t.test('started by hand (no magic cookie) it says what it is and exits', async (t) => {
  const err = (await startPlugin('google', {}).catch((e: Error & { code: number; stderr: string }) => e)) as Error & { code: number; stderr: string };
  t.equal(err.code, 1);
  t.match(err.stderr, /This binary is a plugin/);
});

t.test('a real Terraform installs the mirror’s providers and reads the schemas they serve', async (t) => {
  const { root, workDir } = copyModule(join(import.meta.dirname, 'fixtures/network'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const env = terraformEnv(mirror, workDir);
  // `providers schema` wants an initialised backend: a local one instead of the module's pg
  writeFileSync(join(workDir, 'override.tf'), 'terraform {\n  backend "local" {}\n}\n');
  const init = await runTerraform(['init', '-input=false', '-no-color'], workDir, env);
  t.equal(init.code, 0, 'init succeeds offline');
  t.match(init.stdout, /Installed hashicorp\/aws v6\.66\.0/);
  t.comment(`terraform init: ${init.ms} ms`);
  const lock = readFileSync(join(workDir, '.terraform.lock.hcl'), 'utf8');
  for (const p of ['aws" {\n  version     = "6.66.0"', 'google" {\n  version     = "6.50.0"', 'azurerm" {\n  version     = "4.73.0"', 'random" {\n  version     = "3.7.2"']) {
    t.ok(lock.includes(p), `lock file pins ${p.split('"')[0]}`);
  }
  const schemaCmd = await runTerraform(['providers', 'schema', '-json'], workDir, env);
  t.equal(schemaCmd.code, 0, schemaCmd.stderr);
  t.comment(`terraform providers schema -json: ${schemaCmd.ms} ms`);
  const all = JSON.parse(schemaCmd.stdout) as { provider_schemas: Record<string, { resource_schemas: Record<string, Schema> }> };
  const aws = all.provider_schemas['registry.terraform.io/hashicorp/aws']!;
  t.same(aws.resource_schemas.aws_security_group!.block.attributes!.ingress!.type, [
    'set',
    ['object', { cidr_blocks: ['list', 'string'], description: 'string', from_port: 'number', ipv6_cidr_blocks: ['list', 'string'], prefix_list_ids: ['list', 'string'], protocol: 'string', security_groups: ['set', 'string'], self: 'bool', to_port: 'number' }],
  ], 'Terraform sees the types as served');
  t.ok(all.provider_schemas['registry.terraform.io/hashicorp/azurerm']!.resource_schemas.azurerm_resource_group, 'every provider of the module');
});
