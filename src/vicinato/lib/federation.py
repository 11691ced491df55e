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

The leaf's metadata, with what its immediate superior sets in the statement about it and then the policies of
every superior merged into one (OpenID Federation 1.0, metadata policy resolution), is what the site uses instead
of the provider's `/.well-known/openid-configuration`; the chain holds until its earliest `exp`."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from joserfc import jwe, jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

ENTITY_STATEMENT = "entity-statement+jwt"
WELL_KNOWN = "/.well-known/openid-federation"
SIGNING = ["RS256", "RS512", "ES256", "PS256"]
ENCRYPTION = ["RSA-OAEP-256", "RSA-OAEP", "A256CBC-HS512", "A128CBC-HS256"]
MAX_DEPTH = 4  # superiors between a leaf and its trust anchor, at most
LEEWAY = 60  # seconds of clock difference accepted
MAX_HINTS = 3  # authority hints tried for each entity, at most
MAX_FETCHES = 12  # documents fetched to resolve one chain, at most
USERINFO_SIGNING = ["RS256"]  # what this site asks of the providers for userinfo


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
    allow_http: bool = False,
) -> TrustChain:
    """The trust chain from `subject` up to `anchor`, with the subject's `kind` metadata after the policies.

    The URLs come from statements not yet checked, so each must be https (unless `allow_http`, for tests), at
    most MAX_HINTS authority hints are tried for each entity and at most MAX_FETCHES documents fetched."""
    fetch = _Guarded(fetch, allow_http)
    leaf_token, leaf = _configuration(subject, fetch, now)
    links = _up(subject, leaf, anchor, anchor_keys, fetch, now, depth=0)  # from the leaf's superior up
    verify_statement(leaf_token, _keys(links[0].statement["jwks"]), iss=subject, sub=subject, now=now)
    metadata = _part(leaf, "metadata", kind)
    if not metadata:
        raise TrustChainError(f"{subject} publishes no {kind} metadata")
    # the immediate superior may set metadata in its statement about the leaf (only there: the statements
    # above are about the superiors), then one policy, merged from the anchor's down, applies to the result
    metadata = {**metadata, **_part(links[0].statement, "metadata", kind)}
    policy = merge_policies([_part(link.statement, "metadata_policy", kind) for link in reversed(links)])
    metadata = apply_policy(metadata, policy)
    expires = min(
        [
            leaf["exp"],
            *(link.configuration["exp"] for link in links),
            *(link.statement["exp"] for link in links),
        ]
    )
    return TrustChain(subject, anchor, metadata, expires, (leaf_token, *(link.token for link in links)))


class _Guarded:
    """The caller's fetch, refusing plain http (unless allowed) and more than MAX_FETCHES documents."""

    def __init__(self, fetch: Callable[[str], str], allow_http: bool):
        self.fetch, self.allow_http, self.count = fetch, allow_http, 0

    def __call__(self, url: str) -> str:
        scheme = urlsplit(url).scheme
        if scheme != "https" and not (self.allow_http and scheme == "http"):
            raise TrustChainError(f"{url} is not an https address")
        self.count += 1
        if self.count > MAX_FETCHES:
            raise TrustChainError(f"more than {MAX_FETCHES} documents to fetch for one trust chain")
        return self.fetch(url)


def _up(entity, configuration, anchor, anchor_keys, fetch, now, depth) -> list[Link]:
    """The links from `entity` to the anchor, trying its first MAX_HINTS authority hints in order."""
    if depth >= MAX_DEPTH:
        raise TrustChainError(f"no trust anchor within {MAX_DEPTH} steps of {entity}")
    hints = configuration.get("authority_hints")
    if not isinstance(hints, list) or not hints:
        raise TrustChainError(f"{entity} names no superior (authority_hints)")
    reasons = []
    for superior in hints[:MAX_HINTS]:
        try:
            return _link(entity, str(superior), anchor, anchor_keys, fetch, now, depth)
        except TrustChainError as error:
            reasons.append(str(error))
    if len(hints) > MAX_HINTS:
        reasons.append(f"only the first {MAX_HINTS} authority hints of {entity} tried")
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


LISTS = ("add", "one_of", "subset_of", "superset_of")


def _operators(name: str, operators) -> dict:
    """A parameter's policy, once its operators have the types OpenID Federation gives them."""
    if not isinstance(operators, dict):
        raise PolicyError(f"the policy for {name} is not an object")
    for operator in LISTS:
        if operator in operators and not isinstance(operators[operator], list):
            raise PolicyError(f"{operator} in the policy for {name} is not a list")
    if "essential" in operators and not isinstance(operators["essential"], bool):
        raise PolicyError(f"essential in the policy for {name} is not true or false")
    return operators


def merge_policies(policies: list[dict]) -> dict:
    """One policy from those of the superiors, the trust anchor's first (OpenID Federation 1.0, metadata policy
    resolution): `value` and `default` must agree, `add` and `superset_of` join, `one_of` and `subset_of` keep
    what all allow, `essential` holds if any superior asks it. A conflict raises PolicyError."""
    merged: dict[str, dict] = {}
    for policy in policies:
        for name, operators in policy.items():
            into = merged.setdefault(name, {})
            for operator, value in _operators(name, operators).items():
                if operator not in into:
                    into[operator] = value
                elif operator in ("value", "default"):
                    if into[operator] != value:
                        raise PolicyError(f"the superiors set different {operator}s for {name}")
                elif operator in ("add", "superset_of"):
                    into[operator] = into[operator] + [item for item in value if item not in into[operator]]
                elif operator in ("one_of", "subset_of"):
                    into[operator] = [item for item in into[operator] if item in value]
                    if operator == "one_of" and not into[operator]:
                        raise PolicyError(f"the superiors allow no common value (one_of) for {name}")
                elif operator == "essential":
                    into[operator] = into[operator] or value
    for name, operators in merged.items():
        _check_combination(name, operators)
    return merged


def _check_combination(name: str, operators: dict) -> None:
    """The operators of a merged policy must not contradict one another."""
    value, default = operators.get("value"), operators.get("default")
    one_of, subset_of = operators.get("one_of"), operators.get("subset_of")
    superset_of, add = operators.get("superset_of"), operators.get("add")

    def within(items, allowed) -> bool:
        return all(item in allowed for item in _as_list(items))

    for fixed, label in ((value, "value"), (default, "default")):
        if fixed is None:
            continue
        if one_of is not None and fixed not in one_of:
            raise PolicyError(f"the {label} of {name} is not one of {one_of!r}")
        if subset_of is not None and not within(fixed, subset_of):
            raise PolicyError(f"the {label} of {name} is not within {subset_of!r}")
        if superset_of is not None and not within(superset_of, _as_list(fixed)):
            raise PolicyError(f"the {label} of {name} lacks some of {superset_of!r}")
    if "value" in operators and value is not None and add is not None and not within(add, _as_list(value)):
        raise PolicyError(f"the policy of {name} adds what its value leaves out")
    if "value" in operators and value is None and operators.get("essential"):
        raise PolicyError(f"the policy of {name} removes an essential parameter")
    if add is not None and subset_of is not None and not within(add, subset_of):
        raise PolicyError(f"the policy of {name} adds what its subset_of leaves out")
    if add is not None and one_of is not None:
        raise PolicyError(f"the policy of {name} has both add and one_of")
    if superset_of is not None and subset_of is not None and not within(superset_of, subset_of):
        raise PolicyError(f"the superset_of of {name} is not within its subset_of")


def apply_policy(metadata: dict, policy: dict) -> dict:
    """The metadata after a policy (`value`, `add`, `default`, `one_of`, `subset_of`, `superset_of`,
    `essential`, in that order for each parameter); a violation raises PolicyError naming the parameter."""
    result = dict(metadata)
    for name, operators in policy.items():
        operators = _operators(name, operators)
        if "value" in operators:
            if operators["value"] is None:
                result.pop(name, None)
            else:
                result[name] = operators["value"]
        if "add" in operators:
            current = _as_list(result.get(name, []))
            result[name] = current + [item for item in operators["add"] if item not in current]
        if "default" in operators and result.get(name) is None:
            result[name] = operators["default"]
        present = result.get(name) is not None
        if present and "one_of" in operators and result[name] not in operators["one_of"]:
            raise PolicyError(f"{name} is {result[name]!r}, not one of {operators['one_of']!r}")
        if present and ("subset_of" in operators or "superset_of" in operators):
            if not isinstance(result[name], list):
                raise PolicyError(f"{name} is {result[name]!r}, not a list")
        if present and "subset_of" in operators:
            kept = [item for item in result[name] if item in operators["subset_of"]]
            if not kept:
                raise PolicyError(f"{name} {result[name]!r} has nothing in {operators['subset_of']!r}")
            result[name] = kept
        if present and "superset_of" in operators:
            missing = [item for item in operators["superset_of"] if item not in result[name]]
            if missing:
                raise PolicyError(f"{name} lacks {missing!r}")
        if operators.get("essential") and not present:
            raise PolicyError(f"{name} is essential and missing")
    return result


def _as_list(value) -> list:
    return list(value) if isinstance(value, list | tuple) else [value]


def open_userinfo(
    token: str, decryption_keys: KeySet, signer_keys: KeySet, *, issuer: str, client_id: str
) -> dict:
    """The claims of an encrypted userinfo (a JWE to this site's encryption key wrapping a JWS of the provider,
    RS256 as this site asks, from `issuer` and, when it names an audience, for `client_id`); a plain or only
    signed answer is refused."""
    token = token.strip()
    if token.count(".") != 4:
        raise TrustChainError("userinfo is not encrypted")
    try:
        inner = jwe.decrypt_compact(token, decryption_keys, algorithms=ENCRYPTION).plaintext
    except (JoseError, ValueError, TypeError) as error:
        raise TrustChainError(f"userinfo cannot be decrypted with this site's key: {error}") from error
    try:
        claims = jwt.decode(inner, signer_keys, algorithms=USERINFO_SIGNING).claims
    except (JoseError, ValueError, TypeError) as error:
        raise TrustChainError(f"userinfo is not signed by the provider: {error}") from error
    if not isinstance(claims, dict):
        raise TrustChainError("userinfo is not a JSON object")
    if str(claims.get("iss", "")).rstrip("/") != issuer.rstrip("/"):
        raise TrustChainError("userinfo is not issued by the provider")
    audience = claims.get("aud", client_id)
    if client_id not in (audience if isinstance(audience, list) else [audience]):
        raise TrustChainError("userinfo is meant for another client")
    return claims
