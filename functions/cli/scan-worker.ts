/** A worker thread of scan-pool.ts: reads the files it is sent, one at a time, and posts each result back. */
import { parentPort, workerData } from 'node:worker_threads';
import { scanFile, type ScanOptions } from './scan-file.js';

const options = workerData as ScanOptions;
parentPort!.on('message', (task: { id: number; path: string }) => {
  void scanFile(task.path, options).then((scan) => parentPort!.postMessage({ id: task.id, scan }));
});
