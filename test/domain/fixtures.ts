/** Services on a fresh database, and a user with a vineyard, for the domain tests. */
import { randomBytes } from 'node:crypto';
import type { Test } from 'tap';
import { freshDatabase } from '../helpers.js';
import { createSealer } from '../../src/domain/crypto.js';
import { createUserService } from '../../src/domain/users/service.js';
import { createIdentityService } from '../../src/domain/identities/service.js';
import { createVineyardService } from '../../src/domain/vineyards/service.js';
import { createVineService } from '../../src/domain/vines/service.js';
import type { ValidationError } from '../../src/domain/errors.js';

export async function domain(t: Test) {
  const { knex } = await freshDatabase(t);
  const sealer = createSealer(randomBytes(32));
  const services = {
    knex,
    sealer,
    users: createUserService({ knex }),
    identities: createIdentityService({ knex, sealer }),
    vineyards: createVineyardService({ knex }),
    vines: createVineService({ knex, sealer }),
  };
  /** A user with a vineyard; the user's `sandbox` identity comes with signup. */
  async function person(email: string, vineyardName = 'Acme') {
    const user = await services.users.signup(email, 'a long enough password');
    const vineyard = await services.vineyards.create(user.id, { name: vineyardName });
    return { user, vineyard };
  }
  return { ...services, person };
}

/** `field: message` of each error of a ValidationError. */
export const fieldErrors = (err: unknown) => ((err as ValidationError).errors ?? []).map((e) => `${e.field}: ${e.message}`);
