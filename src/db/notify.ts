/**
 * One LISTEN connection per process, fanned out in memory. Web processes use it to push log lines
 * and statuses to SSE clients; Tendrils use it to hear cancel requests. It reconnects on its own
 * and tells subscribers (`onReconnect`) so they can re-read what they may have missed from the
 * database — NOTIFY is a wake-up call, the tables are the truth.
 */
import pg from 'pg';

export type Listener = (payload: string) => void;

export interface NotifyHub {
  subscribe(channel: string, listener: Listener): Promise<() => void>;
  /** Called after the connection was lost and re-established (missed notifications possible). */
  onReconnect(fn: () => void): () => void;
  close(): Promise<void>;
}

const CHANNEL = /^[a-z_][a-z0-9_]*$/;

export function createNotifyHub(connectionString: string, log: (msg: string) => void = () => {}): NotifyHub {
  const listeners = new Map<string, Set<Listener>>();
  const reconnectFns = new Set<() => void>();
  let client: pg.Client | undefined;
  let connecting: Promise<pg.Client> | undefined;
  let closed = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let listenQueue: Promise<unknown> = Promise.resolve();

  const connect = (): Promise<pg.Client> => {
    connecting ??= (async () => {
      const c = new pg.Client({ connectionString, application_name: 'vintner-listen' });
      c.on('notification', (msg) => {
        const set = listeners.get(msg.channel);
        if (!set) return;
        for (const l of set) {
          try {
            l(msg.payload ?? '');
          } catch (err) {
            log(`listener on ${msg.channel} threw: ${(err as Error).message}`);
          }
        }
      });
      c.on('error', (err) => {
        log(`LISTEN connection lost: ${err.message}`);
        lost(c);
      });
      c.on('end', () => lost(c));
      await c.connect();
      for (const ch of listeners.keys()) await c.query(`LISTEN ${ch}`);
      client = c;
      return c;
    })().finally(() => {
      connecting = undefined;
    });
    return connecting;
  };

  const lost = (c: pg.Client) => {
    if (client !== c) return;
    client = undefined;
    c.removeAllListeners('notification');
    if (closed) return;
    const retry = () => {
      retryTimer = undefined;
      if (closed) return;
      connect().then(
        () => reconnectFns.forEach((fn) => fn()),
        () => (retryTimer = setTimeout(retry, 1000)),
      );
    };
    retryTimer = setTimeout(retry, 200);
  };

  return {
    async subscribe(channel, listener) {
      if (!CHANNEL.test(channel)) throw new Error(`bad channel name ${channel}`);
      let set = listeners.get(channel);
      const fresh = !set;
      if (!set) listeners.set(channel, (set = new Set()));
      set.add(listener);
      const c = client ?? (await connect());
      // One statement at a time on the connection (pg deprecates overlapping queries).
      if (fresh) await (listenQueue = listenQueue.catch(() => {}).then(() => c.query(`LISTEN ${channel}`)));
      return () => {
        set!.delete(listener);
      };
    },
    onReconnect(fn) {
      reconnectFns.add(fn);
      return () => reconnectFns.delete(fn);
    },
    async close() {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      const c = client ?? (await connecting?.catch(() => undefined));
      client = undefined;
      await c?.end().catch(() => {});
    },
  };
}
