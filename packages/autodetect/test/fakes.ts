import { createServiceApp, type TestContext } from '@hma-lab/core';
import type { Request, Response } from 'express';

export const TENANT_ID = '3f7a9d1e-2b4c-4e8a-9c6d-5a1b7e2f4c80';
export const ONPREM_CHALLENGE = [
  `Bearer client_id="00000002-0000-0ff1-ce00-000000000000", trusted_issuers="00000001-0000-0000-c000-000000000000@${TENANT_ID},00000004-0000-0ff1-ce00-000000000000@contoso.com", token_types="app_asserted_user_v1 service_asserted_app_v1", authorization_uri="https://login.windows.net/common/oauth2/authorize"`,
  'Basic realm="mail.contoso.com"',
];
export const EXO_CHALLENGE =
  'Bearer client_id="00000002-0000-0ff1-ce00-000000000000", trusted_issuers="00000001-0000-0000-c000-000000000000@*", token_types="app_asserted_user_v1 service_asserted_app_v1", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize"';

type Handler = (req: Request, res: Response) => void | Promise<void>;

/** Small stand-ins for exo, on-prem AutoDiscover and on-prem EAS, switchable per test. */
export function mountFakes(ctx: TestContext) {
  const state = {
    exo: ((req, res) => {
      const email = decodeURIComponent(req.path.split('/').pop() ?? '');
      if (email === 'bob@contoso.com') {
        res.json({
          Protocol: 'ActiveSync',
          Url: 'https://outlook.office365.com/Microsoft-Server-ActiveSync',
        });
        return;
      }
      const domain = email.split('@')[1];
      res.redirect(
        302,
        `https://autodiscover.${domain}/autodiscover/autodiscover.json?Email=${encodeURIComponent(email)}&Protocol=ActiveSync&RedirectCount=1`,
      );
    }) as Handler,
    exoEas: ((_req, res) => {
      res.setHeader('WWW-Authenticate', EXO_CHALLENGE);
      res.status(401).end();
    }) as Handler,
    autodiscover: ((_req, res) => {
      res.json({
        Protocol: 'ActiveSync',
        Url: 'https://mail.contoso.com/Microsoft-Server-ActiveSync',
      });
    }) as Handler,
    eas: ((_req, res) => {
      res.setHeader('WWW-Authenticate', ONPREM_CHALLENGE);
      res.setHeader('Content-Length', '0');
      res.status(401).end();
    }) as Handler,
  };
  const exo = createServiceApp('exo', ctx.depsFor('exo'));
  exo.get('/autodiscover/autodiscover.json/v1.0/:email', (req, res) => state.exo(req, res));
  exo.all('/Microsoft-Server-ActiveSync', (req, res) => state.exoEas(req, res));
  ctx.mount('exo', exo);
  const autodiscover = createServiceApp('onprem-autodiscover', ctx.depsFor('onprem-autodiscover'));
  autodiscover.get('/autodiscover/autodiscover.json', (req, res) => state.autodiscover(req, res));
  ctx.mount('onprem-autodiscover', autodiscover);
  const eas = createServiceApp('onprem-eas', ctx.depsFor('onprem-eas'));
  eas.all('/Microsoft-Server-ActiveSync', (req, res) => state.eas(req, res));
  ctx.mount('onprem-eas', eas);
  return state;
}

/** A promise with its resolve function, to hold a fake's answer. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}
