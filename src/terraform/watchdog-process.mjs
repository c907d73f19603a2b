// The Terraform watchdog (see watchdog.ts): argv = [parent pid, grace ms]. Lines on stdin: "+<pgid>"
// starts watching a Terraform process group, "-<pgid>" stops. When stdin closes or the parent is
// gone, every watched group gets SIGINT (its leader, Terraform, stops gracefully), then SIGKILL
// (the whole group) after the grace, and the watchdog exits.
const parent = Number(process.argv[2]);
const grace = Number(process.argv[3]) || 1000;
const groups = new Set();
let stopping = false;

const signal = (pid, sig) => {
  try {
    process.kill(pid, sig);
  } catch {
    // gone already
  }
};

function stopAll() {
  if (stopping) return;
  stopping = true;
  for (const g of groups) signal(g, 'SIGINT');
  setTimeout(() => {
    for (const g of groups) signal(-g, 'SIGKILL');
    process.exit(0);
  }, groups.size ? grace : 0);
}

let pending = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  pending += chunk;
  let i;
  while ((i = pending.indexOf('\n')) !== -1) {
    const line = pending.slice(0, i).trim();
    pending = pending.slice(i + 1);
    const pgid = Number(line.slice(1));
    if (!Number.isInteger(pgid) || pgid <= 1) continue;
    if (line[0] === '+') groups.add(pgid);
    else if (line[0] === '-') groups.delete(pgid);
  }
});
process.stdin.on('end', stopAll);
process.stdin.on('close', stopAll);
process.stdin.on('error', stopAll);
// A parent that died while its pipe lingers (inherited by someone else): the parent pid changes.
setInterval(() => {
  if (process.ppid !== parent) stopAll();
}, 200);
process.on('SIGINT', () => {}); // a Ctrl-C to the Tendril's terminal is the Tendril's to handle
