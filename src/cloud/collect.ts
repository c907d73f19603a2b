/**
 * Gathers discovered resources listing by listing, page by page, and stops at the context's
 * maxResources: the answer then says it is truncated and what was left out.
 */
import type { Ctx } from './context.js';
import type { DiscoveredResource, Discovery } from './types.js';

/** A safety net against an API that keeps answering empty pages with a next token. */
export const MAX_PAGES_PER_LISTING = 200;

export interface Page {
  items: DiscoveredResource[];
  /** The token (or link) of the next page; undefined on the last one. */
  next: string | undefined;
}

export class ResourceCollector {
  readonly resources: DiscoveredResource[] = [];
  private readonly counts: Array<[label: string, count: number]> = [];
  private stop: { label: string; why: 'limit' | 'pages' } | undefined;
  private readonly skipped: string[] = [];

  constructor(private readonly ctx: Ctx) {}

  get remaining(): number {
    return this.ctx.maxResources - this.resources.length;
  }

  /**
   * Lists one kind of resource to its last page, unless the limit was reached. A page is asked
   * for with room for one more than fits, so a listing that ends exactly at the limit is not
   * reported as truncated.
   */
  async list(label: string, describe: string, fetchPage: (token: string | undefined, pageSize: number) => Promise<Page>): Promise<void> {
    if (this.stop) {
      this.skipped.push(label);
      return;
    }
    const entry: [string, number] = [label, 0];
    this.counts.push(entry);
    let token: string | undefined;
    for (let page = 1; page <= MAX_PAGES_PER_LISTING; page++) {
      const { items, next } = await fetchPage(token, this.remaining + 1);
      const fit = items.slice(0, Math.max(0, this.remaining));
      this.resources.push(...fit);
      entry[1] += fit.length;
      this.ctx.log(`${describe}: page ${page}, ${entry[1]} ${entry[1] === 1 ? label.replace(/s$/, '') : label} so far${next ? '' : ' (last page)'}`);
      if (fit.length < items.length || (next && this.remaining <= 0)) {
        this.stop = { label, why: 'limit' };
        return;
      }
      if (!next) return;
      token = next;
    }
    this.stop = { label, why: 'pages' };
  }

  result(): Discovery {
    if (!this.stop) return { resources: this.resources, truncated: false };
    const limit = this.ctx.maxResources;
    const counts = this.counts.map(([label, n]) => `${n} ${label}`).join(', ');
    const skipped = this.skipped.length ? `, and ${this.skipped.join(' and ')} were not listed` : '';
    const message =
      this.stop.why === 'limit'
        ? `Showing the first ${limit} resources (${counts}) of more: there are more ${this.stop.label}${skipped}; raise the resource limit (now ${limit}) to see them all.`
        : `Showing ${this.resources.length} resources (${counts}): the ${this.stop.label} listing still had more after ${MAX_PAGES_PER_LISTING} pages${skipped}; try again, and report it if it persists.`;
    this.ctx.log(message);
    return { resources: this.resources, truncated: true, message };
  }
}
