// A whole lab on loopback with the trace off (how load tests run it), from the
// built packages. Prints `{"ready":true,"services":{party: baseUrl}}`.
import { createLab } from '@hma-lab/lab';

const lab = await createLab({ mode: 'loopback', trace: false, clockMode: 'running' });
process.stdout.write(`${JSON.stringify({ ready: true, services: lab.services })}\n`);
process.on('SIGTERM', () => void lab.close().then(() => process.exit(0)));
