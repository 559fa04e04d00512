// A whole lab on loopback with the trace off (how load tests run it), from the
// built packages. Prints `{"ready":true,"services":{party: baseUrl}}`.
// The thread pool is sized, and its threads yield to the event loop, as the
// `hma-lab up` command does (packages/cli/bin/hma-lab.cjs, packages/cli/src/main.ts),
// so the two lab rows differ only in the trace.
import { availableParallelism } from 'node:os';

if (!process.env.UV_THREADPOOL_SIZE && availableParallelism() < 4) {
  process.env.UV_THREADPOOL_SIZE = String(Math.max(2, availableParallelism()));
}
const { createLab, lowerHelperThreadPriority } = await import('@hma-lab/lab');
await lowerHelperThreadPriority();

const lab = await createLab({ mode: 'loopback', trace: false, clockMode: 'running' });
process.stdout.write(`${JSON.stringify({ ready: true, services: lab.services })}\n`);
process.on('SIGTERM', () => void lab.close().then(() => process.exit(0)));
