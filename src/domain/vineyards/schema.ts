/** A vineyard as answered: the one declaration (see ../schema.ts). */
import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Uuid } from '../schema.js';
import { VineStatus } from '../vines/status.js';

export const VineyardSchema = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    description: Type.String(),
    vine_count: Type.Integer(),
    vines_by_status: Type.Object(Object.fromEntries(Object.values(VineStatus).map((s) => [s, Type.Integer()])) as Record<VineStatus, ReturnType<typeof Type.Integer>>),
    created_at: DateTime,
    updated_at: DateTime,
  },
  { title: 'Vineyard' },
);
/** A vineyard with its vines counted by status. */
export type Vineyard = Static<typeof VineyardSchema>;
