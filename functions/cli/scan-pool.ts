/**
 * `evaluate` on both (or all) cores: worker threads inflate, scan and read files (scan-worker.ts runs scanFile), the
 * main thread decides and prints. A file's result is its counts and attach calls, a few KB at most.
 */
import { Worker } from 'node:worker_threads';
import type { FileScan, ScanOptions } from './scan-file.js';
import type { FileReader } from './sources.js';

interface Task {
  readonly id: number;
  readonly path: string;
  readonly resolve: (scan: FileScan) => void;
  readonly reject: (error: Error) => void;
}

export interface ScanPool extends FileReader {
  close(): Promise<void>;
}

/** Starts `size` workers running `script` (dist/scan-worker.js); they stop when the pool is closed. */
export function startScanPool(script: URL, size: number, options: ScanOptions): ScanPool {
  const queue: Task[] = [];
  const running = new Map<Worker, Task>();
  const idle: Worker[] = [];
  let nextId = 0;
  let broken: Error | null = null;
  let closing = false;

  const dispatch = (): void => {
    while (idle.length > 0 && queue.length > 0) {
      const worker = idle.pop()!;
      const task = queue.shift()!;
      running.set(worker, task);
      worker.postMessage({ id: task.id, path: task.path });
    }
  };
  // A worker that dies is a bug, not a problem of the input: fail the run rather than report a partial count.
  const fail = (error: Error): void => {
    broken ??= error;
    for (const task of [...running.values(), ...queue.splice(0)]) task.reject(error);
    running.clear();
  };

  const workers = Array.from({ length: size }, () => {
    const worker = new Worker(script, { workerData: options });
    worker.on('message', (message: { id: number; scan: FileScan }) => {
      const task = running.get(worker);
      if (!task || task.id !== message.id) return;
      running.delete(worker);
      idle.push(worker);
      task.resolve(message.scan);
      dispatch();
    });
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (!closing && (code !== 0 || running.has(worker))) fail(new Error(`a scan worker stopped (exit code ${code})`));
    });
    idle.push(worker);
    return worker;
  });

  return {
    // Enough files in flight to keep every worker busy while the main thread handles the one just finished.
    window: size * 2,
    scan(path: string): Promise<FileScan> {
      if (broken) return Promise.reject(broken);
      return new Promise((resolve, reject) => {
        queue.push({ id: nextId++, path, resolve, reject });
        dispatch();
      });
    },
    async close(): Promise<void> {
      closing = true;
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
