/**
 * A schema-only Terraform provider: `node plugin.cjs <schema.json>`.
 *
 * Terraform starts it as it starts any provider plugin (go-plugin): it checks the magic cookie,
 * serves gRPC (tfplugin6, plus go-plugin's health and controller services) on a unix socket with
 * mutual TLS (AutoMTLS: Terraform's certificate arrives in PLUGIN_CLIENT_CERT, ours goes back in
 * the handshake line), and prints `1|6|unix|<socket>|grpc|<cert>` on stdout.
 *
 * It answers with the schema in `<schema.json>` (written by scripts/provider-schemas.ts), so
 * Terraform's own validation is real. Plans and applies are simulated (mock-values.ts): nothing
 * is called, nothing leaves the machine.
 *
 * Start-up time matters: Terraform starts every provider once to read its schema and once more
 * for the command's walk, one after the other. So the harness bundles this file (esbuild, one
 * CommonJS file: no loader, no module resolution), and it speaks gRPC and protobuf with a few
 * hand-written lines (grpc-server.ts, protobuf.ts) instead of loading @grpc/grpc-js and parsing
 * .proto files, which took ~150 ms of a ~250 ms start.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AttributeSchema, BlockSchema, Schema } from './cdktf-schema.js';
import { decodeValue, encodeValue, fromJson, impliedType, isObject, type ObjectValue, type Value } from './cty.js';
import { applyResourceChange, planResourceChange, readDataSource, type MockContext } from './mock-values.js';
import { createGrpcServer, type UnaryHandler } from './grpc-server.js';
import { decode, encode, HEALTH_SERVING, RPC } from './protobuf.js';
import { selfSignedCert } from './x509.js';

const MAGIC_COOKIE_KEY = 'TF_PLUGIN_MAGIC_COOKIE';
const MAGIC_COOKIE_VALUE = 'd602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2';
const DEFAULT_REGION: Record<string, string> = { aws: 'eu-west-1', google: 'europe-west1', azurerm: 'westeurope' };

interface SchemaFile {
  provider: string;
  provider_schema: Schema;
  resource_schemas: Record<string, Schema>;
  data_source_schemas: Record<string, Schema>;
}

interface DynamicValue {
  msgpack?: Buffer;
  json?: Buffer;
}

type Diag = { severity: number; summary: string; detail?: string };

const NESTING: Record<string, number> = { single: 1, list: 2, set: 3, map: 4, group: 5 };

function protoAttribute(name: string, a: AttributeSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name,
    required: !!a.required,
    optional: !!a.optional,
    computed: !!a.computed,
    sensitive: !!a.sensitive,
    write_only: !!a.write_only,
  };
  if (a.nested_type) {
    out.nested_type = {
      nesting: NESTING[a.nested_type.nesting_mode],
      attributes: Object.entries(a.nested_type.attributes)
        .sort(([x], [y]) => x.localeCompare(y))
        .map(([n, x]) => protoAttribute(n, x)),
    };
  } else out.type = Buffer.from(JSON.stringify(a.type));
  return out;
}

function protoBlock(b: BlockSchema): Record<string, unknown> {
  return {
    attributes: Object.entries(b.attributes ?? {})
      .sort(([x], [y]) => x.localeCompare(y))
      .map(([n, a]) => protoAttribute(n, a)),
    block_types: Object.entries(b.block_types ?? {})
      .sort(([x], [y]) => x.localeCompare(y))
      .map(([n, bt]) => ({
        type_name: n,
        nesting: NESTING[bt.nesting_mode],
        min_items: bt.min_items ?? 0,
        max_items: bt.max_items ?? 0,
        block: protoBlock(bt.block),
      })),
  };
}

const protoSchema = (s: Schema) => ({ version: s.version, block: protoBlock(s.block) });

export function createProvider(file: SchemaFile) {
  const provider = file.provider;
  const types = new Map<string, ReturnType<typeof impliedType>>();
  const typeOf = (key: string, s: Schema) => {
    let t = types.get(key);
    if (!t) types.set(key, (t = impliedType(s.block)));
    return t;
  };
  const resource = (name: string) => {
    const s = file.resource_schemas[name];
    if (!s) throw new Error(`resource type ${name} is not in the offline schema of ${provider} (re-run scripts/provider-schemas.ts)`);
    return { schema: s, type: typeOf(`r:${name}`, s) };
  };
  const dataSource = (name: string) => {
    const s = file.data_source_schemas[name];
    if (!s) throw new Error(`data source ${name} is not in the offline schema of ${provider} (re-run scripts/provider-schemas.ts)`);
    return { schema: s, type: typeOf(`d:${name}`, s) };
  };
  let region = DEFAULT_REGION[provider] ?? 'local';
  const ctx = (typeName: string): MockContext => ({ provider, typeName, region });
  const dv = (v: Value, t: ReturnType<typeof impliedType>) => ({ msgpack: encodeValue(v, t) });
  const read = (d: DynamicValue | undefined, t: ReturnType<typeof impliedType>): Value => {
    if (d?.msgpack?.length) return decodeValue(d.msgpack, t);
    if (d?.json?.length) return fromJson(JSON.parse(d.json.toString('utf8')), t);
    return null;
  };

  const schemaResponse = {
    provider: protoSchema(file.provider_schema),
    resource_schemas: Object.fromEntries(Object.entries(file.resource_schemas).map(([k, s]) => [k, protoSchema(s)])),
    data_source_schemas: Object.fromEntries(Object.entries(file.data_source_schemas).map(([k, s]) => [k, protoSchema(s)])),
    server_capabilities: { plan_destroy: true, get_provider_schema_optional: true, move_resource_state: false },
    functions: {},
    diagnostics: [],
  };

  type Req = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const handlers: Record<string, (req: Req) => Record<string, unknown>> = {
    GetMetadata: () => ({
      server_capabilities: schemaResponse.server_capabilities,
      resources: Object.keys(file.resource_schemas).map((type_name) => ({ type_name })),
      data_sources: Object.keys(file.data_source_schemas).map((type_name) => ({ type_name })),
      diagnostics: [],
    }),
    GetProviderSchema: () => schemaResponse,
    GetFunctions: () => ({ functions: {}, diagnostics: [] }),
    ValidateProviderConfig: () => ({ diagnostics: [] }),
    ValidateResourceConfig: () => ({ diagnostics: [] }),
    ValidateDataResourceConfig: () => ({ diagnostics: [] }),
    ConfigureProvider: (req) => {
      const t = typeOf('provider', file.provider_schema);
      const config = read(req.config, t);
      if (isObject(config) && typeof config.region === 'string') region = config.region;
      return { diagnostics: [] };
    },
    StopProvider: () => ({ Error: '' }),
    UpgradeResourceState: (req) => {
      const { type } = resource(req.type_name);
      const raw = req.raw_state as { json?: Buffer; flatmap?: Record<string, string> } | undefined;
      if (!raw?.json?.length) {
        if (raw?.flatmap && Object.keys(raw.flatmap).length) throw new Error('legacy flatmap state is not supported');
        return { upgraded_state: dv(null, type), diagnostics: [] };
      }
      return { upgraded_state: dv(fromJson(JSON.parse(raw.json.toString('utf8')), type), type), diagnostics: [] };
    },
    ReadResource: (req) => {
      const { type } = resource(req.type_name);
      return { new_state: dv(read(req.current_state, type), type), private: req.private, diagnostics: [] };
    },
    PlanResourceChange: (req) => {
      const { schema, type } = resource(req.type_name);
      const prior = read(req.prior_state, type);
      const proposed = read(req.proposed_new_state, type);
      return {
        planned_state: dv(planResourceChange(schema, prior, proposed), type),
        requires_replace: [],
        planned_private: req.prior_private,
        diagnostics: [],
      };
    },
    ApplyResourceChange: (req) => {
      const { schema, type } = resource(req.type_name);
      const planned = read(req.planned_state, type);
      return { new_state: dv(applyResourceChange(ctx(req.type_name), schema, planned), type), private: req.planned_private, diagnostics: [] };
    },
    ImportResourceState: (req) => {
      const { type } = resource(req.type_name);
      const attrs = (type as [string, Record<string, unknown>])[1];
      const state: ObjectValue = Object.fromEntries(Object.keys(attrs).map((k) => [k, null]));
      if ('id' in attrs) state.id = req.id;
      return { imported_resources: [{ type_name: req.type_name, state: dv(state, type) }], diagnostics: [] };
    },
    MoveResourceState: () => {
      throw new Error('moving resource state between types is not supported by the test provider');
    },
    ReadDataSource: (req) => {
      const { schema, type } = dataSource(req.type_name);
      const config = read(req.config, type);
      return { state: dv(readDataSource(ctx(req.type_name), schema, config), type), diagnostics: [] };
    },
  };

    return handlers;
}

/** The gRPC methods: every tfplugin6 RPC through its protobuf codec; failures become diagnostics. */
export function providerRoutes(file: SchemaFile): Map<string, UnaryHandler> {
  const handlers = createProvider(file);
  const routes = new Map<string, UnaryHandler>();
  for (const [name, h] of Object.entries(handlers)) {
    const rpc = RPC[name]!;
    routes.set(`/tfplugin6.Provider/${name}`, (body) => {
      let res: Record<string, unknown>;
      try {
        res = h(decode(rpc.req, body));
      } catch (err) {
        const e = err as Error;
        const summary = `test provider (${file.provider}): ${e.message}`;
        res = name === 'StopProvider' ? { Error: e.message } : { diagnostics: [{ severity: 1, summary, detail: e.stack ?? '' }] };
      }
      return encode(rpc.res, res);
    });
  }
  routes.set('/grpc.health.v1.Health/Check', () => HEALTH_SERVING);
  return routes;
}

function main(): void {
  const [schemaPath] = process.argv.slice(2);
  if (!schemaPath) {
    process.stderr.write('usage: plugin <schema.json>\n');
    process.exit(2);
  }
  if (process.env[MAGIC_COOKIE_KEY] !== MAGIC_COOKIE_VALUE) {
    process.stderr.write(
      'This binary is a plugin. These are not meant to be executed directly.\n' +
        'Please execute the program that consumes these plugins, which will\n' +
        'load any plugins automatically\n',
    );
    process.exit(1);
  }
  const versions = (process.env.PLUGIN_PROTOCOL_VERSIONS ?? '6').split(',').map((s) => s.trim());
  if (!versions.includes('6')) {
    process.stderr.write(`test provider: speaks protocol 6 only, the client offers ${versions.join(',')}\n`);
    process.exit(1);
  }
  const file = JSON.parse(readFileSync(schemaPath, 'utf8')) as SchemaFile;
  const routes = providerRoutes(file);
  const socket = join(process.env.PLUGIN_UNIX_SOCKET_DIR || tmpdir(), `plugin${randomBytes(6).toString('hex')}`);
  let server: ReturnType<typeof createGrpcServer> | undefined;
  const stop = (code: number) => {
    rmSync(socket, { force: true });
    server?.close();
    process.exit(code);
  };
  routes.set('/plugin.GRPCController/Shutdown', () => {
    setTimeout(() => stop(0), 5);
    return Buffer.alloc(0);
  });
  // Like go-plugin's servers: interrupts are Terraform's to handle (it calls StopProvider).
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => stop(0));
  // Never outlive the Terraform that started us.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) stop(0);
  }, 1000).unref();

  const clientCert = process.env.PLUGIN_CLIENT_CERT;
  const cert = clientCert ? selfSignedCert('localhost') : undefined;
  server = createGrpcServer(routes, cert ? { key: cert.keyPem, cert: cert.certPem, clientCa: clientCert } : {});
  server.on('error', (err: Error) => {
    process.stderr.write(`test provider: cannot listen on ${socket}: ${err.message}\n`);
    process.exit(1);
  });
  server.listen(socket, () => {
    // go-plugin reads the certificate as unpadded standard base64 of its DER
    const certPart = cert ? cert.certDer.toString('base64').replace(/=+$/, '') : '';
    process.stdout.write(`1|6|unix|${socket}|grpc|${certPart}\n`);
  });
}

// Run when started as a program (the bundle, or tsx), not when imported by tests.
const entry = process.argv[1] ?? '';
if (/plugin\.(c?js|ts)$/.test(entry)) main();
