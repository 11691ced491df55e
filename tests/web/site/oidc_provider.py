"""A local OpenID Connect provider for the tests, speaking the SPID/CIE OIDC profile's essentials over a real
HTTP socket (wsgiref, in a thread): discovery, JWKS, an authorization endpoint that takes only a request object
signed by the registered client, a token endpoint that takes only `private_key_jwt` and checks PKCE, and
userinfo with the SPID attributes. It signs in whoever the test sets as `person`, as an identity provider
would after its own login page.

Knobs for the failure tests: `id_token_nonce` (a nonce other than the one asked), `id_token_key` (a key other
than the one in its JWKS), `refuse` (the person cancels at the provider), `level` (signed in at another level
than asked); `userinfo_signed` answers userinfo as a JWT it signs.

In the OpenID Federation (`federation = True`, and `client_jwks` the site's keys from its Entity Configuration)
the same server is also the trust anchor, at `<issuer>/ta`: the anchor's and the provider's Entity
Configurations, the anchor's fetch endpoint with its Subordinate Statement about the provider (and the anchor's
`policy` for `openid_provider`), and userinfo encrypted to the site's encryption key (RSA-OAEP-256,
A256CBC-HS512) around a JWT the provider signs. Knobs: `statement_key` (the subordinate statement signed by a
key the anchor does not have), `statement_lifetime` (negative: expired), `policy`, `metadata` (more provider
metadata), `userinfo_form` ("encrypted", "plain", "signed", "wrong_key": encrypted to another key,
"bad_signature": the inner JWT signed by a key not in the provider's JWKS), `userinfo_sub` (about someone
else). `visits` lists the paths asked."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from urllib.parse import parse_qs, urlencode
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from joserfc import jwe, jwt
from joserfc.jwk import KeySet, RSAKey

FISCAL_CODE = "https://attributes.eid.gov.it/fiscal_number"
STATEMENT = "entity-statement+jwt"


def _key() -> RSAKey:
    key = RSAKey.generate_key(2048)
    key.ensure_kid()
    return key


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class _ThreadedServer(WSGIServer):
    daemon_threads = True


class Provider:
    def __init__(self, client_id: str, client_key: RSAKey, redirect_uri: str):
        self.key = RSAKey.generate_key(2048)
        self.key.ensure_kid()
        self.client_id, self.client_key, self.redirect_uri = client_id, client_key, redirect_uri
        self.person: dict = {}
        self.codes: dict[str, dict] = {}
        self.tokens: dict[str, dict] = {}
        self.requests: list[dict] = []  # the request objects it accepted, for the tests to read
        self.id_token_nonce: str | None = None
        self.id_token_key: RSAKey | None = None
        self.refuse = False
        self.level: str | None = None  # the level it says the person signed in at (default: the one asked)
        self.userinfo_signed = False  # userinfo as a JWT signed by the provider (application/jwt)
        self.visits: list[str] = []
        # the federation
        self.federation = False
        self.federation_key, self.anchor_key = _key(), _key()
        self.statement_key: RSAKey | None = None
        self.statement_lifetime = 3600
        self.policy: dict = {}
        self.metadata: dict = {}
        self.client_jwks: dict | None = None
        self.userinfo_form = "encrypted"
        self.userinfo_sub: str | None = None  # userinfo about someone else than the ID token
        self.server = make_server(
            "127.0.0.1", 0, self.app, server_class=_ThreadedServer, handler_class=_Quiet
        )
        self.issuer = f"http://127.0.0.1:{self.server.server_port}"
        self.anchor = f"{self.issuer}/ta"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Provider:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    # WSGI
    def app(self, environ, start_response):
        path = environ["PATH_INFO"]
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        body = b""
        if environ["REQUEST_METHOD"] == "POST":
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        self.visits.append(path)
        handler = {
            "/.well-known/openid-configuration": self.configuration,
            "/.well-known/openid-federation": self.entity_configuration,
            "/ta/.well-known/openid-federation": self.anchor_configuration,
            "/ta/fetch": self.fetch,
            "/jwks": self.jwks,
            "/authorize": self.authorize,
            "/token": self.token,
            "/userinfo": self.userinfo,
        }.get(path)
        if handler is None:
            status, headers, content = "404 Not Found", [], b""
        else:
            status, headers, content = handler(environ, query, form)
        start_response(status, headers)
        return [content]

    @staticmethod
    def _json(data: dict, status: str = "200 OK"):
        return status, [("Content-Type", "application/json")], json.dumps(data).encode()

    def _metadata(self) -> dict:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks": KeySet([self.key]).as_dict(private=False),
            "response_types_supported": ["code"],
            "scopes_supported": ["openid", "offline_access"],
            "id_token_signing_alg_values_supported": ["RS256", "ES256"],
            "userinfo_encryption_alg_values_supported": ["RSA-OAEP", "RSA-OAEP-256"],
            "userinfo_encryption_enc_values_supported": ["A128CBC-HS256", "A256CBC-HS512"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "client_registration_types_supported": ["automatic"],
            "acr_values_supported": ["https://www.spid.gov.it/SpidL2", "https://www.spid.gov.it/SpidL3"],
            **self.metadata,
        }

    def _statement(self, claims: dict, key: RSAKey, lifetime: int = 3600) -> tuple:
        now = int(time.time())
        token = jwt.encode(
            {"alg": "RS256", "kid": key.kid, "typ": STATEMENT},
            {"iat": now, "exp": now + lifetime, **claims},
            key,
        )
        return "200 OK", [("Content-Type", f"application/{STATEMENT}")], token.encode()

    def entity_configuration(self, environ, query, form):
        if not self.federation:
            return "404 Not Found", [], b""
        claims = {
            "iss": self.issuer,
            "sub": self.issuer,
            "jwks": KeySet([self.federation_key]).as_dict(private=False),
            "authority_hints": [self.anchor],
            "metadata": {"openid_provider": self._metadata()},
        }
        return self._statement(claims, self.federation_key)

    def anchor_configuration(self, environ, query, form):
        claims = {
            "iss": self.anchor,
            "sub": self.anchor,
            "jwks": KeySet([self.anchor_key]).as_dict(private=False),
            "metadata": {"federation_entity": {"federation_fetch_endpoint": f"{self.anchor}/fetch"}},
        }
        return self._statement(claims, self.anchor_key)

    def fetch(self, environ, query, form):
        if query.get("sub") != self.issuer:
            return self._json({"error": "not_found"}, "404 Not Found")
        claims = {
            "iss": self.anchor,
            "sub": self.issuer,
            "jwks": KeySet([self.federation_key]).as_dict(private=False),
            "metadata_policy": {"openid_provider": self.policy},
        }
        return self._statement(claims, self.statement_key or self.anchor_key, self.statement_lifetime)

    def configuration(self, environ, query, form):
        return self._json(
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "userinfo_endpoint": f"{self.issuer}/userinfo",
                "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"],
                "token_endpoint_auth_methods_supported": ["private_key_jwt"],
                "code_challenge_methods_supported": ["S256"],
                "request_parameter_supported": True,
                "acr_values_supported": ["https://www.spid.gov.it/SpidL2", "https://www.spid.gov.it/SpidL3"],
            }
        )

    def jwks(self, environ, query, form):
        return self._json(KeySet([self.key]).as_dict(private=False))

    def _bad(self, error: str):
        return self._json({"error": error}, "400 Bad Request")

    def authorize(self, environ, query, form):
        try:
            asked = jwt.decode(query["request"], self.client_key, algorithms=["RS256"]).claims
        except Exception:
            return self._bad("invalid_request_object")
        if (
            asked.get("client_id") != self.client_id
            or query.get("client_id") != self.client_id
            or asked.get("iss") != self.client_id
            or self.issuer not in asked.get("aud", [])
            or asked.get("redirect_uri") != self.redirect_uri
            or asked.get("response_type") != "code"
            or asked.get("code_challenge_method") != "S256"
            or asked.get("exp", 0) < time.time()
        ):
            return self._bad("invalid_request")
        self.requests.append(asked)
        if self.refuse:
            answer = {"error": "access_denied", "state": asked["state"]}
        else:
            code = secrets.token_urlsafe(16)
            self.codes[code] = {**asked, "person": dict(self.person)}
            answer = {"code": code, "state": asked["state"], "iss": self.issuer}
        return "302 Found", [("Location", f"{asked['redirect_uri']}?{urlencode(answer)}")], b""

    def token(self, environ, query, form):
        try:
            assertion = jwt.decode(form["client_assertion"], self.client_key, algorithms=["RS256"]).claims
        except Exception:
            return self._json({"error": "invalid_client"}, "401 Unauthorized")
        if (
            form.get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
            or assertion.get("iss") != self.client_id
            or assertion.get("sub") != self.client_id
            or f"{self.issuer}/token" not in (assertion.get("aud"), *list(assertion.get("aud") or []))
        ):
            return self._json({"error": "invalid_client"}, "401 Unauthorized")
        granted = self.codes.pop(form.get("code", ""), None)  # a code is used once
        if granted is None or form.get("redirect_uri") != granted["redirect_uri"]:
            return self._bad("invalid_grant")
        verifier = form.get("code_verifier", "").encode()
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=").decode()
        if challenge != granted["code_challenge"]:
            return self._bad("invalid_grant")
        person, now = granted["person"], int(time.time())
        access_token = secrets.token_urlsafe(24)
        self.tokens[access_token] = person
        key = self.id_token_key or self.key
        id_token = jwt.encode(
            {"alg": "RS256", "kid": key.kid},
            {
                "iss": self.issuer,
                "sub": person["sub"],
                "aud": [self.client_id],
                "iat": now,
                "exp": now + 300,
                "nonce": self.id_token_nonce or granted["nonce"],
                "acr": self.level or granted["acr_values"],
            },
            key,
        )
        return self._json(
            {"access_token": access_token, "token_type": "Bearer", "expires_in": 300, "id_token": id_token}
        )

    def userinfo(self, environ, query, form):
        bearer = environ.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ")
        person = self.tokens.get(bearer)
        if person is None:
            return self._json({"error": "invalid_token"}, "401 Unauthorized")
        if self.federation:
            return self._federation_userinfo(person)
        if self.userinfo_signed:
            signed = jwt.encode({"alg": "RS256", "kid": self.key.kid}, person, self.key)
            return "200 OK", [("Content-Type", "application/jwt")], signed.encode()
        return self._json(person)

    def _federation_userinfo(self, person: dict):
        if self.userinfo_form == "plain":
            return self._json(person)
        signer = self.key
        if self.userinfo_form == "bad_signature":  # the provider's kid, another key
            signer = RSAKey.import_key(_key().as_dict(private=True), {"kid": self.key.kid})
        now = int(time.time())
        claims = {
            **person,
            "sub": self.userinfo_sub or person["sub"],
            "iss": self.issuer,
            "aud": self.client_id,
            "iat": now,
            "exp": now + 300,
        }
        signed = jwt.encode({"alg": "RS256", "kid": signer.kid}, claims, signer)
        if self.userinfo_form == "signed":
            return "200 OK", [("Content-Type", "application/jwt")], signed.encode()
        keys = KeySet.import_key_set(self.client_jwks or {"keys": []})
        recipient = next(key for key in keys if key.get("use") == "enc")
        if self.userinfo_form == "wrong_key":  # the site's kid, another key
            recipient = RSAKey.import_key(_key().as_dict(private=False), {"kid": recipient.kid})
        encrypted = jwe.encrypt_compact(
            {"alg": "RSA-OAEP-256", "enc": "A256CBC-HS512", "kid": recipient.kid, "cty": "JWT"},
            signed,
            recipient,
            algorithms=["RSA-OAEP-256", "A256CBC-HS512"],
        )
        return "200 OK", [("Content-Type", "application/jose")], encrypted.encode()
