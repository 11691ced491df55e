"""OpenID Federation, as SPID and CIE OpenID Connect use it: entity statements, trust chains, metadata policies,
and the encrypted userinfo of their providers. Plain JOSE (joserfc), no HTTP and no Django: whoever calls gives
the function that fetches a URL (and raises its own error when it cannot) and the instant to check expiries at.

A trust chain from a provider (the leaf) to the trust anchor:

- the leaf's Entity Configuration (`<leaf>/.well-known/openid-federation`), signed by one of the keys it lists
  itself, names its superiors in `authority_hints`;
- each superior's Entity Configuration gives its `federation_fetch_endpoint`, which answers (`?sub=<leaf>`) a
  Subordinate Statement about the leaf: signed with the superior's keys, it lists the leaf's keys (which must
  have signed the leaf's configuration) and may carry a `metadata_policy`;
- the trust anchor's keys are never taken from what it publishes: the site configures them.

The leaf's metadata, after every policy from the anchor down, is what the site uses instead of the provider's
`/.well-known/openid-configuration`; the chain holds until its earliest `exp`."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from joserfc import jwe, jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

ENTITY_STATEMENT = "entity-statement+jwt"
WELL_KNOWN = "/.well-known/openid-federation"
SIGNING = ["RS256", "RS512", "ES256", "PS256"]
ENCRYPTION = ["RSA-OAEP-256", "RSA-OAEP", "A256CBC-HS512", "A128CBC-HS256"]
MAX_DEPTH = 4  # superiors between a leaf and its trust anchor, at most
LEEWAY = 60  # seconds of clock difference accepted


class TrustChainError(Exception):
    """The chain cannot be built or does not hold: a bad signature, an expired statement, a policy violated."""


class PolicyError(TrustChainError):
    """The leaf's metadata breaks a metadata policy of a superior."""


@dataclass(frozen=True)
class TrustChain:
    subject: str
    anchor: str
    metadata: dict  # the leaf's metadata for the kind asked, after every policy
    expires: int  # the earliest exp of the statements in the chain (seconds since the epoch)
    statements: tuple[str, ...]  # the leaf's configuration, then each subordinate statement up to the anchor


@dataclass(frozen=True)
class Link:
    configuration: dict  # the superior's Entity Configuration
    statement: dict  # its Subordinate Statement about the entity below
    token: str  # the statement as signed


def sign_statement(claims: dict, key) -> str:
    """An entity statement (configuration or subordinate statement) signed with `key` (RS256)."""
    return jwt.encode({"alg": "RS256", "kid": key.kid, "typ": ENTITY_STATEMENT}, claims, key)


def unverified_claims(token: str) -> dict:
    """The claims of a statement before its signature is checked: only to learn which keys should check it."""
    try:
        claims = json.loads(jws.extract_compact(token.strip().encode()).payload)
    except (JoseError, ValueError, TypeError) as error:
        raise TrustChainError(f"not a signed statement: {error}") from error
    if not isinstance(claims, dict):
        raise TrustChainError("a statement's claims are not a JSON object")
    return claims


def _part(claims: dict, *names: str) -> dict:
    """claims[names[0]][names[1]]..., {} where absent; anything but an object on the way is refused."""
    for name in names:
        claims = claims.get(name, {})
        if not isinstance(claims, dict):
            raise TrustChainError(f"{name} in a statement is not an object")
    return claims


def _keys(jwks) -> KeySet:
    try:
        return KeySet.import_key_set(jwks)
    except (JoseError, ValueError, TypeError, KeyError) as error:
        raise TrustChainError(f"a statement's jwks cannot be read: {error}") from error


def verify_statement(token: str, keys: KeySet, *, iss: str, sub: str, now: int) -> dict:
    """A statement's claims, once signed by one of `keys`, from `iss` about `sub`, and not expired."""
    try:
        decoded = jwt.decode(token.strip(), keys, algorithms=SIGNING)
    except (JoseError, ValueError, TypeError) as error:
        raise TrustChainError(f"the statement of {iss} about {sub} has a bad signature: {error}") from error
    claims = decoded.claims
    if decoded.header.get("typ") != ENTITY_STATEMENT:
        raise TrustChainError(f"the statement of {iss} about {sub} is not an entity statement")
    if claims.get("iss") != iss or claims.get("sub") != sub:
        raise TrustChainError(f"a statement said to be of {iss} about {sub} names someone else")
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(exp, int) or exp + LEEWAY < now:
        raise TrustChainError(f"the statement of {iss} about {sub} has expired")
    if not isinstance(iat, int) or iat - LEEWAY > now:
        raise TrustChainError(f"the statement of {iss} about {sub} is issued in the future")
    if not isinstance(claims.get("jwks"), dict):
        raise TrustChainError(f"the statement of {iss} about {sub} lists no keys")
    return claims


def _configuration(entity: str, fetch: Callable[[str], str], now: int) -> tuple[str, dict]:
    """An entity's configuration, checked against the keys it lists itself."""
    token = fetch(entity.rstrip("/") + WELL_KNOWN)
    claims = verify_statement(
        token, _keys(unverified_claims(token).get("jwks")), iss=entity, sub=entity, now=now
    )
    return token, claims


def resolve(
    subject: str,
    *,
    anchor: str,
    anchor_keys: KeySet,
    fetch: Callable[[str], str],
    now: int,
    kind: str = "openid_provider",
) -> TrustChain:
    """The trust chain from `subject` up to `anchor`, with the subject's `kind` metadata after the policies."""
    leaf_token, leaf = _configuration(subject, fetch, now)
    links = _up(subject, leaf, anchor, anchor_keys, fetch, now, depth=0)  # from the leaf's superior up
    verify_statement(leaf_token, _keys(links[0].statement["jwks"]), iss=subject, sub=subject, now=now)
    metadata = _part(leaf, "metadata", kind)
    if not metadata:
        raise TrustChainError(f"{subject} publishes no {kind} metadata")
    for link in reversed(links):  # the anchor's policy first
        metadata = apply_policy(metadata, _part(link.statement, "metadata_policy", kind))
        metadata = {**metadata, **_part(link.statement, "metadata", kind)}
    expires = min(
        [
            leaf["exp"],
            *(link.configuration["exp"] for link in links),
            *(link.statement["exp"] for link in links),
        ]
    )
    return TrustChain(subject, anchor, metadata, expires, (leaf_token, *(link.token for link in links)))


def _up(entity, configuration, anchor, anchor_keys, fetch, now, depth) -> list[Link]:
    """The links from `entity` to the anchor, trying its authority hints in order."""
    if depth >= MAX_DEPTH:
        raise TrustChainError(f"no trust anchor within {MAX_DEPTH} steps of {entity}")
    hints = configuration.get("authority_hints")
    if not isinstance(hints, list) or not hints:
        raise TrustChainError(f"{entity} names no superior (authority_hints)")
    reasons = []
    for superior in hints:
        try:
            return _link(entity, str(superior), anchor, anchor_keys, fetch, now, depth)
        except TrustChainError as error:
            reasons.append(str(error))
    raise TrustChainError("; ".join(reasons))


def _link(entity, superior, anchor, anchor_keys, fetch, now, depth) -> list[Link]:
    """The superior's statement about `entity`, checked with the superior's keys, then the links above it."""
    if superior == anchor:  # the anchor's own configuration must be signed by the keys the site trusts
        upper_token = fetch(superior.rstrip("/") + WELL_KNOWN)
        upper = verify_statement(upper_token, anchor_keys, iss=superior, sub=superior, now=now)
    else:
        upper_token, upper = _configuration(superior, fetch, now)
    endpoint = _part(upper, "metadata", "federation_entity").get("federation_fetch_endpoint")
    if not isinstance(endpoint, str):
        raise TrustChainError(f"{superior} has no federation_fetch_endpoint")
    token = fetch(f"{endpoint}?{urlencode({'sub': entity})}")
    above: list[Link] = []
    upper_keys = anchor_keys
    if superior != anchor:  # the superior's keys are those its own superior vouches for
        above = _up(superior, upper, anchor, anchor_keys, fetch, now, depth + 1)
        upper_keys = _keys(above[0].statement["jwks"])
        verify_statement(upper_token, upper_keys, iss=superior, sub=superior, now=now)
    statement = verify_statement(token, upper_keys, iss=superior, sub=entity, now=now)
    return [Link(upper, statement, token), *above]


def apply_policy(metadata: dict, policy: dict) -> dict:
    """The metadata after one superior's policy (`value`, `add`, `default`, `one_of`, `subset_of`, `superset_of`,
    `essential`, in that order for each parameter); a violation raises PolicyError naming the parameter."""
    result = dict(metadata)
    for name, operators in policy.items():
        if not isinstance(operators, dict):
            raise PolicyError(f"the policy for {name} is not an object")
        if "value" in operators:
            if operators["value"] is None:
                result.pop(name, None)
            else:
                result[name] = operators["value"]
        if "add" in operators:
            current = _as_list(result.get(name, []))
            result[name] = current + [item for item in _as_list(operators["add"]) if item not in current]
        if "default" in operators and result.get(name) is None:
            result[name] = operators["default"]
        present = result.get(name) is not None
        if present and "one_of" in operators and result[name] not in operators["one_of"]:
            raise PolicyError(f"{name} is {result[name]!r}, not one of {operators['one_of']!r}")
        if present and "subset_of" in operators:
            kept = [item for item in _as_list(result[name]) if item in operators["subset_of"]]
            if not kept:
                raise PolicyError(f"{name} {result[name]!r} has nothing in {operators['subset_of']!r}")
            result[name] = kept
        if present and "superset_of" in operators:
            missing = [item for item in operators["superset_of"] if item not in _as_list(result[name])]
            if missing:
                raise PolicyError(f"{name} lacks {missing!r}")
        if operators.get("essential") and not present:
            raise PolicyError(f"{name} is essential and missing")
    return result


def _as_list(value) -> list:
    return list(value) if isinstance(value, list | tuple) else [value]


def open_userinfo(token: str, decryption_keys: KeySet, signer_keys: KeySet) -> dict:
    """The claims of an encrypted userinfo (a JWE to this site's encryption key wrapping a JWS of the provider);
    a plain or only signed answer is refused."""
    token = token.strip()
    if token.count(".") != 4:
        raise TrustChainError("userinfo is not encrypted")
    try:
        inner = jwe.decrypt_compact(token, decryption_keys, algorithms=ENCRYPTION).plaintext
    except (JoseError, ValueError, TypeError) as error:
        raise TrustChainError(f"userinfo cannot be decrypted with this site's key: {error}") from error
    try:
        claims = jwt.decode(inner, signer_keys, algorithms=SIGNING).claims
    except (JoseError, ValueError, TypeError) as error:
        raise TrustChainError(f"userinfo is not signed by the provider: {error}") from error
    if not isinstance(claims, dict):
        raise TrustChainError("userinfo is not a JSON object")
    return claims
