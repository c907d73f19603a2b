/**
 * The SSE clients of bench/sse.ts, in a process of their own so that Trellis's memory and event
 * loop are Trellis's alone. Each client is what a browser on a vine page holds open: the vine's
 * stream (`/vines/:id/events`) and the log stream of its running job (`/jobs/:id/events`), over
 * real HTTP. Driven over IPC: `open` → `ready` once every stream got its first event; `report` →
 * the seqs and arrival times each client saw.
 */
import { request, Agent, type IncomingMessage } from 'node:http';

interface Target {
  jobId: string;
  vineId: string;
}
interface Open {
  type: 'open';
  url: string;
  cookie: string;
  /** One per client. */
  targets: Target[];
}

/** Wall-clock ms with sub-ms precision, comparable with the parent's (same clock). */
const now = () => performance.timeOrigin + performance.now();

interface Client {
  /** seq, arrival, seq, arrival, … of `line` events. */
  lines: number[];
  /** Arrival times of the vine stream's `swap` events after the first. */
  swaps: number[];
  jobEnd?: number;
  firstJob: boolean;
  firstVine: boolean;
  errors: string[];
  responses: IncomingMessage[];
}

const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
let clients: Client[] = [];
let ready = 0;
let expected = 0;

function stream(url: string, cookie: string, onEvent: (event: string, id: string | undefined) => void, c: Client): void {
  const req = request(url, { agent, headers: { cookie, accept: 'text/event-stream' } }, (res) => {
    if (res.statusCode !== 200) c.errors.push(`${url}: HTTP ${res.statusCode}`);
    c.responses.push(res);
    res.setEncoding('utf8');
    let buffer = '';
    res.on('data', (chunk: string) => {
      buffer += chunk;
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const ev = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        if (ev.startsWith(':')) continue; // keep-alive
        let id: string | undefined;
        let name = 'message';
        let at = 0;
        if (ev.startsWith('id: ')) {
          const nl = ev.indexOf('\n');
          id = ev.slice(4, nl);
          at = nl + 1;
        }
        if (ev.startsWith('event: ', at)) name = ev.slice(at + 7, ev.indexOf('\n', at));
        onEvent(name, id);
      }
    });
    res.on('error', (err) => c.errors.push(`${url}: ${err.message}`));
  });
  req.on('error', (err) => c.errors.push(`${url}: ${err.message}`));
  req.end();
}

const seen = () => {
  if (++ready === expected) process.send!({ type: 'ready' });
};

process.on('message', (msg: Open | { type: 'report' } | { type: 'close' }) => {
  if (msg.type === 'open') {
    clients = msg.targets.map(() => ({ lines: [], swaps: [], firstJob: true, firstVine: true, errors: [], responses: [] }));
    expected = msg.targets.length * 2;
    ready = 0;
    msg.targets.forEach((t, i) => {
      const c = clients[i]!;
      stream(`${msg.url}/jobs/${t.jobId}/events`, msg.cookie, (event, id) => {
        const at = now();
        if (event === 'line') c.lines.push(Number(id), at);
        else if (event === 'end') c.jobEnd = at;
        if (c.firstJob) {
          c.firstJob = false; // the job's status, sent as the stream opens
          seen();
        }
      }, c);
      stream(`${msg.url}/vines/${t.vineId}/events?job=${t.jobId}`, msg.cookie, (event) => {
        const at = now();
        if (c.firstVine) {
          c.firstVine = false; // the vine's state as the stream opens
          seen();
        } else if (event === 'swap') c.swaps.push(at);
      }, c);
    });
  } else if (msg.type === 'report') {
    process.send!({ type: 'report', clients: clients.map(({ lines, swaps, jobEnd, errors }) => ({ lines, swaps, jobEnd, errors })) });
  } else {
    for (const c of clients) for (const r of c.responses) r.destroy();
    clients = [];
    setTimeout(() => process.exit(0), 100);
  }
});
process.send!({ type: 'started' });
