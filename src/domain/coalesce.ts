/**
 * Reads shared by callers that ask at the same time, never older than the asking: a caller joins
 * only a read that begins after it asked. While a read of a key runs, every caller that comes
 * waits for the next one, which begins as soon as the running one ends and answers them all; so
 * 50 visits of one page at once cost two reads, not 50, and each sees what was stored when it
 * came (a write it just made included). A failed read fails the callers that shared it.
 */
export interface Coalescer<T> {
  run(key: string, read: () => Promise<T>): Promise<T>;
  /** Keys with a read running or waiting (tests). */
  readonly size: number;
}

interface Flight<T> {
  current?: Promise<T>;
  next?: Promise<T>;
}

export function createCoalescer<T>(): Coalescer<T> {
  const flights = new Map<string, Flight<T>>();
  const start = (key: string, f: Flight<T>, read: () => Promise<T>): Promise<T> => {
    const p: Promise<T> = read().finally(() => {
      if (f.current !== p) return;
      f.current = undefined;
      if (!f.next && flights.get(key) === f) flights.delete(key);
    });
    return p;
  };
  return {
    run(key, read) {
      let f = flights.get(key);
      if (!f) flights.set(key, (f = {}));
      const flight = f;
      if (!flight.current) return (flight.current = start(key, flight, read));
      if (!flight.next) {
        const noop = () => {};
        // Begins once the running read has ended: it began before these callers asked.
        flight.next = flight.current.then(noop, noop).then(() => {
          const p = start(key, flight, read);
          flight.current = p;
          flight.next = undefined;
          return p;
        });
      }
      return flight.next;
    },
    get size() {
      return flights.size;
    },
  };
}
