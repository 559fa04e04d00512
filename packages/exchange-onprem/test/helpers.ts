import { createEasClient, type EasClientOptions } from '@hma-lab/activesync';
import {
  contosoScenario,
  createTestContext,
  epochSeconds,
  parseScenario,
  signJwt,
  WELL_KNOWN_APPS,
  type ScenarioInput,
  type SigningKey,
  type TestContext,
} from '@hma-lab/core';
import express from 'express';
import {
  createOnpremActiveSync,
  type OnpremActiveSyncConfig,
  type OnpremActiveSyncService,
} from '@hma-lab/exchange-onprem';

export const EAS_URL = 'https://mail.contoso.com/Microsoft-Server-ActiveSync';

export interface Lab {
  ctx: TestContext;
  eas: OnpremActiveSyncService;
  /** How many times the fake Entra served its JWKS. */
  jwksHits(): number;
  /** An AT2-like token (aud https://mail.contoso.com, appid Exchange Online) for a user. */
  token(upn: string, claims?: Record<string, unknown>, signer?: SigningKey): string;
  /** A fetch as Exchange Online (the HMA sync connection). */
  fetch: ReturnType<TestContext['fetchFor']>;
  client(
    options?: Partial<EasClientOptions> & { upn?: string },
  ): ReturnType<typeof createEasClient>;
}

/** A lab with onprem-eas mounted and a tiny Entra that serves only its JWKS. */
export function createLab(
  options: {
    scenario?: (input: ScenarioInput) => void;
    config?: Partial<OnpremActiveSyncConfig>;
  } = {},
): Lab {
  let scenario;
  if (options.scenario) {
    const input = structuredClone(contosoScenario);
    options.scenario(input);
    scenario = parseScenario(input);
  }
  const ctx = createTestContext(scenario ? { scenario } : {});
  const eas = createOnpremActiveSync(ctx.depsFor('onprem-eas'), options.config);
  ctx.mount('onprem-eas', eas.app);
  let hits = 0;
  const entra = express();
  entra.get('/common/discovery/keys', (_req, res) => {
    hits += 1;
    res.json(ctx.keys.entra.jwks());
  });
  ctx.mount('entra', entra);
  const lab: Lab = {
    ctx,
    eas,
    jwksHits: () => hits,
    token(upn, claims = {}, signer) {
      const user = ctx.directory.user(upn);
      const now = epochSeconds(ctx.clock);
      return signJwt(signer ?? ctx.keys.entra.active(), {
        aud: 'https://mail.contoso.com',
        iss: `https://sts.windows.net/${ctx.directory.tenant.id}/`,
        iat: now,
        nbf: now,
        exp: now + 3600,
        appid: WELL_KNOWN_APPS.exchangeOnline,
        appidacr: '1',
        oid: user?.objectId ?? '00000000-0000-0000-0000-000000000000',
        tid: ctx.directory.tenant.id,
        upn,
        unique_name: upn,
        scp: 'EAS.AccessAsUser.All',
        ver: '1.0',
        ...claims,
      });
    },
    fetch: ctx.fetchFor('exo'),
    client(opts = {}) {
      const upn = opts.upn ?? 'alice@contoso.com';
      return createEasClient({
        fetch: lab.fetch,
        url: EAS_URL,
        authorization: () => `Bearer ${lab.token(upn)}`,
        deviceId: 'OutlookService0001',
        deviceType: 'OutlookService',
        ...opts,
      });
    },
  };
  return lab;
}

/** A client that has provisioned and synced the folder hierarchy; `id(type)` is a folder's ServerId by EAS folder type. */
export async function readyClient(lab: Lab, opts: Parameters<Lab['client']>[0] = {}) {
  const client = lab.client(opts);
  await client.provision();
  const { folders } = await client.folderSync();
  const id = (type: number) => folders.find((f) => f.type === type)!.serverId;
  return { client, id };
}

/** Waits (in real microtasks, not time) until `condition` holds. */
export async function until(condition: () => boolean, what = 'condition'): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}
