import type { Request, RequestHandler, Response } from 'express';
import {
  EAS_OPTIONS_HEADERS,
  EAS_PROTOCOL_VERSIONS,
  EasQueryError,
  WBXML_CONTENT_TYPE,
  certificateTrust,
  commandBodyIsWbxml,
  WbxmlError,
  decodeWbxml,
  encodeWbxml,
  parseEasQuery,
  requestLineUserIs,
  type EasElement,
  type ValidateCertConfig,
} from '@hma-lab/activesync';
import type { Clock, Directory, MailRoute, TraceRecorder, User } from '@hma-lab/core';
import type { CloudMailbox, CloudStore } from '../cloud-mailbox/cloud-store.js';
import {
  newDeviceState,
  runCloudCommand,
  type EasDeviceState,
  type PingWait,
} from '../cloud-mailbox/eas-engine.js';
import type { SigningKeySource } from '../entra/jwks.js';
import { ActiveSyncHttpError, InvalidTokenError } from '../errors.js';
import { bearerOf, validateAccessToken, type TokenRules } from '../protocol/access-token.js';

const EMPTY_BODY = Buffer.alloc(0);

export interface ActiveSyncEndpointDeps {
  keys: SigningKeySource;
  clock: Clock;
  directory: Directory;
  rules: TokenRules;
  store: CloudStore;
  allowBasicAuth: boolean;
  serverVersion: string;
  /** What ValidateCert trusts. */
  validateCert: ValidateCertConfig;
  trace: TraceRecorder;
  /** Where mail for addresses without a cloud mailbox goes (`routeMail`); false: outside the lab. */
  routeMail: MailRoute;
  /** Held Pings: each ends (answers) when called; Exchange Online's close calls them all. */
  heldPings: Set<() => void>;
  /** The devices' state by {@link deviceKey} (the lab's device access controls reach them). */
  devices: Map<string, EasDeviceState>;
}

/** A device's key in {@link ActiveSyncEndpointDeps.devices}. */
export function deviceKey(upn: string, deviceId: string): string {
  return `${upn.toLowerCase()}|${deviceId}`;
}

/**
 * Exchange Online's own ActiveSync endpoint (`/Microsoft-Server-ActiveSync`,
 * flow B): Bearer tokens of Exchange Online's audience (basic auth only when
 * `allowBasicAuthActiveSync`), for mailboxes that live in Exchange Online.
 * No or an empty credential gets the 401 Bearer challenge of flow B step 4.
 */
export function activeSyncEndpoint(deps: ActiveSyncEndpointDeps): RequestHandler {
  const { devices } = deps;
  return async function activeSync(req: Request, res: Response) {
    const user = await authenticateActiveSync(req, deps);
    if (deps.directory.isDisabled(user.upn)) {
      throw new ActiveSyncHttpError(403, 'AccountDisabled', `${user.upn} is disabled`);
    }
    const mailbox = deps.store.mailbox(user.upn);
    if (!mailbox) {
      throw new ActiveSyncHttpError(
        403,
        'UserNotEnabled',
        `${user.upn} has no mailbox in Exchange Online`,
      );
    }
    res.set('MS-Server-ActiveSync', deps.serverVersion);
    if (req.method === 'OPTIONS') {
      res
        .status(200)
        .set({ ...EAS_OPTIONS_HEADERS, 'MS-Server-ActiveSync': deps.serverVersion })
        .set('Content-Length', '0')
        .end();
      return;
    }
    if (req.method !== 'POST') {
      throw new ActiveSyncHttpError(
        501,
        'NotImplemented',
        `${req.method} is not an ActiveSync method`,
      );
    }
    let line: ReturnType<typeof parseEasQuery>;
    let request: EasElement | undefined;
    try {
      line = parseEasQuery(req.originalUrl, req.headers);
      const wbxmlBody = commandBodyIsWbxml(line.cmd, Number(line.protocolVersion ?? '14.1'));
      request =
        req.rawBody && req.rawBody.length > 0 && wbxmlBody ? decodeWbxml(req.rawBody) : undefined;
    } catch (error) {
      if (error instanceof EasQueryError || error instanceof WbxmlError) {
        throw new ActiveSyncHttpError(400, 'BadRequest', error.message, { cause: error });
      }
      throw error;
    }
    // As on-premises: the request line names the signed-in user, and a
    // version this server offers (MS-ASProtocolVersions of OPTIONS).
    if (line.user && !requestLineUserIs(line.user, user.upn)) {
      throw new ActiveSyncHttpError(
        403,
        'UserMismatch',
        `User=${line.user} is not the authenticated user`,
      );
    }
    if (
      line.protocolVersion !== undefined &&
      !EAS_PROTOCOL_VERSIONS.includes(line.protocolVersion)
    ) {
      res.set('MS-ASProtocolVersions', EAS_PROTOCOL_VERSIONS.join(','));
      throw new ActiveSyncHttpError(
        400,
        'UnsupportedProtocolVersion',
        `MS-ASProtocolVersion ${line.protocolVersion} is not offered`,
      );
    }
    const key = deviceKey(user.upn, line.deviceId);
    let device = devices.get(key);
    if (!device) {
      device = newDeviceState();
      devices.set(key, device);
    }
    device.deviceType = line.deviceType;
    const userAgent = req.get('user-agent');
    if (userAgent) device.userAgent = userAgent;
    const result = runCloudCommand(line.cmd, request, {
      mailbox,
      device,
      policyKey: line.policyKey,
      protocolVersion: Number(line.protocolVersion ?? '14.1'),
      nowMs: deps.clock.now(),
      owner: { name: user.displayName, email: user.upn },
      rawBody: req.rawBody ?? EMPTY_BODY,
      query: line,
      deliver: (email, mail) => deps.store.accept(email, mail) || deps.routeMail(email, mail),
      people: () => deps.directory.users(),
      certificateTrust: () => certificateTrust(deps.validateCert, deps.clock.now()),
      deviceAccess: deps.directory.scenario.exchange.online.deviceAccess,
      event: (action, summary, data) => deps.trace.event('exo', action, summary, data),
    });
    if (!result) {
      throw new ActiveSyncHttpError(
        501,
        'NotImplemented',
        `Exchange Online's lab ActiveSync does not implement ${line.cmd}`,
      );
    }
    if ('file' in result) {
      res.status(200).type(result.file.contentType).send(Buffer.from(result.file.bytes));
      return;
    }
    if ('status' in result) {
      // An empty answer: 449 (provision first), 403 (a device not allowed, before 14.0),
      // 400/404/500/501 (a refused mail command or
      // GetAttachment), or 200 (mail sent).
      res.status(result.status).set('Content-Length', '0').end();
      return;
    }
    if ('wait' in result) {
      await heldUntilNews(result.wait, mailbox, res, deps);
      if (res.destroyed) return;
    }
    const body = 'wait' in result ? result.wait.answer() : result.body;
    res.status(200).type(WBXML_CONTENT_TYPE).send(encodeWbxml(body));
  };
}

/**
 * Holds a Ping until its folders have news (after a change of the mailbox),
 * its heartbeat ends on the lab clock (a virtual clock: when a test advances
 * it), the client goes away, or Exchange Online closes.
 */
function heldUntilNews(
  wait: PingWait,
  mailbox: CloudMailbox,
  res: Response,
  deps: Pick<ActiveSyncEndpointDeps, 'clock' | 'heldPings'>,
): Promise<void> {
  return new Promise<void>((resolve) => {
    const finish = (): void => {
      mailbox.watchers.delete(onChange);
      deps.heldPings.delete(finish);
      timer.cancel();
      res.off('close', finish);
      resolve();
    };
    const onChange = (): void => {
      let news: boolean;
      try {
        news = wait.changed();
      } catch {
        news = true; // answer (and say what failed) rather than hang
      }
      if (news) finish();
    };
    const timer = deps.clock.after(wait.heartbeatMs, finish, 'exo-eas Ping heartbeat');
    mailbox.watchers.add(onChange);
    deps.heldPings.add(finish);
    res.on('close', finish);
  });
}

/**
 * The caller of Exchange Online's ActiveSync (and POX AutoDiscover): a Bearer
 * token of Exchange Online's audience, or Basic when `allowBasicAuth`. Throws
 * {@link InvalidTokenError}, which the error middleware turns into the 401
 * Bearer challenge.
 */
export async function authenticateActiveSync(
  req: Request,
  deps: Pick<ActiveSyncEndpointDeps, 'allowBasicAuth' | 'directory' | 'rules' | 'keys' | 'clock'>,
): Promise<User> {
  const authorization = req.get('authorization');
  const basic = /^basic\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (basic) {
    if (!deps.allowBasicAuth) {
      throw new InvalidTokenError(
        'basic authentication is blocked for ActiveSync',
        undefined,
        false,
      );
    }
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const upn = colon < 0 ? decoded : decoded.slice(0, colon);
    const user = deps.directory.user(upn.replace(/^.*\\/, ''));
    if (!user || colon < 0 || !deps.directory.checkPassword(user.upn, decoded.slice(colon + 1))) {
      throw new InvalidTokenError('wrong user name or password', undefined, false);
    }
    return user;
  }
  const token = await validateAccessToken(bearerOf(authorization), deps.rules, {
    keyFor: (kid) => deps.keys.keyFor(kid),
    nowMs: deps.clock.now(),
    directory: deps.directory,
  });
  return token.user;
}
