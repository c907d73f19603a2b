/** Every page plugin (server-rendered HTML, htmx fragments, SSE), registered as one by src/app.ts. */
import type { FastifyInstance } from 'fastify';
import authPages from './auth-pages.js';
import vineyardPages from './vineyards.js';
import vinePages from './vines.js';
import vineLive from './vine-live.js';
import vineStatePages from './vine-state.js';
import jobPages from './jobs.js';
import identityPages from './identities.js';
import tendrilPages from './tendrils.js';
import poolPages from './pools.js';

export default async function pages(app: FastifyInstance): Promise<void> {
  for (const plugin of [authPages, vineyardPages, vinePages, vineLive, vineStatePages, jobPages, identityPages, poolPages, tendrilPages]) await app.register(plugin);
}
