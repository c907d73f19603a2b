/**
 * Refuses, and records, every outgoing connection that is not to this machine's loopback: the
 * cloud tests must never reach the internet (nor an instance-metadata address). Both node:http
 * (the AWS SDK) and undici connect through net.Socket.prototype.connect.
 */
import net from 'node:net';

export interface NetworkGuard {
  /** host:port of every refused attempt. */
  refused: string[];
  release(): void;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|::1|\[::1\]|::ffff:127\.\d+\.\d+\.\d+)$/;

export function guardNetwork(): NetworkGuard {
  const refused: string[] = [];
  const original = net.Socket.prototype.connect;
  type ConnectArgs = Parameters<typeof original>;
  net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
    const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
    const opts = (typeof first === 'object' && first !== null ? first : { port: first, host: args[1] }) as { host?: unknown; port?: unknown; path?: unknown };
    if (typeof opts.path !== 'string') {
      const host = typeof opts.host === 'string' ? opts.host : 'localhost';
      if (!LOOPBACK.test(host)) {
        refused.push(`${host}:${String(opts.port)}`);
        const err = Object.assign(new Error(`connect ECONNREFUSED ${host}:${String(opts.port)} (refused by the test network guard)`), { code: 'ECONNREFUSED' });
        process.nextTick(() => this.destroy(err));
        return this;
      }
    }
    return original.apply(this, args as ConnectArgs);
  } as typeof original;
  return {
    refused,
    release: () => {
      net.Socket.prototype.connect = original;
    },
  };
}
