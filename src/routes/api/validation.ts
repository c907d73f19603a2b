/**
 * How /api/v1 checks its input: TypeBox's compiled checks (fast), and on failure the domain's own
 * per-field messages (`schemaErrors`), so a bad request through the API reads exactly like a bad
 * spec through a service: `databases.0.storage_gb must be between 10 and 65536`, `foo is not a
 * known field`. Fastify's default (ajv) names the parent object for an unknown field and says
 * "must match a schema in anyOf" for a union; people deserve better.
 */
import type { FastifySchemaCompiler } from 'fastify';
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import { invalid, schemaErrors } from '../../domain/validation.js';
import type { FieldError } from '../../domain/errors.js';

const PART_NAMES: Record<string, string> = { body: 'request body', querystring: 'query', params: 'path', headers: 'headers' };

type Branches = { key: string; byValue: Map<unknown, TSchema> };

/** A union of objects told apart by one literal property (an identity's `provider`). */
function discriminator(schema: TSchema): Branches | undefined {
  const anyOf = (schema as { anyOf?: TSchema[] }).anyOf;
  if (!anyOf?.length || !anyOf.every((s) => s.type === 'object')) return undefined;
  const first = anyOf[0]!.properties as Record<string, TSchema>;
  for (const key of Object.keys(first)) {
    if (!anyOf.every((s) => (s.properties as Record<string, TSchema>)[key] && 'const' in (s.properties as Record<string, TSchema>)[key]!)) continue;
    return { key, byValue: new Map(anyOf.map((s) => [(s.properties as Record<string, { const: unknown }>)[key]!.const, s])) };
  }
  return undefined;
}

/** Every field problem of `value`; a discriminated union is checked against the branch it names. */
export function fieldErrors(schema: TSchema, value: unknown): FieldError[] {
  const d = discriminator(schema);
  if (!d) return schemaErrors(schema, value);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [{ field: 'input', message: 'must be an object' }];
  const branch = d.byValue.get((value as Record<string, unknown>)[d.key]);
  if (!branch) return [{ field: d.key, message: `must be one of: ${[...d.byValue.keys()].join(', ')}` }];
  return schemaErrors(branch, value);
}

/**
 * The first field (dotted path) holding a string with U+0000, which PostgreSQL text cannot store:
 * refused here as a field error rather than failing in the database. The value already passed
 * its schema, so its depth is bounded.
 */
function nulField(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [k, v] of Object.entries(value)) {
    const found = nulField(v, path ? `${path}.${k}` : k);
    if (found !== undefined) return found;
  }
  return undefined;
}

export const apiValidatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const check = TypeCompiler.Compile(schema);
  const convert = httpPart === 'querystring' || httpPart === 'params' || httpPart === 'headers';
  const what = PART_NAMES[httpPart ?? 'body'] ?? 'request';
  return (data: unknown) => {
    // Path and query values arrive as text; a body is JSON and keeps its types (no coercion).
    const value = convert ? Value.Convert(schema, data) : data;
    if (check.Check(value)) {
      const nul = nulField(value, '');
      return nul === undefined ? { value } : { error: invalid(what, [{ field: nul || httpPart || 'body', message: 'must not contain NUL characters' }]) };
    }
    const errors = fieldErrors(schema, value);
    return { error: invalid(what, errors.length ? errors : [{ field: httpPart ?? 'body', message: 'is not valid' }]) };
  };
};

export interface PageRequest {
  limit?: number | undefined;
  cursor?: string | undefined;
}

export interface PageOf<T> {
  items: T[];
  next_cursor: string | null;
}

export const DEFAULT_PAGE = 50;
export const encodeCursor = (key: readonly string[]) => Buffer.from(JSON.stringify(key)).toString('base64url');
export function decodeCursor(cursor: string): string[] {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(key) && key.every((k) => typeof k === 'string')) return key;
  } catch {
    // fall through to the validation error
  }
  throw invalid('query', [{ field: 'cursor', message: 'is not a cursor this API gave out' }]);
}

const compare = (a: readonly string[], b: readonly string[]) => {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? '';
    const y = b[i] ?? '';
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
};

/**
 * One page of a list the services answer whole (a user's vineyards, vines, identities, tokens:
 * tens, not millions). The order is by `key` (code-point order, then whatever else the key
 * holds, ending with the id), and the cursor is the last key seen, so a page never repeats or
 * skips an item because another was added or removed meanwhile.
 */
export function paginate<T>(items: readonly T[], key: (item: T) => string[], page: PageRequest): PageOf<T> {
  const limit = page.limit ?? DEFAULT_PAGE;
  const sorted = items.map((item) => ({ item, k: key(item) })).sort((a, b) => compare(a.k, b.k));
  const after = page.cursor !== undefined ? decodeCursor(page.cursor) : undefined;
  const rest = after ? sorted.filter((e) => compare(e.k, after) > 0) : sorted;
  const slice = rest.slice(0, limit);
  return { items: slice.map((e) => e.item), next_cursor: rest.length > limit ? encodeCursor(slice[slice.length - 1]!.k) : null };
}
