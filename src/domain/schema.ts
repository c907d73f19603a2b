/**
 * Building blocks of the resource schemas. Each resource (a job, a vine, an identity …) is declared
 * once, as a TypeBox schema in its domain folder: its TypeScript type is `Static<>` of it, the API
 * validates and serializes with it and lists it in the OpenAPI document, and Grape reads its
 * answers as `Json<>` of the same type. Output-only pieces may use JSON Schema that TypeBox's
 * compiler does not check (`type: ['string', 'null']`): they only drive serialization and docs.
 */
import { Type, type TSchema } from '@sinclair/typebox';

export const literals = <T extends string>(values: readonly T[], opts: object = {}) => Type.Union(values.map((v) => Type.Literal(v)), opts);
/** A timestamp: a Date in the server, an ISO 8601 string on the wire. */
export const DateTime = Type.Unsafe<Date>({ type: 'string', format: 'date-time' });
export const NullableDateTime = Type.Unsafe<Date | null>({ type: ['string', 'null'], format: 'date-time' });
export const NullableString = Type.Unsafe<string | null>({ type: ['string', 'null'] });
export const NullableInteger = Type.Unsafe<number | null>({ type: ['integer', 'null'] });
export const Uuid = Type.String({ format: 'uuid' });
export const NullableUuid = Type.Unsafe<string | null>({ type: ['string', 'null'], format: 'uuid' });
export const FreeObject = (description: string) => Type.Unsafe<Record<string, unknown>>({ type: 'object', additionalProperties: true, description });
export const NullableObject = (description: string) =>
  Type.Unsafe<Record<string, unknown> | null>({ type: ['object', 'null'], additionalProperties: true, description });
/** `null` in the schema of a property that may be absent from an answer. */
export const nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** A resource as its JSON answer reads in a client: timestamps are strings. */
export type Json<T> = T extends Date
  ? string
  : T extends Array<infer U>
    ? Array<Json<U>>
    : T extends object
      ? { [K in keyof T]: Json<T[K]> }
      : T;

/** `planJobId` → `plan_job_id`: the JSON API's casing. */
export const snakeCase = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
