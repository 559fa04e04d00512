import { escapeHtml } from '@hma-lab/core';

/**
 * The HTML AD FS shows in the browser. Element ids and field names follow the
 * AD FS forms page (`loginForm`, `userNameInput`, `passwordInput`, `errorText`,
 * `submitButton`) so tools that scrape it find what they expect; the markup is
 * self-contained (no external assets) and works without script.
 */

/** AD FS's text for a failed forms sign-in (the same for every cause). */
export const INCORRECT_CREDENTIALS =
  'Incorrect user ID or password. Type the correct user ID and password, and try again.';

const STYLE = `body{font-family:"Segoe UI",Arial,sans-serif;background:#f2f2f2;margin:0;color:#222}
main{max-width:420px;margin:8vh auto;background:#fff;padding:32px 40px;box-shadow:0 2px 6px rgba(0,0,0,.2)}
h1{font-size:24px;font-weight:300;margin:0 0 24px}
label{display:block;font-size:14px;margin:12px 0 4px}
input[type=email],input[type=password],input[type=text]{width:100%;box-sizing:border-box;padding:6px 8px;font-size:15px;border:1px solid #999}
button{margin-top:20px;padding:8px 24px;font-size:15px;background:#0067b8;color:#fff;border:0;cursor:pointer}
#errorText{display:block;color:#c00;font-size:14px;margin-top:12px}
.brand{font-size:20px;font-weight:600;margin-bottom:16px}
dl{font-size:13px}dt{font-weight:600;margin-top:6px}dd{margin:0;word-break:break-all}
footer{font-size:12px;color:#666;margin-top:24px}`;

function layout(title: string, brandName: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<div class="brand" id="brandName">${escapeHtml(brandName)}</div>
${body}
<footer>Active Directory Federation Services (hma-lab)</footer>
</main>
</body>
</html>
`;
}

export interface SignInPageModel {
  brandName: string;
  /** The form's action: `/adfs/ls/?<the request's query>`. */
  action: string;
  userName?: string;
  error?: string;
}

/** The forms sign-in page (`UserName`, `Password`, hidden `AuthMethod=FormsAuthentication`). */
export function signInPage(model: SignInPageModel): string {
  const error = model.error ? escapeHtml(model.error) : '';
  return layout(
    'Sign In',
    model.brandName,
    `<h1>Sign in</h1>
<form method="post" id="loginForm" autocomplete="off" action="${escapeHtml(model.action)}">
<label for="userNameInput">User account</label>
<input id="userNameInput" name="UserName" type="email" value="${escapeHtml(model.userName ?? '')}" placeholder="someone@example.com" autocomplete="off" spellcheck="false"/>
<label for="passwordInput">Password</label>
<input id="passwordInput" name="Password" type="password" value="" placeholder="Password" autocomplete="off"/>
<input id="optionForms" type="hidden" name="AuthMethod" value="FormsAuthentication"/>
<span id="errorText" role="alert" aria-live="assertive">${error}</span>
<button id="submitButton" type="submit">Sign in</button>
</form>`,
  );
}

export interface ErrorPageModel {
  brandName: string;
  activityId: string;
  relyingParty?: string;
  errorTime: string;
  userAgent?: string;
  /** The MSIS message, when the lab is set to show it. */
  detail?: string;
}

/** AD FS's generic error page: "An error occurred", with the details an admin asks for. */
export function errorPage(model: ErrorPageModel): string {
  const row = (term: string, value: string | undefined): string =>
    value === undefined ? '' : `<dt>${escapeHtml(term)}</dt><dd>${escapeHtml(value)}</dd>\n`;
  return layout(
    'Sign In',
    model.brandName,
    `<h1>An error occurred</h1>
<p id="errorMessage">An error occurred. Contact your administrator for more information.</p>
<h2 style="font-size:16px">Error details</h2>
<dl id="errorDetails">
${row('Activity ID', model.activityId)}${row('Relying party', model.relyingParty)}${row('Error time', model.errorTime)}${row('Cookie', 'enabled')}${row('User agent string', model.userAgent)}${row('Error', model.detail)}</dl>`,
  );
}

/** Shown after `wa=wsignout1.0` when there is no reply URL to go back to. */
export function signedOutPage(brandName: string): string {
  return layout(
    'Sign Out',
    brandName,
    `<h1>Sign out</h1>\n<p>You have successfully signed out.</p>`,
  );
}

/**
 * The bare error page http.sys/IIS give when nothing handles a request (a
 * path the proxy does not publish, a backend that is down): no branding.
 */
export function httpSysPage(status: number, title: string, text: string): string {
  return `<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN" "http://www.w3.org/TR/html4/strict.dtd">
<HTML><HEAD><TITLE>${escapeHtml(title)}</TITLE>
<META HTTP-EQUIV="Content-Type" Content="text/html; charset=us-ascii"></HEAD>
<BODY><h2>${escapeHtml(title)}</h2>
<hr><p>HTTP Error ${status}. ${escapeHtml(text)}</p>
</BODY></HTML>
`;
}
