import net from 'node:net';

// Every test runs with scripts/jest-setup.ts, which refuses sockets to anything but loopback.
describe('tests stay on this machine', () => {
  it('refuses a connection to a non-loopback address', () => {
    expect(() => net.connect(443, '93.184.215.14')).toThrow(
      /offline: refused a connection to 93\.184\.215\.14/,
    );
    expect(() => net.connect({ host: 'login.microsoftonline.com', port: 443 })).toThrow(/offline/);
  });

  it('refuses fetch to a real Microsoft host', async () => {
    await expect(
      fetch('https://login.microsoftonline.com/common/discovery/keys'),
    ).rejects.toThrow();
  });

  it('allows loopback', async () => {
    const server = net.createServer((socket) => socket.end('hi')).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as net.AddressInfo;
    const text = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      let data = '';
      socket.on('data', (d) => (data += d));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
    expect(text).toBe('hi');
    server.close();
  });
});
