/**
 * Grape's exit codes and the one error type its commands throw. main.ts prints the message on one
 * line (never a stack trace for a user's mistake) and exits with the code.
 */
export const EXIT = {
  OK: 0,
  /** A waited-for job FAILED or was CANCELLED, or anything else went wrong. */
  FAILED: 1,
  /** Bad arguments, or input the server refused as invalid. */
  USAGE: 2,
  /** Not logged in, wrong password, token expired or revoked. */
  AUTH: 3,
  NOT_FOUND: 4,
  /** The server could not be reached or did not answer in time. */
  UNREACHABLE: 5,
  /** Interrupted (Ctrl-C) while waiting, the job left running. */
  INTERRUPTED: 130,
} as const;

export class GrapeError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.FAILED,
    /** Extra lines after the message (per-field validation errors). */
    readonly details: string[] = [],
  ) {
    super(message);
  }
}

export const usage = (message: string) => new GrapeError(message, EXIT.USAGE);
