// Runs before every test file. Tests are offline by rule: any socket to a host
// other than loopback fails loudly instead of leaving the machine
// (e2e/network-guard.test.ts proves it).
import net from 'node:net';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+|localhost)$/i;

type ConnectFn = (...args: unknown[]) => net.Socket;
const original = net.Socket.prototype.connect as unknown as ConnectFn & { __hmaLabGuard?: boolean };

function targetHost(args: unknown[]): string | undefined {
  const first = args[0];
  if (Array.isArray(first)) return targetHost(first);
  if (first && typeof first === 'object') {
    const options = first as { host?: string; path?: string };
    if (options.path) return undefined; // Unix socket: local by definition.
    return options.host ?? 'localhost';
  }
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    return typeof args[1] === 'string' ? args[1] : 'localhost';
  }
  return undefined; // A path string: Unix socket.
}

if (!original.__hmaLabGuard) {
  const guarded = function guardedConnect(this: net.Socket, ...args: unknown[]) {
    const host = targetHost(args);
    if (host !== undefined && !LOOPBACK.test(host)) {
      throw new Error(`hma-lab tests are offline: refused a connection to ${host}`);
    }
    return original.apply(this, args);
  } as ConnectFn & { __hmaLabGuard?: boolean };
  guarded.__hmaLabGuard = true;
  net.Socket.prototype.connect = guarded as unknown as typeof net.Socket.prototype.connect;
}
