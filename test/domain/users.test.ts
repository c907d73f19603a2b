import t from 'tap';
import { freshDatabase } from '../helpers.js';
import { createUserService } from '../../src/domain/users/service.js';
import { hashPassword, verifyPassword } from '../../src/domain/users/password.js';
import { ConflictError, NotFoundError, UnauthorizedError, ValidationError } from '../../src/domain/errors.js';

t.test('password hashes carry their parameters and verify', async (t) => {
  const h = await hashPassword('correct horse battery');
  t.match(h, /^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/, 'hash string names scrypt and its parameters');
  t.not(await hashPassword('correct horse battery'), h, 'a random salt makes every hash different');
  t.equal(await verifyPassword('correct horse battery', h), true, 'right password verifies');
  t.equal(await verifyPassword('correct horse batterY', h), false, 'wrong password does not');
  t.equal(await verifyPassword('x', 'bcrypt$whatever'), false, 'an unknown format is refused, not thrown');
  t.equal(await verifyPassword('x', 'scrypt$1048577$8$1$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA'), false, 'absurd parameters are refused');
});

t.test('signup and login', async (t) => {
  const { knex } = await freshDatabase(t);
  const users = createUserService({ knex });

  const ada = await users.signup('  Ada@Example.COM ', 'a long enough password');
  t.equal(ada.email, 'ada@example.com', 'email is trimmed and lowercased');
  t.notOk('password_hash' in ada, 'the hash is never returned');
  const [row] = await knex('users').where({ id: ada.id });
  t.match(row.password_hash, /^scrypt\$/, 'stored as an scrypt hash');
  t.notMatch(row.password_hash, /a long enough password/, 'not in clear');

  const ids = await knex('cloud_identities').where({ user_id: ada.id });
  t.same(ids.map((i) => [i.name, i.provider, i.credentials_encrypted]), [['sandbox', 'local', null]], 'signup creates the local sandbox identity');

  await t.rejects(users.signup('ADA@example.com', 'another long password'), new ConflictError('an account with this email already exists'), 'duplicate email, whatever its case');

  const err = await users.signup('not-an-email', 'short').catch((e: unknown) => e);
  t.ok(err instanceof ValidationError, 'bad input is a ValidationError');
  t.same((err as ValidationError).errors.map((e) => e.field).sort(), ['email', 'password'], 'both fields are named');
  t.match((err as ValidationError).errors.find((e) => e.field === 'password')?.message, /at least 10/, 'password minimum explained');
  await t.rejects(users.signup('bob@example.com', 'x'.repeat(201)), ValidationError, 'password over 200 refused');
  t.equal((await knex('users').count('* as n'))[0]?.n, 1, 'nothing stored for refused signups');

  const back = await users.authenticate('ADA@example.com ', 'a long enough password');
  t.equal(back.id, ada.id, 'login with the normalised email');
  await t.rejects(users.authenticate('ada@example.com', 'wrong password!'), new UnauthorizedError('wrong email or password'), 'wrong password');
  await t.rejects(users.authenticate('nobody@example.com', 'a long enough password'), new UnauthorizedError('wrong email or password'), 'unknown email: same message');

  t.equal((await users.getUser(ada.id)).email, 'ada@example.com', 'getUser');
  await t.rejects(users.getUser('nope'), NotFoundError, 'getUser with a bad id');
});

t.test('API tokens', async (t) => {
  const { knex } = await freshDatabase(t);
  const users = createUserService({ knex });
  const ada = await users.signup('ada@example.com', 'a long enough password');
  const bob = await users.signup('bob@example.com', 'a long enough password');

  const { token, row } = await users.createToken(ada.id, ' laptop ');
  t.match(token, /^vnt_[A-Za-z0-9_-]{43}$/, 'vnt_ + 32 random bytes base64url');
  t.equal(row.name, 'laptop', 'name trimmed');
  t.equal(row.prefix, token.slice(0, 12), 'a short prefix is kept to tell tokens apart');
  t.notOk('token_hash' in row, 'the hash is not in the answer');
  const [stored] = await knex('api_tokens').where({ id: row.id });
  t.not(stored.token_hash, token, 'the token itself is not stored');
  t.equal(stored.token_hash.length, 64, 'a sha256 is');

  const listed = await users.listTokens(ada.id);
  t.same(listed.map((x) => x.id), [row.id], 'listed for its owner');
  t.ok(listed.every((x) => !('token_hash' in x)), 'list never has the hash');
  t.same(await users.listTokens(bob.id), [], 'not listed for another user');

  t.equal((await users.authenticateToken(token)).id, ada.id, 'token authenticates its user');
  const [used] = await knex('api_tokens').where({ id: row.id });
  t.ok(used.last_used_at instanceof Date, 'last_used_at recorded');
  await users.authenticateToken(token);
  const [again] = await knex('api_tokens').where({ id: row.id });
  t.equal(again.last_used_at.getTime(), used.last_used_at.getTime(), 'not rewritten within a minute');
  await knex('api_tokens').where({ id: row.id }).update({ last_used_at: knex.raw("now() - interval '5 minutes'") });
  await users.authenticateToken(token);
  const [later] = await knex('api_tokens').where({ id: row.id });
  t.ok(Date.now() - later.last_used_at.getTime() < 60_000, 'rewritten when older than a minute');

  const bad = new UnauthorizedError('token revoked or unknown: run grape login');
  await t.rejects(users.authenticateToken('vnt_' + 'A'.repeat(43)), bad, 'unknown token refused');
  await t.rejects(users.authenticateToken('garbage'), bad, 'malformed token refused');

  await t.rejects(users.revokeToken(bob.id, row.id), NotFoundError, 'another user cannot revoke it');
  t.equal((await users.authenticateToken(token)).id, ada.id, 'still valid after the refused revoke');
  const revoked = await users.revokeToken(ada.id, row.id);
  t.ok(revoked.revoked_at instanceof Date, 'revoked_at set');
  await t.rejects(users.authenticateToken(token), bad, 'revoked token refused');
  await t.rejects(users.revokeToken(ada.id, 'not-a-uuid'), NotFoundError, 'a malformed id is not found, not a 500');

  const short = await users.createToken(ada.id, 'ci', { expiresInDays: 1 });
  t.ok(short.row.expires_at instanceof Date, 'expiry stored');
  await knex('api_tokens').where({ id: short.row.id }).update({ expires_at: knex.raw("now() - interval '1 second'") });
  await t.rejects(users.authenticateToken(short.token), bad, 'expired token refused');

  await t.rejects(users.createToken(ada.id, '  '), ValidationError, 'empty token name refused');
});
