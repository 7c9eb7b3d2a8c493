"""Signing in with the council's own account: OpenID Connect, for Microsoft Entra ID or any certified provider.

The provider proves who someone is; the roster decides whether they may come in. The flow is the
authorization code flow with PKCE (S256), a state bound to this browser's session and a nonce bound to
the ID token; the ID token's signature (keys from the provider's published set) and its iss, aud, exp,
iat and nonce claims are all checked before its e-mail address is read. A match on the roster (any case)
that is enabled and not erased is signed in exactly as a password sign-in is (``auth.start_sign_in``);
anyone else is refused with a page saying whom to ask, and nothing is created for them.

The ID token is not kept after the callback: signing out of the provider names this service by its
client id instead of an ID token hint. Settings come from ``rosters/config.oidc_config``.
"""

from __future__ import annotations

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.common.urls import add_params_to_uri
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import OAuth
from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask.blueprints import BlueprintSetupState
from flask_login import current_user
from joserfc.errors import JoseError

from rosters import audit
from rosters.auth import address_digest, bp, limiter, may_sign_in, start_sign_in
from rosters.extensions import db
from rosters.models import Person
from rosters.services import find_person, normalise_email
from rosters.web import absolute_url, is_local_path

PROVIDER = "council"
SCOPES = "openid email profile"
TIMEOUT_SECONDS = 10  # no page waits longer than this on the provider
LEEWAY_SECONDS = 60  # clock difference tolerated between this server and the provider


class SignInRefused(Exception):
    """Why a council sign-in did not go ahead: the page to show, and a reason for the audit trail."""

    def __init__(self, reason: str, title: str, paragraphs: list[str], status: int = 403,
                 person: Person | None = None, email: str | None = None):
        super().__init__(reason)
        self.reason, self.title, self.paragraphs, self.status = reason, title, paragraphs, status
        self.person, self.email = person, email


NOT_COMPLETED = "Sign-in could not be completed"
TRY_AGAIN = "Go back to the sign-in page and try again. If it keeps happening, tell your programme lead."


def discovery_url(issuer: str) -> str:
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


@bp.record_once
def _register_provider(state: BlueprintSetupState) -> None:
    """Each app gets its own client (tests build apps with different providers), when OIDC_ISSUER is set."""
    config = state.app.config
    if not config.get("OIDC_ISSUER"):
        return
    oauth = OAuth(state.app)
    oauth.register(
        PROVIDER,
        client_id=config["OIDC_CLIENT_ID"],
        client_secret=config["OIDC_CLIENT_SECRET"],
        server_metadata_url=discovery_url(config["OIDC_ISSUER"]),
        client_kwargs={"scope": SCOPES, "code_challenge_method": "S256", "default_timeout": TIMEOUT_SECONDS},
    )


def _client():
    """The provider's client for this app; 404 where council sign-in is not set up."""
    oauth = current_app.extensions.get("authlib.integrations.flask_client")
    if not current_app.config.get("OIDC_ISSUER") or oauth is None:
        abort(404)
    return oauth.create_client(PROVIDER)


def _metadata(client) -> dict:
    """The discovery document (fetched once per process), refused unless it names the issuer we trust."""
    metadata = client.load_server_metadata()
    if str(metadata.get("issuer", "")).rstrip("/") != current_app.config["OIDC_ISSUER"].rstrip("/"):
        current_app.logger.error("council sign-in: the discovery document names another issuer than OIDC_ISSUER")
        raise SignInRefused("provider names another issuer", NOT_COMPLETED,
                            ["The council sign-in is not set up correctly.", TRY_AGAIN], status=502)
    return metadata


def _unreachable() -> SignInRefused:
    return SignInRefused("provider not reachable", "Your council's sign-in service could not be reached",
                         ["Try again in a few minutes. If it keeps happening, tell your programme lead."], status=502)


def claims_options(metadata: dict, client_id: str) -> dict:
    """What the ID token must say: issued by our provider, to us, not expired, for this very sign-in."""
    return {
        "iss": {"essential": True, "value": metadata["issuer"]},
        "aud": {"essential": True, "value": client_id},
        "sub": {"essential": True},
        "exp": {"essential": True},
        "iat": {"essential": True},
        "nonce": {"essential": True},
    }


def email_from_claims(claims: dict, claim: str) -> str:
    """The e-mail address the provider vouches for, or a refusal if there is none."""
    value = claims.get(claim)
    if not isinstance(value, str) or "@" not in value:
        raise SignInRefused(f"no e-mail address in claim {claim!r}", "Your council account did not share an email address",
                            ["This service needs your work email address to find you on the programme's list of staff.",
                             "Tell your programme lead: your IT team may need to change how the service is set up."])
    if claim == "email" and claims.get("email_verified") is False:
        raise SignInRefused("e-mail address not verified", "Your council account's email address is not confirmed",
                            ["Ask your IT service desk to confirm the email address on your account, then try again."],
                            email=value)
    return normalise_email(value)


def check_domain(email: str, allowed: tuple[str, ...]) -> None:
    """Refuse an address outside OIDC_ALLOWED_DOMAINS (when set); subdomains are not included."""
    domain = email.rpartition("@")[2]
    if allowed and domain not in allowed:
        raise SignInRefused("address outside the allowed domains", "You cannot use this service with that account",
                            [f"Accounts with email addresses ending @{domain} cannot sign in here. "
                             "Sign in with your work account instead.",
                             "If you think yours should work, ask your programme lead."], email=email)


def roster_person(email: str) -> Person:
    """The roster's person with this address, if they may sign in; never creates anyone."""
    person = find_person(email)
    if person is None:
        raise SignInRefused("not on the roster", "You cannot use this service yet",
                            [f"Your council account ({email}) is not on this programme’s list of staff.",
                             "Ask your programme lead to add you, using the email address above. "
                             "Then sign in again."], email=email)
    if not may_sign_in(person):
        raise SignInRefused("account cannot sign in", "Your access to this service is switched off",
                            ["If you think you should have access, ask your programme lead."],
                            person=person, email=email)
    return person


def _signed_in_person() -> Person:
    """Finish the code flow and find the person, or raise SignInRefused. Every check happens here."""
    client = _client()
    try:
        metadata = _metadata(client)
        answered_by = request.args.get("iss")  # RFC 9207: which provider sent this answer, where it says
        if answered_by is not None and answered_by != metadata["issuer"]:
            raise SignInRefused("answer from another issuer", NOT_COMPLETED, [TRY_AGAIN], status=400)
        token = client.authorize_access_token(
            claims_options=claims_options(metadata, client.client_id), leeway=LEEWAY_SECONDS
        )
    except MismatchingStateError:
        raise SignInRefused("state did not match", NOT_COMPLETED,
                            ["The sign-in had expired, or was started in another browser or tab.", TRY_AGAIN],
                            status=400) from None
    except (OAuthError, AuthlibBaseError) as error:  # the provider said no, would not swap the code, or sent none
        answer = str(error.error)[:100]  # from the address: anyone can write it
        current_app.logger.warning("council sign-in: provider answered %r", answer)
        raise SignInRefused(f"provider answered {answer}", "You have not been signed in",
                            ["Your council account did not confirm who you are to this service.", TRY_AGAIN],
                            status=400) from None
    except JoseError as error:  # signature, issuer, audience, expiry, issue time or nonce wrong
        current_app.logger.warning("council sign-in: ID token refused: %s", error)
        raise SignInRefused(f"ID token refused: {error.error}", NOT_COMPLETED,
                            ["The answer from your council account could not be checked, so you have not been "
                             "signed in.", TRY_AGAIN], status=400) from None
    except (requests.RequestException, ValueError):
        raise _unreachable() from None
    claims = token.get("userinfo") if "id_token" in token else None
    if not claims:  # no ID token: nothing has proved who this is
        raise SignInRefused("no ID token", NOT_COMPLETED, ["Your council account sent no proof of who you are.",
                                                           TRY_AGAIN], status=400)
    email = email_from_claims(claims, current_app.config["OIDC_EMAIL_CLAIM"])
    check_domain(email, current_app.config["OIDC_ALLOWED_DOMAINS"])
    return roster_person(email)


@bp.route("/sign-in/oidc")
def oidc_start():
    """Send the browser to the council's sign-in page, remembering where it was going."""
    client = _client()
    if current_user.is_authenticated:
        return redirect(url_for("rosters.home"))
    target = request.args.get("next")
    session["oidc_next"] = target if is_local_path(target) else None
    try:
        _metadata(client)
        return client.authorize_redirect(absolute_url("auth.oidc_callback"))
    except SignInRefused as refused:
        return _refusal_page(refused)
    except (requests.RequestException, ValueError):
        return _refusal_page(_unreachable())


@bp.route("/sign-in/oidc/callback")
@limiter.limit(
    lambda: current_app.config["SIGN_IN_LIMIT_PER_ADDRESS"],
    deduct_when=lambda response: response.status_code != 302,  # only refusals count, as for passwords
)
def oidc_callback():
    """Where the council's provider sends the browser back; signs in a roster person or says why not."""
    _client()
    if current_user.is_authenticated:
        return redirect(url_for("rosters.home"))
    try:
        person = _signed_in_person()
    except SignInRefused as refused:
        return _refusal_page(refused)
    return start_sign_in(person, session.get("oidc_next"), method="oidc", detail="council account")


def _refusal_page(refused: SignInRefused):
    """Audit the refusal (an address as a keyed digest only, as for passwords) and say whom to ask."""
    detail = f"council account: {refused.reason}"
    if refused.email:
        detail += f"; address digest {address_digest(refused.email)}"
    audit.record("sign_in_failed", refused.person, detail=detail)
    db.session.commit()
    page = render_template("rosters/sign_in_refused.html", title=refused.title, paragraphs=refused.paragraphs)
    return page, refused.status


def end_session_url() -> str | None:
    """The provider's own sign-out address for this service, if its discovery document has one."""
    try:
        metadata = _metadata(_client())
    except (SignInRefused, requests.RequestException, ValueError):
        return None
    endpoint = metadata.get("end_session_endpoint")
    if not endpoint:
        return None
    return add_params_to_uri(endpoint, [("client_id", current_app.config["OIDC_CLIENT_ID"]),
                                        ("post_logout_redirect_uri", absolute_url("auth.sign_in"))])


@bp.app_context_processor
def council_sign_out() -> dict:
    """After signing out of a council sign-in, the sign-in page offers the provider's sign-out too."""
    offered = (current_app.config.get("OIDC_ISSUER") and session.get("signed_out_of") == "oidc"
               and not current_user.is_authenticated and end_session_url() is not None)
    return {"council_sign_out_offered": bool(offered)}


@bp.route("/sign-out/oidc")
def oidc_sign_out():
    """Go on to the provider's sign-out page, once, after signing out here."""
    _client()
    offered = session.pop("signed_out_of", None) == "oidc" and not current_user.is_authenticated
    url = end_session_url() if offered else None
    return redirect(url or url_for("auth.sign_in"))
