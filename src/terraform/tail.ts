/**
 * Following a file as it grows, line by line: Terraform's output goes to files in its work
 * directory rather than pipes, so that a Terraform whose Tendril died (kill -9) is not killed by a
 * broken pipe (SIGPIPE, which a Go program dies of on its stdout and stderr) before it has stopped
 * gracefully and written down the state it could not save.
 */
import { watch, type FSWatcher } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';

/** How often the file is read when no change event came (a safety net for inotify). */
const POLL_MS = 200;
const CHUNK = 64 * 1024;

export interface Tail {
  /** Reads what is left, hands over a last line without its newline, and stops following. */
  stop(): Promise<void>;
}

export async function tailLines(path: string, onLine: (line: string) => void): Promise<Tail> {
  const file: FileHandle = await open(path, 'r');
  const decoder = new StringDecoder('utf8');
  const buf = Buffer.alloc(CHUNK);
  let position = 0;
  let partial = '';
  let reading: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  const take = (text: string) => {
    partial += text;
    let i: number;
    while ((i = partial.indexOf('\n')) !== -1) {
      const line = partial.slice(0, i).replace(/\r$/, '');
      partial = partial.slice(i + 1);
      onLine(line);
    }
  };
  const drain = async () => {
    for (;;) {
      const { bytesRead } = await file.read(buf, 0, CHUNK, position);
      if (bytesRead === 0) return;
      position += bytesRead;
      take(decoder.write(buf.subarray(0, bytesRead)));
    }
  };
  const pump = (): Promise<void> => {
    if (reading) {
      again = true;
      return reading;
    }
    reading = (async () => {
      do {
        again = false;
        await drain();
      } while (again);
    })()
      .catch(() => {})
      .finally(() => (reading = undefined));
    return reading;
  };

  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(path, { persistent: false }, () => {
      if (!stopped) void pump();
    });
    watcher.on('error', () => {});
  } catch {
    // no inotify here: the poll alone
  }
  const timer = setInterval(() => void pump(), POLL_MS);
  timer.unref();

  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      watcher?.close();
      await pump();
      await reading;
      await drain().catch(() => {});
      take(decoder.end());
      if (partial) onLine(partial);
      partial = '';
      await file.close().catch(() => {});
    },
  };
}
