import type { Agent, fetch as undiciFetch } from 'undici';

/**
 * A `fetch` for Node clients outside the lab's process: every request to an
 * emulated host name (`https://login.microsoftonline.com/...`) is sent to the
 * running lab's front door, with the real name in TLS SNI and `Host`, trusting
 * the lab's CA. It is what a hosts-file entry plus a trusted CA give any other
 * client, without touching the machine's configuration.
 *
 * @example
 * ```ts
 * const ready = JSON.parse(readyLine); // from `hma-lab up`
 * const fetch = createFrontDoorFetch({ frontDoor: ready.frontDoor, ca: readFileSync(ready.ca, 'utf8') });
 * await fetch('https://login.microsoftonline.com/common/discovery/keys');
 * ```
 */
export function createFrontDoorFetch(options: { frontDoor: string; ca?: string }): {
  fetch: (input: string | URL, init?: RequestInit) => Promise<Response>;
  close(): Promise<void>;
} {
  const door = new URL(options.frontDoor);
  const port = Number(door.port || (door.protocol === 'https:' ? 443 : 80));
  // undici is loaded on the first request (keeps it out of the lab's start-up).
  let client: Promise<{ agent: Agent; fetch: typeof undiciFetch }> | undefined;
  const connect = () =>
    (client ??= import('undici').then(({ Agent, buildConnector, fetch }) => {
      const connector = buildConnector({ ...(options.ca ? { ca: options.ca } : {}) });
      const agent = new Agent({
        connect(connectOptions, callback) {
          connector(
            {
              ...connectOptions,
              hostname: door.hostname,
              port: String(port),
              servername: connectOptions.hostname,
            } as Parameters<typeof connector>[0],
            callback,
          );
        },
      });
      return { agent, fetch };
    }));
  return {
    fetch: async (input, init = {}) => {
      const { agent, fetch } = await connect();
      return fetch(typeof input === 'string' ? input : input.href, {
        ...(init as object),
        dispatcher: agent,
      }) as unknown as Promise<Response>;
    },
    close: async () => {
      if (client) await (await client).agent.close();
    },
  };
}
