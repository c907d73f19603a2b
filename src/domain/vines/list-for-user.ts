/** Every vine of a user across their vineyards (`grape vines` without --vineyard). */
import type { Knex } from 'knex';
import { createVineRepository } from './repository.js';
import { toVineView, type VineView } from './service.js';

export async function listVinesForUser(knex: Knex, userId: string): Promise<VineView[]> {
  const vineyardIds: string[] = await knex('vineyards').where({ user_id: userId }).pluck('id');
  const repo = createVineRepository(knex);
  const lists = await Promise.all(vineyardIds.map((id) => repo.listByVineyard(userId, id)));
  return lists.flat().map(toVineView);
}
