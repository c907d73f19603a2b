/**
 * The schema extractor on excerpts of real generated provider code (fixtures/generated/), and
 * the module scan of scripts/provider-schemas.ts. No package is packed here: that needs the
 * registry, and tests never download.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parseGeneratedSource, sourceFromGeneratedJs } from './cdktf-schema.js';
import { checkUses, formatSchemaFile, generatedDir, PROVIDER_PACKAGES, scanHcl, type SchemaFile } from '../../scripts/provider-schemas.js';

const GENERATED = join(import.meta.dirname, 'fixtures/generated');
const excerpt = (name: string) => parseGeneratedSource(readFileSync(join(GENERATED, name), 'utf8'), name);

t.test('a generated index.js: its TypeScript comes out of the inline source map', async (t) => {
  const src = sourceFromGeneratedJs(readFileSync(join(GENERATED, 'tls-private-key.index.js'), 'utf8'));
  t.match(src, /export class PrivateKey extends cdktf\.TerraformResource/, 'the source map carries the source');
  const r = parseGeneratedSource(src);
  t.equal(r.typeName, 'tls_private_key');
  t.equal(r.kind, 'resource');
  const a = r.schema.block.attributes!;
  t.same(a.algorithm, { type: 'string', required: true }, 'required argument');
  t.same(a.rsa_bits, { type: 'number', optional: true, computed: true }, 'optional and computed');
  t.same(a.private_key_pem, { type: 'string', computed: true }, 'computed only (no setter: typed by its getter)');
  t.equal(r.schema.block.block_types, undefined, 'no blocks');
  t.throws(() => sourceFromGeneratedJs('"use strict";\nexports.x = 1;\n'), /no inline source map/);
});

t.test('aws_security_group: ingress is an attribute (blocks-as-attributes), timeouts a block', async (t) => {
  const r = excerpt('aws-security-group.txt');
  t.equal(r.typeName, 'aws_security_group');
  const a = r.schema.block.attributes!;
  t.same(a.ingress, {
    type: [
      'set',
      [
        'object',
        {
          cidr_blocks: ['list', 'string'],
          description: 'string',
          from_port: 'number',
          ipv6_cidr_blocks: ['list', 'string'],
          prefix_list_ids: ['list', 'string'],
          protocol: 'string',
          security_groups: ['set', 'string'],
          self: 'bool',
          to_port: 'number',
        },
      ],
    ],
    optional: true,
    computed: true,
  });
  t.same(a.tags, { type: ['map', 'string'], optional: true });
  t.same(a.arn, { type: 'string', computed: true });
  t.same(r.schema.block.block_types!.timeouts, {
    nesting_mode: 'single',
    block: { attributes: { create: { type: 'string', optional: true }, delete: { type: 'string', optional: true } } },
  });
});

t.test('aws_s3_bucket_ownership_controls: a required block of at most one', async (t) => {
  const r = excerpt('aws-s3-bucket-ownership-controls.txt');
  t.same(r.schema.block.block_types!.rule, {
    nesting_mode: 'list',
    min_items: 1,
    max_items: 1,
    block: { attributes: { object_ownership: { type: 'string', required: true } } },
  });
});

t.test('data aws_regions: a data source with a set of blocks', async (t) => {
  const r = excerpt('aws-data-regions.txt');
  t.equal(r.kind, 'data');
  t.equal(r.typeName, 'aws_regions');
  t.same(r.schema.block.attributes!.names, { type: ['set', 'string'], computed: true });
  t.equal(r.schema.block.block_types!.filter!.nesting_mode, 'set');
  t.equal(r.schema.block.block_types!.filter!.max_items, undefined, 'no limit');
});

t.test('aws_secretsmanager_secret_version: write-only attributes', async (t) => {
  const a = excerpt('aws-secretsmanager-secret-version.txt').schema.block.attributes!;
  t.same(a.secret_string_wo, { type: 'string', optional: true, write_only: true });
  t.same(a.has_secret_string_wo, { type: 'bool', computed: true }, 'a computed flag named *_wo is not write-only');
  t.same(a.secret_string, { type: 'string', optional: true }, 'sensitive is not in the generated code (the script adds it)');
});

t.test('helm provider: plugin-framework nested attributes, the generator-added alias dropped', async (t) => {
  const r = excerpt('helm-provider.txt');
  t.equal(r.kind, 'provider');
  const a = r.schema.block.attributes!;
  t.notOk('alias' in a, 'alias is a meta-argument, not schema');
  t.same(a.registries, {
    nested_type: {
      nesting_mode: 'list',
      attributes: { password: { type: 'string', required: true }, url: { type: 'string', required: true }, username: { type: 'string', required: true } },
    },
    optional: true,
  });
  t.equal(a.kubernetes!.nested_type?.nesting_mode, 'single', 'a single object whose fields may be left out');
  t.same(a.kubernetes!.nested_type?.attributes.config_paths, { type: ['list', 'string'], optional: true });
});

t.test('scanHcl: types and providers a module uses, with lines, comments ignored', async (t) => {
  const hcl = [
    'resource "aws_vpc" "network" {', // 1
    '  cidr_block = "10.0.0.0/16"',
    '}',
    '# resource "aws_commented" "x" {}', // 4
    '/* data "aws_hidden" "y" {',
    '} */',
    '  data "aws_availability_zones" "all" {}', // 7
    'provider "google" {}',
    'mock_provider "azurerm" {',
    '  mock_resource "azurerm_resource_group" {}', // 10
    '}',
    'terraform {',
    '  required_providers {',
    '    random = { source = "hashicorp/random" }',
    '  }',
    '}',
  ].join('\n');
  const r = scanHcl(hcl, 'main.tf');
  t.same(
    r.uses.map((u) => `${u.kind} ${u.type} ${u.line}`),
    ['resource aws_vpc 1', 'data aws_availability_zones 7', 'resource azurerm_resource_group 10'],
  );
  t.same([...r.providers].sort(), ['azurerm', 'google', 'random']);
});

t.test('checkUses: a type the provider lacks, or an unknown provider, is reported with file and line', async (t) => {
  const uses = scanHcl('resource "aws_vpcc" "x" {}\n\ndata "google_compute_zones" "z" {}\nresource "null_resource" "n" {}\nresource "terraform_data" "d" {}\n', 'm.tf').uses;
  const known = new Set(['data:google_compute_zones']);
  const problems = checkUses(uses, new Set(['aws', 'http']), (_p, kind, type) => known.has(`${kind}:${type}`), (p) => `hashicorp/${p}`);
  t.same(problems, [
    'provider "http" is named in a module but is not one of aws, google, azurerm, helm, kubernetes, random, tls',
    'm.tf:1: resource type "aws_vpcc" does not exist in hashicorp/aws',
    'm.tf:4: resource "null_resource": provider "null" is not one of aws, google, azurerm, helm, kubernetes, random, tls',
  ]);
});

t.test('generatedDir: the generator’s directory names', async (t) => {
  t.equal(generatedDir('aws', 'resource', 'aws_security_group'), 'security-group');
  t.equal(generatedDir('aws', 'data', 'aws_vpc'), 'data-aws-vpc');
  t.equal(generatedDir('random', 'resource', 'random_string'), 'string-resource', 'reserved words get a suffix');
  t.equal(Object.keys(PROVIDER_PACKAGES).length, 7);
});

t.test('the committed schema files are in the script’s own format (regenerating changes nothing)', async (t) => {
  for (const p of Object.keys(PROVIDER_PACKAGES)) {
    const text = readFileSync(join(import.meta.dirname, 'schemas', `${p}.json`), 'utf8');
    const f = JSON.parse(text) as SchemaFile;
    t.equal(formatSchemaFile(f), text, `${p}.json is formatted as the script writes it`);
    t.equal(f.provider, p);
  }
  const aws = JSON.parse(readFileSync(join(import.meta.dirname, 'schemas/aws.json'), 'utf8')) as SchemaFile;
  t.ok(aws.resource_schemas.aws_vpc && aws.data_source_schemas.aws_availability_zones, 'the fixtures’ types are there');
  t.equal(aws.version, '6.66.0');
  t.ok(aws.provider_schema.block.attributes!.secret_key!.sensitive, 'curated sensitive flags are applied');
});
