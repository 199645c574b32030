// Loads one bundle in this fresh process and prints how long that took, as one JSON line:
//   importMs: from just before import() to the module (and its cold-start code) having run;
//   readyMs: from the process's start (performance.timeOrigin) to the same point, Node's own start-up included.
const started = performance.now();
const mod = await import(process.argv[2]);
const ready = performance.now();
const handler = mod.handler ?? mod.default?.handler;
if (typeof handler !== 'function') {
  process.stderr.write(`${process.argv[2]} exports no handler function\n`);
  process.exit(3);
}
process.stdout.write(`${JSON.stringify({ importMs: ready - started, readyMs: ready })}\n`);
