/**
 * Grape, the command-line client of Vintner's JSON API: parses the command line, runs one
 * command, and turns every failure into one line on stderr and an exit code (errors.ts).
 */
import { parseArgs } from 'node:util';
import { createContext, type Command } from './command.js';
import { EXIT, GrapeError } from './errors.js';
import type { Io } from './output.js';
import { login, logout, signup, whoami } from './commands/account.js';
import { show, vineyards, vines } from './commands/vineyards.js';
import { plant } from './commands/plant.js';
import { cancel, destroy, harvest, jobs, logs, plan } from './commands/jobs.js';
import { identities, tendrils } from './commands/identities.js';
import { pools } from './commands/pools.js';
import { state } from './commands/state.js';

export const COMMANDS: Command[] = [signup, login, logout, whoami, vineyards, vines, plant, show, plan, harvest, destroy, jobs, logs, cancel, state, identities, pools, tendrils];

const EXIT_CODES = `Exit codes: 0 ok · 1 a waited-for job FAILED or was CANCELLED, or another error · 2 usage error or
input refused as invalid · 3 not logged in, or the token expired or was revoked · 4 not found ·
5 server unreachable · 130 interrupted (Ctrl-C), the job left running`;

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `Grape: Vintner from the command line.

Usage: grape COMMAND [options]   (grape COMMAND --help for one command)

${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Every read command takes --json (for scripts); tables are for people. --url URL or VINTNER_URL
chooses the server, VINTNER_TOKEN a token (both override what grape login stored).
${EXIT_CODES}
`;
}

const commandHelp = (c: Command) => `${c.summary[0]!.toUpperCase()}${c.summary.slice(1)}.

Usage: ${c.usage}
${c.details ? `\n${c.details}\n` : ''}
  --url URL          the Vintner server (else VINTNER_URL, or the one grape login stored)
  -h, --help         this help
`;

export async function main(argv: string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const target = name === 'help' && rest[0] ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    io.stdout.write(target ? commandHelp(target) : overview());
    return EXIT.OK;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write('grape 0.1.0\n');
    return EXIT.OK;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.stderr.write(`grape: unknown command "${name}". Commands: ${COMMANDS.map((c) => c.name).join(', ')} (grape --help)\n`);
    return EXIT.USAGE;
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true });
  } catch (err) {
    io.stderr.write(`grape ${name}: ${(err as Error).message.split('\n')[0]}\nUsage: ${command.usage}\n`);
    return EXIT.USAGE;
  }
  if (parsed.values.help) {
    io.stdout.write(commandHelp(command));
    return EXIT.OK;
  }
  const ctx = createContext(io, parsed.values.url as string | undefined);
  try {
    return await command.run(ctx, parsed.values, parsed.positionals);
  } catch (err) {
    if (err instanceof GrapeError) {
      io.stderr.write(`grape ${name}: ${err.message}\n${err.details.map((d) => `${d}\n`).join('')}`);
      if (err.exitCode === EXIT.USAGE && err.details.length === 0 && /^grape /.test(err.message)) io.stderr.write(`Usage: ${command.usage}\n`);
      return err.exitCode;
    }
    // A bug of ours: still one line for the person, the stack only when asked for.
    io.stderr.write(`grape ${name}: unexpected error: ${(err as Error).message}${io.env.GRAPE_DEBUG ? `\n${(err as Error).stack}` : ' (GRAPE_DEBUG=1 shows more)'}\n`);
    return EXIT.FAILED;
  } finally {
    for (const fn of ctx.cleanup) await fn();
  }
}
