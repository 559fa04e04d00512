import { autoPostForm } from '@hma-lab/core';
import type { Request, Response } from 'express';
import type { EntraContext } from '../protocol/context.js';
import { consentedScopes } from '../protocol/resources.js';
import type { SignInOutcome } from '../protocol/sign-in.js';
import { appendParams } from './error-middleware.js';
import {
  consentPage,
  deviceCodePage,
  deviceDonePage,
  mfaPage,
  passwordPage,
  selectAccountPage,
  signInPage,
} from './pages.js';
import { noStore, setSessionCookie, stampResponse } from './request.js';

/** Writes what a sign-in step produced: a page, a redirect, or the authorization response. */
export function sendSignInOutcome(
  context: EntraContext,
  req: Request,
  res: Response,
  outcome: SignInOutcome,
): void {
  stampResponse(req, res);
  noStore(res);
  if (outcome.session) setSessionCookie(res, outcome.session.id);
  if (outcome.kind === 'redirect') {
    res.redirect(302, outcome.location);
    return;
  }
  if (outcome.kind === 'respond') {
    const { response } = outcome;
    if (response.responseMode === 'form_post') {
      res
        .status(200)
        .type('html')
        .send(autoPostForm(response.redirectUri, Object.fromEntries(response.params)));
      return;
    }
    const separator = response.responseMode === 'fragment' ? '#' : '?';
    res.redirect(302, appendParams(response.redirectUri, response.params, separator));
    return;
  }
  res.status(200).type('html').send(renderPage(context, outcome));
}

function renderPage(
  context: EntraContext,
  outcome: Extract<SignInOutcome, { kind: 'page' }>,
): string {
  const { flow, flowToken, error } = outcome;
  const { directory } = context.deps;
  if (outcome.page === 'device-code') return deviceCodePage({ ...(error ? { error } : {}) });
  if (!flow) throw new Error(`page ${outcome.page} needs a flow`);
  const request = flow.request;
  if (outcome.page === 'device-done')
    return deviceDonePage({ clientName: request.client.displayName });
  const fields = { ctx: flow.ctx, flowToken: flowToken ?? '' };
  const tenant = request.tenantSegment;
  switch (outcome.page) {
    case 'signin':
      return signInPage({
        tenant,
        clientName: request.client.displayName,
        ...(flow.login ? { login: flow.login } : {}),
        fields,
        ...(error ? { error } : {}),
      });
    case 'password':
      return passwordPage({ tenant, login: flow.login ?? '', fields, ...(error ? { error } : {}) });
    case 'mfa':
      return mfaPage({ login: flow.upn ?? flow.login ?? '', fields, ...(error ? { error } : {}) });
    case 'consent': {
      const target = request.target;
      const scopes = target ? (consentedScopes(request.client, target.resourceApp) ?? []) : [];
      const permissions = [
        'Sign you in and read your profile',
        ...(request.oidcScopes.includes('offline_access') || request.version === 'v1'
          ? ['Maintain access to data you have given it access to']
          : []),
        ...scopes.map((s) => `${s} (${target!.resourceApp.displayName})`),
      ];
      return consentPage({
        tenant,
        clientName: request.client.displayName,
        login: flow.upn ?? '',
        permissions,
        fields,
      });
    }
    case 'select-account': {
      const session = outcome.session;
      const user = session ? directory.user(session.upn) : undefined;
      return selectAccountPage({
        tenant,
        accounts: user ? [{ upn: user.upn, displayName: user.displayName }] : [],
        fields,
      });
    }
    default:
      throw new Error(`unknown page ${String(outcome.page)}`);
  }
}
