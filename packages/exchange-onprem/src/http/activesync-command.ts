import {
  COMMAND_SHAPES,
  commandBodyIsWbxml,
  decodeWbxml,
  encodeWbxml,
  EasQueryError,
  parseEasQuery,
  requestLineUserIs,
  WbxmlError,
  WbxmlNulTextError,
  withoutNul,
  WBXML_CONTENT_TYPE,
  type EasElement,
  type EasRequestLine,
} from '@hma-lab/activesync';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { EasHttpError, EasStatusError } from '../errors.js';
import type { CommandContext, DeliveredMessage } from '../protocol/command-context.js';

import { evaluateDeviceAccess, type AccessDecision } from '@hma-lab/core';
import { deviceFacts, type DeviceRecord } from '../protocol/devices.js';
import { IMPLEMENTED_COMMANDS, runCommand } from '../protocol/dispatch.js';
import type { Mailbox, StoredItem } from '../protocol/mailbox-store.js';
import {
  checkDeviceAccess,
  checkPolicyKey,
  checkRemoteWipe,
  negotiateVersion,
} from '../protocol/request-gates.js';
import type { EasServiceState } from '../protocol/server-state.js';
import { serverVersionFor, versionsForMailbox } from '../protocol/versions.js';
import { principalOf } from './activesync-auth.js';

/** What the error renderer needs to shape a Status answer: `res.locals.eas`. */
export interface EasExchangeInfo {
  command: string;
  protocolVersion: string;
}

/** Decoder limits: a request body nests far less than this (MS-ASCMD's deepest is ~12). */
const MAX_DEPTH = 64;

/**
 * `POST /Microsoft-Server-ActiveSync?Cmd=…` as a list of named steps:
 * read the request line, negotiate the version, know the device, decode the
 * body, pass the gates (remote wipe, policy key, device access), run the
 * command, write WBXML.
 */
export function activeSyncCommand(state: EasServiceState): RequestHandler[] {
  return [readRequestLine, negotiate, identifyDevice, decodeBody, passGates, execute];

  function readRequestLine(req: Request, res: Response, next: NextFunction): void {
    let line: EasRequestLine;
    try {
      const search = req.originalUrl.includes('?')
        ? req.originalUrl.slice(req.originalUrl.indexOf('?'))
        : '';
      line = parseEasQuery(search, req.headers);
    } catch (error) {
      if (error instanceof EasQueryError) {
        throw new EasHttpError(400, 'InvalidRequestLine', error.message, { cause: error });
      }
      throw error;
    }
    res.locals['line'] = line;
    next();
  }

  function negotiate(_req: Request, res: Response, next: NextFunction): void {
    const line = res.locals['line'] as EasRequestLine;
    const { user } = principalOf(res);
    const exchangeVersion = user.mailbox?.exchangeVersion ?? '2019';
    const offered = versionsForMailbox(exchangeVersion, state.config.protocolVersions);
    const protocolVersion = negotiateVersion(line, offered);
    res.set(
      'MS-Server-ActiveSync',
      serverVersionFor(exchangeVersion, state.config.onprem.serverVersion),
    );
    if (!IMPLEMENTED_COMMANDS.includes(line.cmd)) {
      throw new EasHttpError(501, 'NotImplemented', `the lab does not implement ${line.cmd}`);
    }
    if (line.user && !requestLineUserIs(line.user, user.upn)) {
      throw new EasHttpError(
        403,
        'UserMismatch',
        `User=${line.user} is not the authenticated user`,
      );
    }
    res.locals['eas'] = { command: line.cmd, protocolVersion } satisfies EasExchangeInfo;
    next();
  }

  function identifyDevice(req: Request, res: Response, next: NextFunction): void {
    const line = res.locals['line'] as EasRequestLine;
    const { user } = principalOf(res);
    const device = state.devices.ensure(
      user.upn,
      line.deviceId,
      line.deviceType,
      state.clock.now(),
    );
    const userAgent = req.get('user-agent');
    if (userAgent) device.userAgent = userAgent;
    res.locals['device'] = device;
    next();
  }

  function decodeBody(req: Request, res: Response, next: NextFunction): void {
    const { command, protocolVersion } = res.locals['eas'] as EasExchangeInfo;
    const raw = req.rawBody ?? Buffer.alloc(0);
    if (raw.length === 0 || !commandBodyIsWbxml(command, Number(protocolVersion))) {
      res.locals['body'] = undefined;
      next();
      return;
    }
    let body: EasElement;
    try {
      body = decodeWbxml(raw, {
        maxBytes: state.config.onprem.maxRequestLengthBytes,
        maxDepth: MAX_DEPTH,
      });
    } catch (error) {
      if (error instanceof WbxmlError) {
        throw new EasHttpError(
          400,
          'InvalidWBXML',
          `the request body is not valid WBXML: ${error.message}`,
          {
            cause: error,
          },
        );
      }
      throw error;
    }
    const shape = COMMAND_SHAPES[command]!;
    if (body.tag !== shape.root) {
      throw new EasStatusError(shape.protocolError, `Cmd=${command} but the body is ${body.tag}`);
    }
    res.locals['body'] = body;
    next();
  }

  function passGates(_req: Request, res: Response, next: NextFunction): void {
    const line = res.locals['line'] as EasRequestLine;
    const { protocolVersion } = res.locals['eas'] as EasExchangeInfo;
    const device = res.locals['device'] as DeviceRecord;
    checkRemoteWipe(device, line.cmd, protocolVersion);
    checkPolicyKey(device, line, protocolVersion, state.policy.revision, state.config);
    if (line.cmd !== 'Provision' && line.cmd !== 'Settings') {
      checkDeviceAccess(accessOf(device), line.cmd, protocolVersion, state.config);
    }
    next();
  }

  async function execute(req: Request, res: Response): Promise<void> {
    const line = res.locals['line'] as EasRequestLine;
    const { protocolVersion } = res.locals['eas'] as EasExchangeInfo;
    const device = res.locals['device'] as DeviceRecord;
    const { user } = principalOf(res);
    const mailbox = res.locals['mailbox'] as Mailbox;
    // Made only when a command waits (Ping, Sync with Wait): most never do,
    // and an AbortController per request is a measurable cost.
    let aborted: AbortController | undefined;
    let closedEarly = false;
    res.on('close', () => {
      if (res.writableFinished) return;
      closedEarly = true;
      aborted?.abort();
    });
    const abortSignal = (): AbortSignal => {
      aborted ??= new AbortController();
      if (closedEarly && !aborted.signal.aborted) aborted.abort();
      return aborted.signal;
    };
    const ctx: CommandContext = {
      clock: state.clock,
      directory: state.directory,
      config: state.config,
      store: state.store,
      user,
      mailbox,
      device,
      line,
      protocolVersion,
      access: () => accessOf(device),
      policy: () => state.policy,
      waitForChange: (options) => state.waits.wait(mailbox, { ...options, signal: abortSignal() }),
      event: (action, summary, data) => state.event(action, summary, data),
      deliver: (upn, message) =>
        deliverTo(state, upn, message) !== undefined || (state.mailRoute?.(upn, message) ?? false),
    };
    const result = await runCommand(
      line.cmd,
      res.locals['body'] as EasElement | undefined,
      req.rawBody ?? Buffer.alloc(0),
      ctx,
    );
    if (res.writableEnded || closedEarly) return;
    if (line.cmd === 'Settings')
      res.set(
        'X-MS-RP',
        versionsForMailbox(
          user.mailbox?.exchangeVersion ?? '2019',
          state.config.protocolVersions,
        ).join(','),
      );
    res.set(result.headers ?? {});
    if (result.file) {
      res.status(200).set('Content-Type', result.file.contentType).send(result.file.bytes);
      return;
    }
    if (!result.body) {
      res.status(200).set('Content-Length', '0').end();
      return;
    }
    res
      .status(200)
      .set('Content-Type', WBXML_CONTENT_TYPE)
      .send(encodeAnswer(line.cmd, result.body));
  }

  /**
   * The answer as WBXML. Text with NUL cannot be written (STR_I is NUL-terminated): client
   * text is cleaned where it is read (textOf, MIME), so this is the safety net for one that
   * slipped through: the command's protocol-error Status, recorded, instead of a 500.
   */
  function encodeAnswer(command: string, body: EasElement): Buffer {
    try {
      return encodeWbxml(body);
    } catch (error) {
      if (!(error instanceof WbxmlNulTextError)) throw error;
      state.event('onprem.eas.answer-unencodable', `${command}: ${error.message}`, {
        command,
        tag: error.tag,
      });
      throw new EasStatusError(
        COMMAND_SHAPES[command]!.protocolError,
        `the ${command} answer cannot be encoded: ${error.message}`,
        { cause: error },
      );
    }
  }

  function accessOf(device: DeviceRecord): AccessDecision {
    return evaluateDeviceAccess(deviceFacts(device), state.config.onprem.deviceAccess);
  }
}

/** `User=` may be the UPN, `DOMAIN\account` or the bare account name. */
/** Puts a message into the Inbox of an on-prem mailbox; undefined when the lab has none for the address. */
export function deliverTo(
  state: EasServiceState,
  upn: string,
  message: DeliveredMessage,
): StoredItem | undefined {
  const mailbox = state.store.mailbox(upn);
  const inbox = mailbox?.folderByRole('inbox');
  if (!mailbox || !inbox) return undefined;
  const item = mailbox.addItem(inbox.serverId, {
    kind: 'mail',
    // SendMail text is cleaned in parseMime; this also covers the lab's own deliveries.
    subject: withoutNul(message.subject),
    from: message.from,
    to: message.to,
    cc: message.cc ?? [],
    receivedMs: state.clock.now(),
    bodyText: withoutNul(message.bodyText),
    ...(message.bodyHtml ? { bodyHtml: withoutNul(message.bodyHtml) } : {}),
    read: false,
    importance: message.importance ?? 1,
    messageClass: 'IPM.Note',
    flagStatus: 0,
    categories: [],
    ...(message.mime ? { mime: message.mime } : {}),
    messageId: message.messageId ?? '',
    ...(message.attachments && message.attachments.length > 0
      ? { attachments: message.attachments }
      : {}),
  });
  state.event('onprem.mail.delivered', `"${message.subject}" delivered to ${mailbox.upn}`, {
    to: mailbox.upn,
    from: message.from.email,
  });
  return item;
}
