/** A user and an API token, as answered: the one declaration of each (see ../schema.ts). */
import { Type, type Static } from '@sinclair/typebox';
import { DateTime, NullableDateTime, NullableString, Uuid } from '../schema.js';

export const UserSchema = Type.Object({ id: Uuid, email: Type.String(), display_name: NullableString, created_at: DateTime }, { title: 'User' });
/** A user as anything outside the users module sees one: no password hash. */
export type User = Static<typeof UserSchema>;

export const ApiTokenSchema = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    prefix: Type.String({ description: 'the first characters of the token, to tell tokens apart' }),
    last_used_at: NullableDateTime,
    expires_at: NullableDateTime,
    revoked_at: NullableDateTime,
    created_at: DateTime,
  },
  { title: 'ApiToken' },
);
/** A token as listed: no hash, only the first characters of the token. */
export type ApiToken = Static<typeof ApiTokenSchema>;
