"""ADAL for Python (the v1 endpoints, `resource` instead of scopes), unchanged, against the lab (e2e/adal-python.test.ts)."""
from urllib.parse import urlencode

import adal

from lab_client import ask, claims_of, connect_to_lab, read_settings, run_cases


def summary(token):
    """What a test needs of ADAL's answer: the fields it parsed, and the access token's claims."""
    out = {key: token.get(key) for key in ("tokenType", "expiresIn", "resource", "userId", "tenantId", "oid", "isUserIdDisplayable", "_clientId")}
    out["expiresOn"] = str(token.get("expiresOn"))
    out["access_claims"] = claims_of(token["accessToken"])
    out["has_refresh_token"] = "refreshToken" in token
    return out


def failure(call):
    """ADAL raises AdalError with the server's error body: its error fields."""
    try:
        call()
    except adal.AdalError as error:
        body = error.error_response if isinstance(error.error_response, dict) else {}
        return {"error": body.get("error"), "error_codes": body.get("error_codes"), "message": str(error)}
    return {"error": None}


def main(settings):
    connect_to_lab(settings)
    authority = "https://login.microsoftonline.com/" + settings["tenantId"]
    web, outlook = settings["webApp"], settings["outlookApp"]
    graph = "https://graph.microsoft.com"
    exo = "https://outlook.office365.com"

    def context():
        return adal.AuthenticationContext(authority)

    def client_secret():
        return summary(context().acquire_token_with_client_credentials(graph, web, settings["webSecret"]))

    def client_certificate():
        token = context().acquire_token_with_client_certificate(graph, web, settings["certificateKeyPem"], settings["certificateSha1Hex"])
        return summary(token)

    def password_then_refresh():
        ctx = context()
        at1 = ctx.acquire_token_with_username_password(exo, "dave@fabrikam.com", "Passw0rd!", outlook)
        # A v1 refresh token is good for another consented resource.
        other = ctx.acquire_token_with_refresh_token(at1["refreshToken"], outlook, graph)
        return {"at1": summary(at1), "graph": summary(other)}

    def authorization_code():
        query = urlencode({
            "response_type": "code",
            "client_id": web,
            "redirect_uri": settings["redirectUri"],
            "resource": graph,
            "login_hint": "dave@fabrikam.com",
        })
        answer = ask({"signIn": authority + "/oauth2/authorize?" + query, "redirectUri": settings["redirectUri"]})
        token = context().acquire_token_with_authorization_code(
            answer["query"]["code"], settings["redirectUri"], graph, web, settings["webSecret"])
        return summary(token)

    def device_code():
        ctx = adal.AuthenticationContext("https://login.microsoftonline.com/organizations")
        code = ctx.acquire_user_code(exo, outlook)
        ask({"approve": {"verification_uri": code["verification_url"], "user_code": code["user_code"]}})
        return summary(ctx.acquire_token_with_device_code(exo, code, outlook))

    def federated_password():
        # ADAL reads AD FS's MEX, signs in over WS-Trust 1.3 and redeems the
        # assertion (re-serialized by ElementTree) on the v1 endpoint.
        ctx = context()
        token = ctx.acquire_token_with_username_password(graph, "bob@contoso.com", "Passw0rd!", outlook)
        # A new context: ADAL would answer from the first one's token cache.
        wrong = failure(lambda: context().acquire_token_with_username_password(graph, "bob@contoso.com", "wrong", outlook))
        return {"bob": summary(token), "wrong_password": wrong}

    def errors():
        ctx = context()
        return {
            "wrong_password": failure(lambda: ctx.acquire_token_with_username_password(exo, "dave@fabrikam.com", "wrong", outlook)),
            "wrong_secret": failure(lambda: ctx.acquire_token_with_client_credentials(graph, web, "nope")),
        }

    run_cases([
        ("client_secret", client_secret),
        ("client_certificate", client_certificate),
        ("password_then_refresh", password_then_refresh),
        ("authorization_code", authorization_code),
        ("device_code", device_code),
        ("federated_password", federated_password),
        ("errors", errors),
    ])


if __name__ == "__main__":
    main(read_settings())
