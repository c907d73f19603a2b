/** One HTTP call to a Google or Azure API with undici, under the context's timeout and signal. */
import { request } from 'undici';
import { attempt, networkFailure, type Ctx, type Target } from './context.js';
import { CloudCheckError, providerCause } from './errors.js';

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

export interface HttpInit {
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  body?: string;
}

/** An answer never larger than this is read; an API's page is far smaller. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

export async function httpCall(ctx: Ctx, target: Target, init: HttpInit, customEndpoint: boolean): Promise<HttpAnswer> {
  try {
    return await attempt(ctx, target, async (signal) => {
      const res = await request(init.url, {
        method: init.method,
        headers: { 'user-agent': 'vintner-cloud-check', ...init.headers },
        body: init.body,
        signal,
      });
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        if (size > MAX_BODY_BYTES) {
          res.body.destroy();
          throw new CloudCheckError('bad_response', `${target.service} answered with more than 16 MB at ${target.url}: check the identity's endpoint URL.`);
        }
        chunks.push(chunk as Buffer);
      }
      const text = Buffer.concat(chunks).toString('utf8');
      return { status: res.statusCode, headers: res.headers, text, json: parseJson(text) };
    });
  } catch (err) {
    if (err instanceof CloudCheckError) throw err;
    const net = networkFailure(err, target, customEndpoint);
    if (net) throw net;
    const what = err instanceof Error ? `${err.name}${'code' in err ? ` ${String(err.code)}` : ''}` : 'an unknown error';
    throw new CloudCheckError('endpoint_unreachable', `${target.service} could not be called at ${target.url} (${what}): check the endpoint URL and the Tendril's network access to it.`, {
      cause: providerCause(what, ctx.scrub(err instanceof Error ? err.message : String(err))),
    });
  }
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A plain object's property, or undefined: for reading JSON answers without trusting their shape. */
export function field(value: unknown, key: string): unknown {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined;
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** "the first sentence" of a provider's long message, for quoting in ours. */
export function firstSentence(text: string, max = 200): string {
  const one = text.split(/\r?\n/)[0] ?? '';
  const cut = one.match(/^(.*?[.!?])(\s|$)/)?.[1] ?? one;
  return cut.length > max ? `${cut.slice(0, max - 1)}…` : cut;
}
