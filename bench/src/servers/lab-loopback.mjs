// A whole lab on loopback with the trace off (how load tests run it), from the
// built packages. Prints `{"ready":true,"services":{party: baseUrl}}`.
// Its threads yield to the event loop as the `hma-lab up` command's do
// (packages/cli/src/main.ts), and the bench starts it with the thread pool size
// the command gives itself (UV_THREADPOOL_SIZE, set by token-endpoint.ts: this
// module's own loading starts the pool, too early to size it here), so the two
// lab rows differ only in the trace.
import { createLab, lowerHelperThreadPriority } from '@hma-lab/lab';

await lowerHelperThreadPriority();

const lab = await createLab({ mode: 'loopback', trace: false, clockMode: 'running' });
process.stdout.write(`${JSON.stringify({ ready: true, services: lab.services })}\n`);
process.on('SIGTERM', () => void lab.close().then(() => process.exit(0)));
