/**
 * `npx tsx scripts/provider-schemas.ts [--pack-dir DIR] [--check]`
 *
 * Writes `test/provider/schemas/<provider>.json` for the seven providers the Terraform targets may
 * use (aws, google, azurerm, helm, kubernetes, random, tls): each provider's configuration schema
 * plus the schemas of the resource and data-source types that the modules actually use. The
 * schema-only provider plugin (`test/provider/plugin.ts`) serves these files to a real Terraform,
 * offline, so `terraform validate`, `terraform test` and plan/apply work with no registry.
 *
 * Where the schemas come from: the prebuilt cdktf/cdktn provider packages pinned below (generated
 * from those providers' real schemas). They are `npm pack`ed into a temporary directory (45 MB+
 * each: never dependencies of the project), unpacked there, and only the generated files of the
 * used types are read (`test/provider/cdktf-schema.ts` says how, and what they do not record).
 *
 * Which types are used: every `resource "<type>"`, `data "<type>"`, `provider "<name>"` and
 * `mock_resource`/`mock_data` block in `terraform/**` (`*.tf`, `*.tftest.hcl`) and
 * `test/provider/fixtures/**`. A type that the provider does not have (a typo in a module) stops
 * the script with a message naming the file and line, and nothing is written.
 *
 * Re-run it whenever a module starts using a new type. The output is deterministic (sorted keys,
 * one type per line). `--pack-dir DIR` keeps the packed tarballs in DIR to reuse them on the next
 * run; `--check` writes nothing and exits 1 when a committed file is out of date.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  parseGeneratedSource,
  sourceFromGeneratedJs,
  stableJson,
  type AttributeSchema,
  type BlockSchema,
  type Schema,
} from '../test/provider/cdktf-schema.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT_DIR = join(ROOT, 'test/provider/schemas');

/** The packages, by provider name: generated from these exact provider versions. */
export const PROVIDER_PACKAGES: Record<string, string> = {
  aws: '@cdktn/provider-aws@25.7.0',
  google: '@cdktf/provider-google@16.12.1',
  azurerm: '@cdktn/provider-azurerm@16.1.0',
  helm: '@cdktf/provider-helm@12.1.2',
  kubernetes: '@cdktf/provider-kubernetes@12.1.1',
  random: '@cdktf/provider-random@12.0.1',
  tls: '@cdktf/provider-tls@11.0.1',
};

/**
 * The generated code does not say which attributes are sensitive; these are, in the real
 * providers (`<type>` → attribute paths, `provider` for the provider block). Terraform uses the
 * flag to refuse outputs that expose them without `sensitive = true` and to hide them in plans.
 * A listed path must exist in the schema when its type is used.
 */
export const SENSITIVE: Record<string, Record<string, string[]>> = {
  aws: {
    provider: ['access_key', 'secret_key', 'token'],
    aws_db_instance: ['password'],
    aws_rds_cluster: ['master_password'],
    aws_docdb_cluster: ['master_password'],
    aws_elasticache_replication_group: ['auth_token'],
    aws_secretsmanager_secret_version: ['secret_string', 'secret_binary'],
    aws_iam_access_key: ['secret', 'ses_smtp_password_v4'],
    aws_ssm_parameter: ['value'],
    data_aws_secretsmanager_secret_version: ['secret_string', 'secret_binary'],
    data_aws_eks_cluster_auth: ['token'],
  },
  google: {
    provider: ['access_token', 'credentials'],
    google_sql_user: ['password'],
    google_sql_database_instance: ['root_password'],
    google_secret_manager_secret_version: ['secret_data'],
    google_service_account_key: ['private_key'],
    google_redis_instance: ['auth_string'],
    data_google_client_config: ['access_token'],
    data_google_secret_manager_secret_version: ['secret_data'],
  },
  azurerm: {
    provider: ['client_secret', 'client_certificate_password', 'client_certificate'],
    azurerm_key_vault_secret: ['value'],
    azurerm_postgresql_flexible_server: ['administrator_password'],
    azurerm_mysql_flexible_server: ['administrator_password'],
    azurerm_mssql_server: ['administrator_login_password'],
    azurerm_redis_cache: ['primary_access_key', 'secondary_access_key', 'primary_connection_string', 'secondary_connection_string'],
    azurerm_kubernetes_cluster: ['kube_config', 'kube_config_raw', 'kube_admin_config', 'kube_admin_config_raw'],
    azurerm_storage_account: ['primary_access_key', 'secondary_access_key', 'primary_connection_string', 'secondary_connection_string'],
    azurerm_container_registry: ['admin_password'],
    azurerm_servicebus_namespace: [
      'default_primary_connection_string',
      'default_secondary_connection_string',
      'default_primary_key',
      'default_secondary_key',
    ],
    azurerm_cosmosdb_account: ['primary_key', 'secondary_key', 'primary_readonly_key', 'secondary_readonly_key', 'connection_strings'],
    data_azurerm_key_vault_secret: ['value'],
  },
  helm: { helm_release: ['set_sensitive'] },
  kubernetes: {
    provider: ['password', 'client_key', 'token'],
    kubernetes_secret: ['data', 'binary_data'],
    kubernetes_secret_v1: ['data', 'binary_data'],
  },
  random: { random_password: ['result', 'bcrypt_hash'] },
  tls: { tls_private_key: ['private_key_pem', 'private_key_openssh', 'private_key_pem_pkcs8'] },
};

export interface SchemaFile {
  provider: string;
  source: string;
  version: string;
  package: string;
  provider_schema: Schema;
  resource_schemas: Record<string, Schema>;
  data_source_schemas: Record<string, Schema>;
}

export interface Use {
  kind: 'resource' | 'data';
  type: string;
  file: string;
  line: number;
}

/** Every `.tf` / `.tftest.hcl` file under the given roots (skipping `.terraform`). */
export function moduleFiles(roots: string[]): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    if (!existsSync(d)) return;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name === '.terraform' || e.name === 'node_modules') continue;
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(tf|tftest\.hcl)$/.test(e.name)) out.push(p);
    }
  };
  roots.forEach(walk);
  return out.sort();
}

/** Resource and data-source types named in HCL text (comments stripped first), with their line. */
export function scanHcl(text: string, file: string): { uses: Use[]; providers: Set<string> } {
  // Blank out comments but keep line numbers: /* … */ blocks and whole-line # or // comments.
  const clean = text
    .replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' '))
    .replace(/^\s*(#|\/\/).*$/gm, '');
  const uses: Use[] = [];
  const providers = new Set<string>();
  const lineAt = (i: number) => clean.slice(0, i).split('\n').length;
  const re = /^\s*(resource|data|mock_resource|mock_data|override_resource|provider|mock_provider)\s+"([^"]+)"/gm;
  for (let m = re.exec(clean); m; m = re.exec(clean)) {
    const [, word, name] = m as unknown as [string, string, string];
    if (word === 'provider' || word === 'mock_provider') providers.add(name);
    else if (word !== 'override_resource') {
      uses.push({ kind: word === 'resource' || word === 'mock_resource' ? 'resource' : 'data', type: name, file, line: lineAt(m.index + m[0].indexOf(word)) });
    }
  }
  for (const m of clean.matchAll(/source\s*=\s*"(?:registry\.terraform\.io\/)?hashicorp\/([a-z0-9-]+)"/g)) providers.add(m[1]!);
  return { uses, providers };
}

export const providerOfType = (type: string) => type.split('_')[0]!;

const RESERVED = new Set(['string', 'object', 'function', 'implements', 'interface', 'let', 'package', 'private', 'protected', 'public', 'static', 'yield', 'await', 'license', 'version']);

/** The directory the generator gives a type (`aws_vpc` → `vpc`, data → `data-aws-vpc`). */
export function generatedDir(provider: string, kind: 'resource' | 'data', type: string): string {
  if (kind === 'data') return `data-${type.replace(/_/g, '-')}`;
  let base = type.startsWith(`${provider}_`) ? type.slice(provider.length + 1) : type;
  if (RESERVED.has(base.toLowerCase()) || base === 'provider') base = `${base}_resource`;
  return base.replace(/_/g, '-');
}

function jsFilesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...jsFilesUnder(p));
    else if (e.name.endsWith('.js')) out.push(p);
  }
  return out.sort();
}

/** The TypeScript source of one generated directory (index plus split-out struct files). */
export function generatedSource(dir: string): string {
  return jsFilesUnder(dir)
    .map((f) => readFileSync(f, 'utf8'))
    .filter((js) => /sourceMappingURL=data:/.test(js))
    .map((js, i) => sourceFromGeneratedJs(js, `${dir} (file ${i})`))
    .join('\n');
}

class Unpacked {
  private index?: Map<string, string>;

  constructor(
    readonly provider: string,
    readonly lib: string,
    readonly version: string,
    readonly source: string,
  ) {}

  /** The generated directory of a type, or undefined when the provider has no such type. */
  dirOf(kind: 'resource' | 'data', type: string): string | undefined {
    const guess = join(this.lib, generatedDir(this.provider, kind, type));
    if (existsSync(join(guess, 'index.js')) && this.declares(join(guess, 'index.js'), kind, type)) return guess;
    if (!this.index) {
      // The guess missed (an unusual name): look at every generated class once.
      this.index = new Map();
      for (const d of readdirSync(this.lib)) {
        const f = join(this.lib, d, 'index.js');
        if (!existsSync(f)) continue;
        const js = readFileSync(f, 'utf8');
        const t = /tfResourceType = "([^"]+)"/.exec(js)?.[1];
        const k = /extends cdkt[fn]\.TerraformDataSource\b/.test(js) ? 'data' : /extends cdkt[fn]\.TerraformResource\b/.test(js) ? 'resource' : undefined;
        if (t && k) this.index.set(`${k}:${t}`, join(this.lib, d));
      }
    }
    return this.index.get(`${kind}:${type}`);
  }

  private declares(file: string, kind: 'resource' | 'data', type: string): boolean {
    const js = readFileSync(file, 'utf8');
    const base = kind === 'data' ? 'TerraformDataSource' : 'TerraformResource';
    return js.includes(`tfResourceType = "${type}"`) && new RegExp(`extends cdkt[fn]\\.${base}\\b`).test(js);
  }
}

function unpack(provider: string, packDir: string, work: string): Unpacked {
  const spec = PROVIDER_PACKAGES[provider]!;
  const [, scope, name, ver] = /^@([^/]+)\/([^@]+)@(.+)$/.exec(spec)!;
  const tgz = join(packDir, `${scope}-${name}-${ver}.tgz`);
  if (!existsSync(tgz)) {
    process.stderr.write(`packing ${spec}\n`);
    execFileSync('npm', ['pack', spec, '--pack-destination', packDir, '--silent'], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const dest = join(work, provider);
  mkdirSync(dest, { recursive: true });
  execFileSync('tar', ['xzf', tgz, '-C', dest, 'package/package.json', 'package/lib']);
  const pkg = JSON.parse(readFileSync(join(dest, 'package/package.json'), 'utf8')) as {
    cdktf?: { provider?: { name?: string; version?: string } };
  };
  const source = pkg.cdktf?.provider?.name;
  const version = pkg.cdktf?.provider?.version;
  if (!source || !version) throw new Error(`${spec}: package.json does not name its provider (cdktf.provider)`);
  return new Unpacked(provider, join(dest, 'package/lib'), version, source);
}

function markSensitive(block: BlockSchema, path: string, where: string): void {
  const [head, ...rest] = path.split('.');
  const attr: AttributeSchema | undefined = block.attributes?.[head!];
  if (attr && !rest.length) {
    attr.sensitive = true;
    return;
  }
  const nested = attr?.nested_type;
  if (nested && rest.length) return markSensitive({ attributes: nested.attributes }, rest.join('.'), where);
  const bt = block.block_types?.[head!];
  if (bt && rest.length) return markSensitive(bt.block, rest.join('.'), where);
  throw new Error(`SENSITIVE lists ${where}.${path}, which the schema does not have`);
}

/** One type per line, keys sorted: small diffs when a module starts using a type. */
export function formatSchemaFile(f: SchemaFile): string {
  const map = (m: Record<string, Schema>) => {
    const keys = Object.keys(m).sort();
    if (!keys.length) return '{}';
    return `{\n${keys.map((k) => `    ${JSON.stringify(k)}: ${stableJson(m[k])}`).join(',\n')}\n  }`;
  };
  return [
    '{',
    `  "data_source_schemas": ${map(f.data_source_schemas)},`,
    `  "package": ${JSON.stringify(f.package)},`,
    `  "provider": ${JSON.stringify(f.provider)},`,
    `  "provider_schema": ${stableJson(f.provider_schema)},`,
    `  "resource_schemas": ${map(f.resource_schemas)},`,
    `  "source": ${JSON.stringify(f.source)},`,
    `  "version": ${JSON.stringify(f.version)}`,
    '}',
    '',
  ].join('\n');
}

function main(): void {
  const args = process.argv.slice(2);
  const check = args.includes('--check');
  const packArg = args.indexOf('--pack-dir');
  const work = mkdtempSync(join(tmpdir(), 'provider-schemas-'));
  const packDir = packArg >= 0 ? resolve(args[packArg + 1] ?? '') : join(work, 'packs');
  mkdirSync(packDir, { recursive: true });
  try {
    const files = moduleFiles([join(ROOT, 'terraform'), join(ROOT, 'test/provider/fixtures')]);
    const uses: Use[] = [];
    const named = new Set<string>();
    for (const f of files) {
      const r = scanHcl(readFileSync(f, 'utf8'), relative(ROOT, f));
      uses.push(...r.uses);
      r.providers.forEach((p) => named.add(p));
    }
    const problems: string[] = [];
    for (const u of uses) {
      const p = providerOfType(u.type);
      if (p === 'terraform') continue; // built in: terraform_data, terraform_remote_state
      if (!PROVIDER_PACKAGES[p]) problems.push(`${u.file}:${u.line}: ${u.kind} "${u.type}": provider "${p}" is not one of ${Object.keys(PROVIDER_PACKAGES).join(', ')}`);
    }
    for (const p of named) {
      if (!PROVIDER_PACKAGES[p] && p !== 'terraform') problems.push(`provider "${p}" is named in a module but is not one of ${Object.keys(PROVIDER_PACKAGES).join(', ')}`);
    }

    const outputs: Array<[string, string]> = [];
    for (const provider of Object.keys(PROVIDER_PACKAGES)) {
      const mine = uses.filter((u) => providerOfType(u.type) === provider);
      const pkg = unpack(provider, packDir, work);
      const file: SchemaFile = {
        provider,
        source: pkg.source,
        version: pkg.version,
        package: PROVIDER_PACKAGES[provider]!,
        provider_schema: parseGeneratedSource(generatedSource(join(pkg.lib, 'provider')), `${provider} provider`).schema,
        resource_schemas: {},
        data_source_schemas: {},
      };
      const sensitive = SENSITIVE[provider] ?? {};
      if (sensitive.provider) for (const s of sensitive.provider) markSensitive(file.provider_schema.block, s, `${provider} provider`);
      const seen = new Set<string>();
      for (const u of mine) {
        const key = `${u.kind}:${u.type}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const dir = pkg.dirOf(u.kind, u.type);
        if (!dir) {
          problems.push(`${u.file}:${u.line}: ${u.kind === 'data' ? 'data source' : 'resource type'} "${u.type}" does not exist in ${pkg.source} ${pkg.version}`);
          continue;
        }
        const parsed = parseGeneratedSource(generatedSource(dir), relative(work, dir));
        for (const w of parsed.warnings) process.stderr.write(`warning: ${w}\n`);
        const list = sensitive[u.kind === 'data' ? `data_${u.type}` : u.type] ?? [];
        for (const s of list) markSensitive(parsed.schema.block, s, u.type);
        (u.kind === 'data' ? file.data_source_schemas : file.resource_schemas)[u.type] = parsed.schema;
      }
      outputs.push([join(OUT_DIR, `${provider}.json`), formatSchemaFile(file)]);
      rmSync(join(work, provider), { recursive: true, force: true });
    }
    if (problems.length) {
      process.stderr.write(`${problems.join('\n')}\n\nnothing written\n`);
      process.exitCode = 1;
      return;
    }
    let stale = 0;
    mkdirSync(OUT_DIR, { recursive: true });
    for (const [path, text] of outputs) {
      const old = existsSync(path) ? readFileSync(path, 'utf8') : '';
      if (old === text) continue;
      stale++;
      if (check) process.stderr.write(`${relative(ROOT, path)} is out of date\n`);
      else {
        writeFileSync(path, text);
        process.stdout.write(`wrote ${relative(ROOT, path)} (${(statSync(path).size / 1024).toFixed(0)} KB)\n`);
      }
    }
    const counts = outputs.length;
    process.stdout.write(`${uses.length} uses in ${files.length} files; ${counts} providers; ${stale ? `${stale} changed` : 'all up to date'}\n`);
    if (check && stale) process.exitCode = 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
