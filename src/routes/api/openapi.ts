/**
 * The OpenAPI 3.1 document of /api/v1, generated from the very schemas the routes validate and
 * serialize with (collected by an onRoute hook), so it cannot drift from the code. OpenAPI 3.1
 * schemas are JSON Schema 2020-12, which TypeBox writes: they go in as they are, and every schema
 * with a `title` becomes a named component referenced by `$ref`.
 */
import { STATUS_CODES } from 'node:http';

export interface CollectedRoute {
  method: string;
  url: string;
  schema: Record<string, unknown> | undefined;
  public: boolean;
  /** Another scheme than a user's token (the agent routes: a pool's token). */
  security?: 'pool_token';
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Replaces titled schemas by `$ref`s, collecting them in `named`; walks only schema positions. */
function extract(schema: unknown, named: Map<string, Json>): unknown {
  if (!isObj(schema)) return schema;
  const out: Json = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'properties' || k === 'patternProperties' || k === '$defs') {
      out[k] = Object.fromEntries(Object.entries(v as Json).map(([p, s]) => [p, extract(s, named)]));
    } else if (k === 'items' || k === 'additionalProperties' || k === 'not') {
      out[k] = extract(v, named);
    } else if ((k === 'anyOf' || k === 'oneOf' || k === 'allOf' || k === 'prefixItems') && Array.isArray(v)) {
      out[k] = v.map((s) => extract(s, named));
    } else {
      out[k] = v;
    }
  }
  const title = typeof out.title === 'string' ? out.title : undefined;
  if (!title || !/^[A-Za-z0-9_.-]+$/.test(title)) return out;
  if (!named.has(title)) named.set(title, out);
  return { $ref: `#/components/schemas/${title}` };
}

/** JSON copy without TypeBox's symbol keys. */
const plain = (s: unknown): unknown => (s === undefined ? undefined : JSON.parse(JSON.stringify(s)));

const pathOf = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
const operationId = (method: string, url: string) =>
  `${method.toLowerCase()}_${url.replace(/^\/api\/v1\/?/, '').replace(/:([A-Za-z0-9_]+)/g, 'by_$1').replace(/[^A-Za-z0-9]+/g, '_').replace(/_$/, '') || 'root'}`;

function parameters(where: 'path' | 'query', schema: unknown, named: Map<string, Json>): Json[] {
  const s = plain(schema) as Json | undefined;
  if (!s || !isObj(s.properties)) return [];
  const required = new Set((s.required as string[] | undefined) ?? []);
  return Object.entries(s.properties).map(([name, p]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    ...(isObj(p) && typeof p.description === 'string' ? { description: p.description } : {}),
    schema: extract(p, named),
  }));
}

function responses(schema: Json, named: Map<string, Json>): Json {
  const out: Json = {};
  const produces = (schema.produces as string[] | undefined) ?? ['application/json'];
  if (!schema.response) return { 200: { description: 'OK', content: Object.fromEntries(produces.map((t) => [t, { schema: { type: 'string' } }])) } };
  for (const [code, s] of Object.entries((schema.response as Json | undefined) ?? {})) {
    const body = plain(s) as Json;
    const key = code.replace(/xx$/i, 'XX');
    const n = Number(code);
    // The status's own words ("Not Found"); the schema says what the body holds.
    const description = STATUS_CODES[n] || (typeof body.description === 'string' && body.description) || (key.startsWith('4') ? 'Client error' : 'Response');
    if (n === 204) {
      out[key] = { description: 'No Content' };
      continue;
    }
    const types = n >= 400 || key.endsWith('XX') ? ['application/problem+json'] : produces;
    const content: Json = {};
    for (const type of types) content[type] = { schema: type === 'text/event-stream' ? { type: 'string', description: 'Server-Sent Events' } : extract(body, named) };
    out[key] = { description, content };
  }
  return out;
}

const OPENAPI_METHODS = new Set(['GET', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH', 'TRACE']);

export function buildOpenApi(routes: CollectedRoute[], info: { title: string; version: string; description: string }): Json {
  const named = new Map<string, Json>();
  const paths: Record<string, Json> = {};
  const sorted = [...routes].sort((a, b) => a.url.localeCompare(b.url) || a.method.localeCompare(b.method));
  for (const r of sorted) {
    const schema = r.schema ?? {};
    if (!OPENAPI_METHODS.has(r.method)) {
      // OpenAPI names only HTTP's standard methods; others (Terraform's LOCK and UNLOCK) are listed
      // on the path item so the document still says every method a path answers.
      const item = (paths[pathOf(r.url)] ??= {});
      item['x-methods'] = [...((item['x-methods'] as string[] | undefined) ?? []), r.method];
      continue;
    }
    const op: Json = {
      operationId: operationId(r.method, r.url),
      ...(schema.summary ? { summary: schema.summary } : {}),
      ...(schema.description ? { description: schema.description } : {}),
      ...(schema.tags ? { tags: schema.tags } : {}),
      security: r.security ? [{ [r.security]: [] }] : r.public ? [] : [{ bearer: [] }],
    };
    const params = [...parameters('path', schema.params, named), ...parameters('query', schema.querystring, named)];
    if (params.length) op.parameters = params;
    if (schema.body) op.requestBody = { required: true, content: { 'application/json': { schema: extract(plain(schema.body), named) } } };
    op.responses = responses(schema, named);
    (paths[pathOf(r.url)] ??= {})[r.method.toLowerCase()] = op;
  }
  const tags = [...new Set(sorted.flatMap((r) => ((r.schema?.tags as string[] | undefined) ?? [])))].map((name) => ({ name }));
  return {
    openapi: '3.1.0',
    info,
    tags,
    paths,
    components: {
      schemas: Object.fromEntries([...named.entries()].sort(([a], [b]) => a.localeCompare(b))),
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'an API token from POST /api/v1/tokens (or `grape login`)' },
        pool_token: { type: 'http', scheme: 'bearer', description: 'a Tendril pool’s token (TENDRIL_TOKEN of a remote Tendril): the agent routes only' },
      },
    },
  };
}
