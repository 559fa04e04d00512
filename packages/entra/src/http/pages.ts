import { escapeHtml as h } from '@hma-lab/core';

/**
 * Entra's sign-in pages, server-rendered: no script, no external assets,
 * every step a plain `<form method="post">`. Field names (`login`, `passwd`,
 * `otc`, hidden `ctx` and `flowToken`) and element ids (`i0116`, `i0118`,
 * `idSIButton9`, `idTxtBx_SAOTCC_OTC`) are the real pages', so automation
 * written for Entra finds its way.
 */

export interface PageMessageView {
  code?: number;
  text: string;
}

export interface FlowFields {
  ctx: string;
  flowToken: string;
}

const STYLE = `
  body{font-family:"Segoe UI",Helvetica,Arial,sans-serif;background:#f2f2f2;margin:0;color:#1b1b1b}
  .box{max-width:440px;margin:8vh auto;background:#fff;padding:44px;box-shadow:0 2px 6px rgba(0,0,0,.2)}
  .brand{font-weight:600;color:#737373;margin-bottom:16px}
  h1{font-size:1.5rem;font-weight:600;margin:0 0 12px}
  input[type=email],input[type=password],input[type=text]{width:100%;box-sizing:border-box;padding:6px 0;border:0;border-bottom:1px solid #666;font-size:1rem;margin:12px 0}
  input[type=submit],button{background:#0067b8;color:#fff;border:0;padding:6px 20px;min-width:108px;font-size:1rem;cursor:pointer;margin-top:16px}
  button.secondary{background:#ccc;color:#000}
  .error{color:#e81123;margin:8px 0}
  .code{font-size:.8rem;color:#666}
  .identity{margin-bottom:8px}
  .tile{display:block;width:100%;text-align:left;background:#fff;color:#1b1b1b;border:1px solid #ccc;padding:10px;margin:6px 0}
  dl{font-size:.8rem;color:#666}dt{font-weight:600}dd{margin:0 0 6px}
`;

function layout(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8"/>
    <meta name="viewport" content="width=device-width, initial-scale=1"/>
    <title>${h(title)}</title>
    <style>${STYLE}</style>
  </head>
  <body>
    <div class="box">
      <div class="brand">Microsoft</div>
${body}
    </div>
  </body>
</html>
`;
}

function hidden(fields: FlowFields): string {
  return `        <input type="hidden" name="ctx" value="${h(fields.ctx)}"/>
        <input type="hidden" name="flowToken" value="${h(fields.flowToken)}"/>`;
}

function message(id: string, error: PageMessageView | undefined): string {
  if (!error) return '';
  const code = error.code ? `\n      <p class="code" id="${id}Code">AADSTS${error.code}</p>` : '';
  return `      <div id="${id}" class="error" role="alert" data-error-code="${error.code ?? ''}">${h(error.text)}</div>${code}\n`;
}

/** Step 7: the user name page (form `POST /<tenant>/login`, field `login`). */
export function signInPage(args: {
  tenant: string;
  clientName: string;
  login?: string;
  fields: FlowFields;
  error?: PageMessageView;
}): string {
  return layout(
    'Sign in to your account',
    `      <h1 id="loginHeader">Sign in</h1>
      <p class="client">to continue to ${h(args.clientName)}</p>
${message('usernameError', args.error)}      <form method="post" action="/${h(encodeURIComponent(args.tenant))}/login" name="f1" id="i0281">
        <input type="email" name="login" id="i0116" value="${h(args.login ?? '')}" autocomplete="username" placeholder="Email, phone, or Skype" aria-label="Enter your email, phone, or Skype."/>
${hidden(args.fields)}
        <input type="submit" id="idSIButton9" value="Next"/>
      </form>`,
  );
}

/** The password page of a managed domain (field `passwd`, hidden `login`). */
export function passwordPage(args: {
  tenant: string;
  login: string;
  fields: FlowFields;
  error?: PageMessageView;
}): string {
  return layout(
    'Sign in to your account',
    `      <div class="identity" id="displayName">${h(args.login)}</div>
      <h1 id="loginHeader">Enter password</h1>
${message('passwordError', args.error)}      <form method="post" action="/${h(encodeURIComponent(args.tenant))}/login" name="f1" id="i0281">
        <input type="hidden" name="login" value="${h(args.login)}"/>
        <input type="password" name="passwd" id="i0118" autocomplete="current-password" placeholder="Password" aria-label="Enter the password for ${h(args.login)}"/>
${hidden(args.fields)}
        <input type="submit" id="idSIButton9" value="Sign in"/>
      </form>`,
  );
}

/** Step 13: the MFA page (form `POST /common/SAS/ProcessAuth`, field `otc`). */
export function mfaPage(args: {
  login: string;
  fields: FlowFields;
  error?: PageMessageView;
}): string {
  return layout(
    'Sign in to your account',
    `      <div class="identity" id="displayName">${h(args.login)}</div>
      <h1 id="idDiv_SAOTCC_Title">Enter code</h1>
      <p id="idDiv_SAOTCC_Description">Enter the code displayed in the authenticator app on your mobile device</p>
${message('idSpan_SAOTCC_Error_OTC', args.error)}      <form method="post" action="/common/SAS/ProcessAuth" name="f1" id="idSAOTCC">
        <input type="text" name="otc" id="idTxtBx_SAOTCC_OTC" inputmode="numeric" autocomplete="one-time-code" maxlength="8" placeholder="Code" aria-label="Code"/>
${hidden(args.fields)}
        <input type="submit" id="idSubmit_SAOTCC_Continue" value="Verify"/>
      </form>`,
  );
}

/** prompt=consent: the permissions page (form `POST /<tenant>/Consent/Set`). */
export function consentPage(args: {
  tenant: string;
  clientName: string;
  login: string;
  permissions: string[];
  fields: FlowFields;
}): string {
  const items = args.permissions.map((p) => `        <li>${h(p)}</li>`).join('\n');
  return layout(
    'Permissions requested',
    `      <div class="identity" id="displayName">${h(args.login)}</div>
      <h1>Permissions requested</h1>
      <p><strong>${h(args.clientName)}</strong> would like to:</p>
      <ul id="permissions">
${items}
      </ul>
      <form method="post" action="/${h(encodeURIComponent(args.tenant))}/Consent/Set" name="f1">
${hidden(args.fields)}
        <button type="submit" name="accept" value="true" id="idBtn_Accept">Accept</button>
        <button type="submit" name="accept" value="false" id="idBtn_Back" class="secondary">Cancel</button>
      </form>`,
  );
}

/** prompt=select_account: the account picker. */
export function selectAccountPage(args: {
  tenant: string;
  accounts: Array<{ upn: string; displayName: string }>;
  fields: FlowFields;
}): string {
  const action = `/${h(encodeURIComponent(args.tenant))}/login`;
  const tiles = args.accounts
    .map(
      (a) => `      <form method="post" action="${action}">
        <input type="hidden" name="login" value="${h(a.upn)}"/>
        <input type="hidden" name="sso" value="1"/>
${hidden(args.fields)}
        <button type="submit" class="tile" data-upn="${h(a.upn)}">${h(a.displayName)}<br/><small>${h(a.upn)} &middot; Signed in</small></button>
      </form>`,
    )
    .join('\n');
  return layout(
    'Pick an account',
    `      <h1 id="loginHeader">Pick an account</h1>
${tiles}
      <form method="post" action="${action}">
        <input type="hidden" name="other" value="1"/>
${hidden(args.fields)}
        <button type="submit" class="tile" id="otherTile">Use another account</button>
      </form>`,
  );
}

/** The device login page (`/common/oauth2/deviceauth`, field `otc`). */
export function deviceCodePage(args: { error?: PageMessageView }): string {
  return layout(
    'Enter code',
    `      <h1 id="idDiv_DeviceCode_Title">Enter code</h1>
      <p>Enter the code displayed on your app or device.</p>
${message('error', args.error)}      <form method="post" action="/common/oauth2/deviceauth" name="f1">
        <input type="text" name="otc" id="otc" autocomplete="off" placeholder="Code" aria-label="Code"/>
        <input type="submit" id="idSIButton9" value="Next"/>
      </form>`,
  );
}

/** The device flow's last page. */
export function deviceDonePage(args: { clientName: string }): string {
  return layout(
    args.clientName,
    `      <h1 id="message">${h(args.clientName)}</h1>
      <p>You have signed in to the ${h(args.clientName)} application on your device. You may now close this window.</p>`,
  );
}

/** An error page: the AADSTS code, its message and the request details (never a redirect). */
export function errorPage(args: {
  code: number;
  message: string;
  traceId: string;
  correlationId: string;
  timestamp: string;
}): string {
  return layout(
    'Sign in to your account',
    `      <h1>Sign in</h1>
      <div id="errorTitle">Sorry, but we're having trouble signing you in.</div>
      <div id="errorMessage" class="error" data-error-code="${args.code}"><p>AADSTS${args.code}: ${h(args.message)}</p></div>
      <div id="debugDetails">
        <dl>
          <dt>Request Id</dt><dd id="requestId">${h(args.traceId)}</dd>
          <dt>Correlation Id</dt><dd id="correlationId">${h(args.correlationId)}</dd>
          <dt>Timestamp</dt><dd id="timestamp">${h(args.timestamp)}</dd>
          <dt>Message</dt><dd>AADSTS${args.code}: ${h(args.message)}</dd>
        </dl>
      </div>`,
  );
}

/** `GET /error?code=n`: the lab's version of Entra's error lookup page. */
export function errorLookupPage(
  row:
    | { code: number; error: string; message: string; when: string; clientAction: string }
    | undefined,
  code: string,
): string {
  if (!row) {
    return layout(
      'Error lookup',
      `      <h1>Error lookup</h1>\n      <p>No information about code ${h(code)}.</p>`,
    );
  }
  return layout(
    `AADSTS${row.code}`,
    `      <h1>AADSTS${row.code}</h1>
      <p>${h(row.message)}</p>
      <dl>
        <dt>error</dt><dd>${h(row.error)}</dd>
        <dt>When</dt><dd>${h(row.when)}</dd>
        <dt>What to do</dt><dd>${h(row.clientAction)}</dd>
      </dl>`,
  );
}
