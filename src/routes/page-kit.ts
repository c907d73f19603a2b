/**
 * What every page route shares: rendering with the signed-in user and a CSRF token, page vs
 * fragment for htmx, redirects that work with and without JavaScript, flash messages, and turning
 * a domain error into messages shown next to the form fields.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ConflictError, ValidationError, type FieldError } from '../domain/errors.js';
import { h } from './view-helpers.js';

/** An htmx request wants a fragment; a history restore (back button) wants the whole page. */
export const isHtmx = (req: FastifyRequest) => req.headers['hx-request'] === 'true' && req.headers['hx-history-restore-request'] !== 'true';

/**
 * Renders a page (or a fragment) with what the layout needs: the user, a CSRF token, a flash.
 * `csrf: false` for pages without forms seen by anonymous visitors: a token means a stored session.
 */
export async function render(req: FastifyRequest, reply: FastifyReply, template: string, data: Record<string, unknown> = {}, opts: { csrf?: boolean } = {}): Promise<FastifyReply> {
  const html = await req.server.view(template, pageData(req, reply, data, opts));
  // Sent encoded: a page is a long string of concatenations, which measuring (Content-Length)
  // and then writing would each flatten and walk again; one Buffer does both at once.
  if (!reply.getHeader('content-type')) reply.type('text/html; charset=utf-8');
  return reply.send(Buffer.from(html));
}

/** What `render` gives a template: the route's data and the layout's (user, CSRF token, flash). Takes the flash. */
export function pageData(req: FastifyRequest, reply: FastifyReply, data: Record<string, unknown> = {}, opts: { csrf?: boolean | string } = {}): Record<string, unknown> {
  const flash = req.session?.flash;
  if (flash && !isHtmx(req)) delete req.session.flash;
  return {
    title: '',
    ...data,
    user: req.user,
    csrfToken: typeof opts.csrf === 'string' ? opts.csrf : opts.csrf === false && !req.user ? undefined : reply.generateCsrf(),
    flash: isHtmx(req) ? undefined : flash,
    path: req.url.split('?')[0],
    h,
  };
}

/**
 * Sends a page rendered earlier (see plugins/page-cache.ts) with this request's CSRF token in
 * place. The parts are kept encoded: a copy costs less than encoding the page again.
 */
export function sendKeptPage(reply: FastifyReply, parts: readonly Buffer[]): FastifyReply {
  let body = parts[0]!;
  if (parts.length > 1) {
    const token = Buffer.from(reply.generateCsrf());
    const pieces: Buffer[] = [];
    parts.forEach((p, i) => (i ? pieces.push(token, p) : pieces.push(p)));
    body = Buffer.concat(pieces);
  }
  return reply.type('text/html; charset=utf-8').send(body);
}

/** Splits a rendered page at the CSRF placeholder into the parts `sendKeptPage` joins. */
export const keepablePage = (html: string, slot: string): Buffer[] => html.split(slot).map((p) => Buffer.from(p));

/** After a successful POST: 303 for a plain form, `HX-Redirect` for htmx (a full navigation). */
export function redirect(req: FastifyRequest, reply: FastifyReply, to: string, flash?: string): FastifyReply {
  if (flash) req.session.flash = flash;
  if (isHtmx(req)) return reply.header('HX-Redirect', to).status(200).send('');
  return reply.redirect(to, 303);
}

/** Only same-site paths: `next=https://evil.example` must not send a signed-in user elsewhere. */
export function safeLocalPath(value: unknown, fallback: string): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return fallback;
  return value;
}

export interface FormProblem {
  status: number;
  /** The sentence shown above the form. */
  message: string;
  /** Field name → message, for the field's own error line. */
  fields: Record<string, string>;
  /** Every problem, for the summary (fields that have no input on the page included). */
  list: FieldError[];
}

/**
 * A domain error a form can show (validation: 422 so htmx swaps it in; conflict: 409), or
 * undefined for anything else, which the app's error handler answers.
 */
export function formProblem(err: unknown): FormProblem | undefined {
  if (err instanceof ValidationError) {
    const fields: Record<string, string> = {};
    for (const e of err.errors) fields[e.field] ??= e.message;
    const n = err.errors.length;
    return { status: 422, message: n ? `Please fix ${n === 1 ? 'the problem' : `the ${n} problems`} below.` : err.message, fields, list: err.errors };
  }
  if (err instanceof ConflictError) return { status: 409, message: capitalise(err.message), fields: {}, list: [] };
  return undefined;
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * Runs a form's action; a refusal a form can show (see formProblem) sets the answer's status and
 * renders `onProblem` instead, anything else goes to the app's error handler. Every page form
 * answers its errors this one way.
 */
export async function formAction<T, U>(reply: FastifyReply, action: () => Promise<T>, onProblem: (problem: FormProblem) => Promise<U> | U): Promise<T | U> {
  try {
    return await action();
  } catch (err) {
    const problem = formProblem(err);
    if (!problem) throw err;
    reply.status(problem.status);
    return onProblem(problem);
  }
}

/** A string field of a urlencoded body ('' when absent; the first when repeated). */
export function field(body: unknown, name: string): string {
  const v = (body as Record<string, unknown> | undefined)?.[name];
  const one = Array.isArray(v) ? v[0] : v;
  return typeof one === 'string' ? one : '';
}
