"""MSAL for Python, unchanged, against a running hma-lab (driven by e2e/msal-python.test.ts).

Reads one JSON line of settings on stdin, runs each case in turn and writes one
JSON line per case on stdout. When a case needs a person at a browser it writes
{"ask": ...} and reads the answer (one JSON line) on stdin.

MSAL's `http_client` (its hook for the transport) sends every request to the
lab's front door over TLS, with the real host name in SNI and Host, and trusts
only the lab's CA: MSAL builds every request and reads every answer itself.
"""
import base64
import http.client
import json
import socket
import ssl
import sys
import traceback
from urllib.parse import urlencode, urlsplit

import msal


class FrontDoorResponse:
    def __init__(self, status, text, headers):
        self.status_code = status
        self.text = text
        self.headers = headers

    def raise_for_status(self):
        if self.status_code >= 400:
            raise RuntimeError("HTTP %d: %s" % (self.status_code, self.text[:200]))


class FrontDoorConnection(http.client.HTTPSConnection):
    """Connects to the front door, asking (by SNI) for the certificate of `name`."""

    def __init__(self, name, port, context):
        super().__init__("127.0.0.1", port, context=context)
        self.name = name

    def connect(self):
        sock = socket.create_connection(("127.0.0.1", self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.name)


class FrontDoorClient:
    """msal.oauth2cli.http.HttpClient over the lab's front door."""

    def __init__(self, port, ca_path):
        self.port = port
        self.context = ssl.create_default_context(cafile=ca_path)
        self.calls = []

    def _send(self, method, url, params=None, data=None, headers=None):
        parts = urlsplit(url)
        if parts.scheme != "https":
            raise ValueError("only https: " + url)
        target = parts.path or "/"
        query = parts.query
        if params:
            query = (query + "&" if query else "") + urlencode(params)
        if query:
            target += "?" + query
        body = None
        send_headers = dict(headers or {})
        send_headers["Host"] = parts.netloc
        if data is not None:
            body = urlencode(data) if isinstance(data, dict) else data
            body = body.encode("utf-8") if isinstance(body, str) else body
            send_headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        self.calls.append("%s https://%s%s" % (method, parts.hostname, parts.path))
        connection = FrontDoorConnection(parts.hostname, self.port, self.context)
        try:
            connection.request(method, target, body=body, headers=send_headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8")
            return FrontDoorResponse(response.status, text, dict(response.getheaders()))
        finally:
            connection.close()

    def get(self, url, params=None, headers=None, **kwargs):
        return self._send("GET", url, params=params, headers=headers)

    def post(self, url, params=None, data=None, headers=None, **kwargs):
        return self._send("POST", url, params=params, data=data, headers=headers)


def claims_of(jwt):
    payload = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def ask(question):
    print(json.dumps({"ask": question}), flush=True)
    return json.loads(sys.stdin.readline())


def summary(result):
    """What a test needs of MSAL's answer: the error fields, or the tokens' claims."""
    if result is None:
        return None
    if "error" in result:
        return {key: result.get(key) for key in ("error", "error_codes", "suberror", "claims", "error_description")}
    out = {"token_type": result.get("token_type"), "scope": result.get("scope")}
    if "access_token" in result:
        out["access_claims"] = claims_of(result["access_token"])
        out["access_token"] = result["access_token"]
    if "id_token_claims" in result:
        out["id_token_claims"] = result["id_token_claims"]
    out["has_refresh_token"] = "refresh_token" in result
    return out


def run(settings):
    fd = FrontDoorClient(settings["frontDoorPort"], settings["caPath"])
    tenant = settings["tenantId"]
    authority = "https://login.microsoftonline.com/" + tenant
    web, outlook, exo = settings["webApp"], settings["outlookApp"], settings["exoApp"]
    graph_default = ["https://graph.microsoft.com/.default"]
    eas = ["https://outlook.office.com/EAS.AccessAsUser.All"]
    results = {}

    def case(name, fn):
        try:
            results[name] = {"ok": fn()}
        except Exception as error:  # reported to the test, which fails on it
            results[name] = {"exception": "%s: %s" % (type(error).__name__, error), "trace": traceback.format_exc()}
        print(json.dumps({"case": name, "result": results[name]}), flush=True)

    def discovery():
        app = msal.ConfidentialClientApplication(web, client_credential=settings["webSecret"], authority=authority, http_client=fd)
        return {
            "authorization_endpoint": app.authority.authorization_endpoint,
            "token_endpoint": app.authority.token_endpoint,
            "device_authorization_endpoint": app.authority.device_authorization_endpoint,
            "tenant": app.authority.tenant,
        }

    def client_secret():
        app = msal.ConfidentialClientApplication(web, client_credential=settings["webSecret"], authority=authority, http_client=fd)
        return summary(app.acquire_token_for_client(graph_default))

    def client_certificate():
        credential = {"private_key": settings["certificateKeyPem"], "thumbprint": settings["certificateSha1Hex"]}
        app = msal.ConfidentialClientApplication(web, client_credential=credential, authority=authority, http_client=fd)
        return summary(app.acquire_token_for_client(graph_default))

    def auth_code():
        app = msal.ConfidentialClientApplication(web, client_credential=settings["webSecret"], authority=authority, http_client=fd)
        flow = app.initiate_auth_code_flow(["User.Read"], redirect_uri=settings["redirectUri"], login_hint="dave@fabrikam.com")
        answer = ask({"signIn": flow["auth_uri"], "redirectUri": settings["redirectUri"]})
        result = app.acquire_token_by_auth_code_flow(flow, answer["query"])
        accounts = app.get_accounts()
        before = len(fd.calls)
        cached = app.acquire_token_silent(["User.Read"], account=accounts[0])
        cached_calls = len(fd.calls) - before
        refreshed = app.acquire_token_silent(["User.Read"], account=accounts[0], force_refresh=True)
        return {
            "result": summary(result),
            "accounts": [{"username": a["username"], "home_account_id": a["home_account_id"], "environment": a["environment"]} for a in accounts],
            "cached_same": cached is not None and cached.get("access_token") == result.get("access_token"),
            "cached_calls": cached_calls,
            "refreshed": summary(refreshed),
        }

    def password_then_obo():
        public = msal.PublicClientApplication(outlook, authority=authority, http_client=fd)
        at1 = public.acquire_token_by_username_password("dave@fabrikam.com", "Passw0rd!", scopes=eas)
        middle = msal.ConfidentialClientApplication(exo, client_credential=settings["exoSecret"], authority=authority, http_client=fd)
        at2 = middle.acquire_token_on_behalf_of(at1.get("access_token", ""), ["https://mail.contoso.com/.default"])
        return {"at1": summary(at1), "at2": summary(at2)}

    def password_errors():
        public = msal.PublicClientApplication(outlook, authority=authority, http_client=fd)
        return {
            "wrong_password": summary(public.acquire_token_by_username_password("dave@fabrikam.com", "wrong", scopes=eas)),
            "mfa_required": summary(public.acquire_token_by_username_password("erin@fabrikam.com", "Passw0rd!", scopes=eas)),
            "unknown_user": summary(public.acquire_token_by_username_password("nobody@fabrikam.com", "Passw0rd!", scopes=eas)),
        }

    def device_code():
        public = msal.PublicClientApplication(outlook, authority="https://login.microsoftonline.com/organizations", http_client=fd)
        flow = public.initiate_device_flow(scopes=eas)
        if "user_code" not in flow:
            return {"initiate": flow}
        ask({"approve": {"verification_uri": flow["verification_uri"], "user_code": flow["user_code"]}})
        return summary(public.acquire_token_by_device_flow(flow))

    for name, fn in [
        ("discovery", discovery),
        ("client_secret", client_secret),
        ("client_certificate", client_certificate),
        ("auth_code", auth_code),
        ("password_then_obo", password_then_obo),
        ("password_errors", password_errors),
        ("device_code", device_code),
    ]:
        case(name, fn)
    print(json.dumps({"calls": fd.calls, "msal": msal.__version__}), flush=True)


if __name__ == "__main__":
    run(json.loads(sys.stdin.readline()))
