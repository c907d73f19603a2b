/**
 * Input checking shared by the services (users, identities, vineyards, vines): TypeBox errors
 * turned into per-field messages a person can act on, display-name rules, and the Postgres error
 * codes the services translate. It lives here because this folder is where most of it is used;
 * nothing in it is vine-specific.
 */
import type { TSchema } from '@sinclair/typebox';
import { Value, ValueErrorType, type ValueError } from '@sinclair/typebox/value';
import { ValidationError, type FieldError } from './errors.js';
import { snakeCase } from './schema.js';

/** `/databases/0/storage_gb` → `databases.0.storage_gb`, under an optional prefix. */
export function fieldPath(pointer: string, prefix = ''): string {
  const parts = pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const joined = [prefix, ...parts].filter((p) => p !== '').join('.');
  return joined || prefix || 'input';
}

const typeNames: Partial<Record<ValueErrorType, string>> = {
  [ValueErrorType.String]: 'a string',
  [ValueErrorType.Integer]: 'an integer',
  [ValueErrorType.Number]: 'a number',
  [ValueErrorType.Boolean]: 'true or false',
  [ValueErrorType.Object]: 'an object',
  [ValueErrorType.Array]: 'a list',
  [ValueErrorType.Null]: 'null',
};

function literalChoices(schema: TSchema): string[] | undefined {
  const anyOf = (schema as { anyOf?: TSchema[] }).anyOf;
  if (!anyOf || !anyOf.every((s) => 'const' in s)) return undefined;
  return anyOf.map((s) => String((s as unknown as { const: unknown }).const));
}

function messageFor(e: ValueError): string {
  const s = e.schema as Record<string, unknown>;
  const range = (min: unknown, max: unknown) =>
    min !== undefined && max !== undefined ? `must be between ${min} and ${max}` : min !== undefined ? `must be at least ${min}` : `must be at most ${max}`;
  switch (e.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return 'is required';
    case ValueErrorType.ObjectAdditionalProperties: {
      // Names were camelCase once (planJobId): say which name replaced it.
      const key = e.path.split('/').pop()?.replace(/~1/g, '/').replace(/~0/g, '~') ?? '';
      const renamed = snakeCase(key);
      const known = (s.properties as Record<string, unknown> | undefined) ?? {};
      return renamed !== key && renamed in known ? `is not a known field: use "${renamed}" (every name is snake_case)` : 'is not a known field';
    }
    case ValueErrorType.StringMinLength:
      return s.minLength === 1 ? 'must not be empty' : `must be at least ${s.minLength} characters`;
    case ValueErrorType.StringMaxLength:
      return `must be at most ${s.maxLength} characters`;
    case ValueErrorType.StringPattern:
    case ValueErrorType.StringFormat:
      return typeof s.description === 'string' ? `is not valid: expected ${s.description}` : 'is not in a valid format';
    case ValueErrorType.IntegerMinimum:
    case ValueErrorType.IntegerMaximum:
    case ValueErrorType.NumberMinimum:
    case ValueErrorType.NumberMaximum:
      return range(s.minimum, s.maximum);
    case ValueErrorType.ArrayMaxItems:
      return `must have at most ${s.maxItems} items`;
    case ValueErrorType.ArrayMinItems:
      return `must have at least ${s.minItems} items`;
    case ValueErrorType.ArrayUniqueItems:
      return 'must not list the same item twice';
    case ValueErrorType.Literal:
      return `must be ${JSON.stringify(s.const)}`;
    case ValueErrorType.Union: {
      const choices = literalChoices(e.schema);
      if (choices) return `must be one of: ${choices.join(', ')}`;
      // A nullable value: report what the non-null branch expected.
      for (const branch of e.errors) {
        const first = branch.First();
        if (first && first.type !== ValueErrorType.Null) return messageFor(first);
      }
      return 'is not valid';
    }
    default: {
      const t = typeNames[e.type];
      return t ? `must be ${t}` : e.message;
    }
  }
}

/**
 * A nullable object or string fails as a whole union ("expected union value"); when the value is
 * not null, the errors of the non-null branch (with their deeper paths) say much more.
 */
function* flatten(errors: Iterable<ValueError>): Generator<ValueError> {
  for (const e of errors) {
    const anyOf = (e.schema as { anyOf?: TSchema[] }).anyOf;
    if (e.type === ValueErrorType.Union && e.value !== null && anyOf && !literalChoices(e.schema)) {
      const nonNull = anyOf.map((s, i) => ({ s, i })).filter(({ s }) => (s as { type?: string }).type !== 'null');
      const only = nonNull.length === 1 ? e.errors[nonNull[0]!.i] : undefined;
      if (only) {
        yield* flatten(only);
        continue;
      }
    }
    yield e;
  }
}

/** Every problem of `value` against `schema`, one per field, with readable messages. */
export function schemaErrors(schema: TSchema, value: unknown, prefix = ''): FieldError[] {
  if (Value.Check(schema, value)) return [];
  const out: FieldError[] = [];
  const seen = new Set<string>();
  for (const e of flatten(Value.Errors(schema, value))) {
    const field = fieldPath(e.path, prefix);
    if (seen.has(field)) continue; // a missing field also fails its type check: one message each
    // Below a field already reported (e.g. "must be an object"), further detail is noise.
    if ([...seen].some((f) => field.startsWith(`${f}.`))) continue;
    seen.add(field);
    out.push({ field, message: messageFor(e) });
  }
  return out;
}

/** Throws a ValidationError listing every field error when `value` does not match `schema`. */
export function assertSchema<T extends TSchema>(schema: T, value: unknown, what: string, prefix = ''): void {
  const errors = schemaErrors(schema, value, prefix);
  if (errors.length) throw invalid(what, errors);
}

export function invalid(what: string, errors: FieldError[]): ValidationError {
  const summary = errors
    .slice(0, 3)
    .map((e) => `${e.field} ${e.message}`)
    .join('; ');
  return new ValidationError(`invalid ${what}: ${summary}${errors.length > 3 ? ` (and ${errors.length - 3} more)` : ''}`, errors);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Ids from URLs are checked before they reach a uuid column (which would answer with a 500). */
export const isUuid = (v: unknown): v is string => typeof v === 'string' && UUID.test(v);

/** Postgres unique_violation, optionally on one constraint (index) name. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as { code?: string; constraint?: string } | null;
  return !!e && e.code === '23505' && (constraint === undefined || e.constraint === constraint);
}

/** Postgres foreign_key_violation, optionally on one constraint name. */
export function isForeignKeyViolation(err: unknown, constraint?: string): boolean {
  const e = err as { code?: string; constraint?: string } | null;
  return !!e && e.code === '23503' && (constraint === undefined || e.constraint === constraint);
}

export const DISPLAY_NAME_MAX = 63;
export const DISPLAY_NAME_RULE = `1 to ${DISPLAY_NAME_MAX} characters with at least one letter or digit, no "/" and no control characters`;

/**
 * Vineyard and vine names are what people read (unicode allowed); cloud names are derived from
 * them with namePrefix(). Returns the normalised name (trimmed, NFC) or an error message.
 */
export function checkDisplayName(input: unknown): { name: string } | { error: string } {
  if (typeof input !== 'string') return { error: 'must be a string' };
  const name = input.normalize('NFC').trim();
  if (name.length === 0) return { error: 'must not be empty' };
  if ([...name].length > DISPLAY_NAME_MAX) return { error: `must be at most ${DISPLAY_NAME_MAX} characters` };
  if (/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(name)) return { error: 'must not contain control characters or line breaks' };
  if (name.includes('/')) return { error: 'must not contain "/"' };
  if (!/[\p{L}\p{N}]/u.test(name)) return { error: 'must contain at least one letter or digit' };
  return { name };
}
