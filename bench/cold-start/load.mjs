// Loads one bundle in this fresh process and prints how long that took, as one JSON line:
//   importMs: from just before import() to the module (and its cold-start code) having run;
//   readyMs: from the process's start (performance.timeOrigin) to the same point, Node's own start-up included;
//   cpuMs: the CPU time (user+sys, all threads) the import took: on a loaded machine, wall time also counts the
//   time this process waited for a core, CPU time much less;
//   firstUseMs (with a second argument, a chunk of the bundle): the time import() of that chunk then takes, i.e. what
//   the first call that needs a lazily loaded module (an SDK client, the chat rendering) adds.
const cpu = process.cpuUsage();
const started = performance.now();
const mod = await import(process.argv[2]);
const ready = performance.now();
const used = process.cpuUsage(cpu);
const handler = mod.handler ?? mod.default?.handler;
if (typeof handler !== 'function') {
  process.stderr.write(`${process.argv[2]} exports no handler function\n`);
  process.exit(3);
}
let firstUseMs;
if (process.argv[3]) {
  const before = performance.now();
  await import(process.argv[3]);
  firstUseMs = performance.now() - before;
}
const cpuMs = (used.user + used.system) / 1000;
process.stdout.write(`${JSON.stringify({ importMs: ready - started, readyMs: ready, cpuMs, firstUseMs })}\n`);
