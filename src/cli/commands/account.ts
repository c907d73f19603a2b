/** grape signup, login, logout, whoami. */
import { hostname } from 'node:os';
import { COMMON_OPTIONS, JSON_OPTION, type Command, type Context, type Options, type Values } from '../command.js';
import { configPath, readConfig, removeConfigToken, writeConfig } from '../config.js';
import { EXIT, GrapeError } from '../errors.js';
import { printJson } from '../output.js';
import { ask, askPassword } from '../prompt.js';

interface TokenCreated {
  id: string;
  token: string;
  name: string;
  user: { email: string };
}

const ACCOUNT_OPTIONS: Options = { ...COMMON_OPTIONS, email: { type: 'string' }, name: { type: 'string' } };

export const login: Command = {
  name: 'login',
  usage: 'grape login [--url URL] [--email EMAIL] [--name TOKEN_NAME]',
  summary: 'sign in and keep an API token in your config',
  details: `Asks for the password without echo (on a terminal), or reads it from stdin or VINTNER_PASSWORD.
The token is stored in ${'$XDG_CONFIG_HOME/vintner/grape.json'} (or ~/.config/vintner/grape.json), mode 0600.
  --url URL          the Vintner server (default: the stored one, VINTNER_URL, or http://localhost:3000)
  --email EMAIL      the account (asked when missing)
  --name NAME        how the token is listed (default grape@<host>)`,
  options: ACCOUNT_OPTIONS,
  async run(ctx, values) {
    const { email, password } = await credentials(ctx, values);
    return storeToken(ctx, email, password, values.name as string | undefined, 'Logged in to');
  },
};

/**
 * --email (or asked), then the password (asked without echo, or read from stdin or
 * VINTNER_PASSWORD). The server is settled first, so a bad --url fails before any question.
 */
async function credentials(ctx: Context, values: Values): Promise<{ email: string; password: string }> {
  ctx.api();
  const email = (values.email as string | undefined) ?? (await ask(ctx.io, 'Email: '));
  if (!email) throw new GrapeError('no email: pass --email', EXIT.USAGE);
  return { email, password: await askPassword(ctx.io) };
}

/** Creates an API token with the account's password and keeps it in the config. */
async function storeToken(ctx: Context, email: string, password: string, tokenName: string | undefined, said: string) {
  const api = ctx.api();
  const name = tokenName ?? `grape@${hostname()}`.slice(0, 100);
  const created = await api.call<TokenCreated>('POST', '/tokens', { email, password, name }, { auth: false });
  const path = writeConfig({ ...readConfig(ctx.io.env), url: api.session.url, token: created.token, tokenId: created.id, email: created.user.email }, ctx.io.env);
  ctx.io.stdout.write(`${said} ${api.session.url} as ${created.user.email} (token "${created.name}" stored in ${path})\n`);
  if (ctx.io.env.VINTNER_TOKEN) ctx.io.stderr.write('note: VINTNER_TOKEN is set and wins over the stored token\n');
  return EXIT.OK;
}

export const signup: Command = {
  name: 'signup',
  usage: 'grape signup [--url URL] [--email EMAIL] [--name TOKEN_NAME]',
  summary: 'create an account (when the server allows sign-up) and log in',
  details: `Asks for a password (at least 10 characters) twice on a terminal, or reads it once from stdin or
VINTNER_PASSWORD. The account gets a local sandbox identity; the API token is stored as by grape login.
  --url URL          the Vintner server (default: the stored one, VINTNER_URL, or http://localhost:3000)
  --email EMAIL      the account's email (asked when missing)
  --name NAME        how the token is listed (default grape@<host>)`,
  options: ACCOUNT_OPTIONS,
  async run(ctx, values) {
    const { email, password } = await credentials(ctx, values);
    if (ctx.io.stdin.isTTY && !ctx.io.env.VINTNER_PASSWORD && (await askPassword(ctx.io, 'Again: ')) !== password) {
      throw new GrapeError('the two passwords differ: nothing was created', EXIT.USAGE);
    }
    await ctx.api().call('POST', '/signup', { email, password }, { auth: false });
    return storeToken(ctx, email, password, values.name as string | undefined, 'Account created on');
  },
};

export const logout: Command = {
  name: 'logout',
  usage: 'grape logout',
  summary: 'revoke the stored token and forget it',
  details: 'Revokes the token on the server (when it can still be reached) and removes it from your config.',
  options: { ...COMMON_OPTIONS },
  async run(ctx) {
    const stored = readConfig(ctx.io.env);
    if (!stored.token) {
      ctx.io.stdout.write('Not logged in.\n');
      return EXIT.OK;
    }
    let revoked = true;
    if (stored.tokenId) {
      try {
        await ctx.api().call('DELETE', `/tokens/${stored.tokenId}`);
      } catch (err) {
        // Already revoked, expired, or the server is gone: forgetting it locally is still right.
        revoked = false;
        ctx.io.stderr.write(`note: the token was not revoked on the server (${(err as Error).message})\n`);
      }
    }
    removeConfigToken(ctx.io.env);
    ctx.io.stdout.write(`Logged out${revoked ? '; the token is revoked' : ''} (${configPath(ctx.io.env)} no longer holds it).\n`);
    return EXIT.OK;
  },
};

export const whoami: Command = {
  name: 'whoami',
  usage: 'grape whoami [--json]',
  summary: 'who the token belongs to, on which server',
  details: '',
  options: { ...COMMON_OPTIONS, ...JSON_OPTION },
  async run(ctx, values) {
    const api = ctx.api();
    const me = await api.call<{ user: { email: string; id: string }; token: { name: string; prefix: string; expires_at: string | null } }>('GET', '/me');
    if (values.json) printJson(ctx.io, { url: api.session.url, ...me });
    else ctx.io.stdout.write(`${me.user.email} on ${api.session.url} (token "${me.token.name}", ${me.token.prefix}…${me.token.expires_at ? `, expires ${me.token.expires_at.slice(0, 10)}` : ''})\n`);
    return EXIT.OK;
  },
};
