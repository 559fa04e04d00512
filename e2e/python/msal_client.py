"""MSAL for Python, unchanged and with its own transport, against the lab (e2e/msal-python.test.ts)."""
import msal

from lab_client import ask, claims_of, connect_to_lab, read_settings, run_cases


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


def main(settings):
    connect_to_lab(settings)
    authority = "https://login.microsoftonline.com/" + settings["tenantId"]
    web, outlook, exo = settings["webApp"], settings["outlookApp"], settings["exoApp"]
    graph_default = ["https://graph.microsoft.com/.default"]
    eas = ["https://outlook.office.com/EAS.AccessAsUser.All"]

    def web_app(credential=None):
        return msal.ConfidentialClientApplication(web, client_credential=credential or settings["webSecret"], authority=authority)

    def outlook_app(at=authority):
        return msal.PublicClientApplication(outlook, authority=at)

    def discovery():
        app = web_app()
        return {
            "authorization_endpoint": app.authority.authorization_endpoint,
            "token_endpoint": app.authority.token_endpoint,
            "device_authorization_endpoint": app.authority.device_authorization_endpoint,
            "tenant": app.authority.tenant,
        }

    def client_secret():
        return summary(web_app().acquire_token_for_client(graph_default))

    def client_certificate():
        credential = {"private_key": settings["certificateKeyPem"], "thumbprint": settings["certificateSha1Hex"]}
        return summary(web_app(credential).acquire_token_for_client(graph_default))

    def auth_code():
        app = web_app()
        flow = app.initiate_auth_code_flow(["User.Read"], redirect_uri=settings["redirectUri"], login_hint="dave@fabrikam.com")
        answer = ask({"signIn": flow["auth_uri"], "redirectUri": settings["redirectUri"]})
        result = app.acquire_token_by_auth_code_flow(flow, answer["query"])
        accounts = app.get_accounts()
        cached = app.acquire_token_silent(["User.Read"], account=accounts[0])
        refreshed = app.acquire_token_silent(["User.Read"], account=accounts[0], force_refresh=True)
        return {
            "result": summary(result),
            "accounts": [{"username": a["username"], "home_account_id": a["home_account_id"], "environment": a["environment"]} for a in accounts],
            "cached_same": cached is not None and cached.get("access_token") == result.get("access_token"),
            "refreshed": summary(refreshed),
        }

    def password_then_obo():
        at1 = outlook_app().acquire_token_by_username_password("dave@fabrikam.com", "Passw0rd!", scopes=eas)
        middle = msal.ConfidentialClientApplication(exo, client_credential=settings["exoSecret"], authority=authority)
        at2 = middle.acquire_token_on_behalf_of(at1.get("access_token", ""), ["https://mail.contoso.com/.default"])
        return {"at1": summary(at1), "at2": summary(at2)}

    def password_errors():
        app = outlook_app()
        return {
            "wrong_password": summary(app.acquire_token_by_username_password("dave@fabrikam.com", "wrong", scopes=eas)),
            "mfa_required": summary(app.acquire_token_by_username_password("erin@fabrikam.com", "Passw0rd!", scopes=eas)),
            "unknown_user": summary(app.acquire_token_by_username_password("nobody@fabrikam.com", "Passw0rd!", scopes=eas)),
        }

    def federated_password():
        # User realm discovery says Federated: MSAL reads AD FS's MEX, signs in
        # over WS-Trust and redeems the SAML assertion (saml1_1-bearer).
        app = outlook_app()

        def attempt(user, password):
            try:
                return summary(app.acquire_token_by_username_password(user, password, scopes=eas))
            except Exception as error:  # MSAL raises when AD FS answers with a SOAP fault
                return {"raised": type(error).__name__, "message": str(error)}

        return {
            "bob": attempt("bob@contoso.com", "Passw0rd!"),
            "alice_mfa": attempt("alice@contoso.com", "Passw0rd!"),
            "wrong_password": attempt("bob@contoso.com", "wrong"),
        }

    def device_code():
        app = outlook_app("https://login.microsoftonline.com/organizations")
        flow = app.initiate_device_flow(scopes=eas)
        if "user_code" not in flow:
            return {"initiate": flow}
        ask({"approve": {"verification_uri": flow["verification_uri"], "user_code": flow["user_code"]}})
        return summary(app.acquire_token_by_device_flow(flow))

    run_cases([
        ("discovery", discovery),
        ("client_secret", client_secret),
        ("client_certificate", client_certificate),
        ("auth_code", auth_code),
        ("password_then_obo", password_then_obo),
        ("password_errors", password_errors),
        ("federated_password", federated_password),
        ("device_code", device_code),
    ])


if __name__ == "__main__":
    main(read_settings())
