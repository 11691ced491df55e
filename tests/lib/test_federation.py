"""The trust chain and metadata policies of vicinato.lib.federation, on statements kept in memory (no HTTP): an
intermediate between provider and anchor, each way a chain can fail, each policy operator, encrypted userinfo."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from joserfc import jwe, jwt
from joserfc.jwk import KeySet, OctKey, RSAKey

from vicinato.lib.federation import (
    MAX_DEPTH,
    PolicyError,
    TrustChainError,
    apply_policy,
    merge_policies,
    open_userinfo,
    resolve,
    sign_statement,
    unverified_claims,
)

NOW = 1_800_000_000
ANCHOR, MIDDLE, LEAF = "https://anchor.example", "https://region.example", "https://idp.example"


def _key() -> RSAKey:
    key = RSAKey.generate_key(2048)
    key.ensure_kid()
    return key


def _public(*keys: RSAKey) -> dict:
    return KeySet(list(keys)).as_dict(private=False)


@pytest.fixture(scope="module")
def keys():
    return {name: _key() for name in ("anchor", "middle", "leaf", "stranger")}


class Federation:
    """Anchor -> region (an intermediate) -> identity provider, as the fetch function sees them."""

    def __init__(self, keys):
        self.keys = keys
        self.lifetimes = {"leaf": 3600, "middle->leaf": 3600, "anchor->middle": 1800}
        self.signers = {"middle->leaf": keys["middle"], "anchor->middle": keys["anchor"]}
        self.policy = {"middle->leaf": {}, "anchor->middle": {}}
        self.metadata = {"middle->leaf": {}, "anchor->middle": {}}
        self.hints = {LEAF: [MIDDLE]}  # and other entities, all signing with the middle key
        self.forged: dict[str, str] = {}  # url -> the document answered instead
        self.fetched: list[str] = []
        self.leaf_metadata = {"issuer": LEAF, "scopes_supported": ["openid", "profile"]}
        self.listed_leaf_key = keys["leaf"]

    def _statement(self, claims, key, lifetime=3600):
        return sign_statement({"iat": NOW - 10, "exp": NOW + lifetime, **claims}, key)

    def fetch(self, url: str) -> str:
        k = self.keys
        documents = {
            f"{LEAF}/.well-known/openid-federation": lambda: self._statement(
                {
                    "iss": LEAF,
                    "sub": LEAF,
                    "jwks": _public(k["leaf"]),
                    "authority_hints": self.hints[LEAF],
                    "metadata": {"openid_provider": self.leaf_metadata},
                },
                k["leaf"],
                self.lifetimes["leaf"],
            ),
            f"{MIDDLE}/.well-known/openid-federation": lambda: self._statement(
                {
                    "iss": MIDDLE,
                    "sub": MIDDLE,
                    "jwks": _public(k["middle"]),
                    "authority_hints": [ANCHOR],
                    "metadata": {"federation_entity": {"federation_fetch_endpoint": f"{MIDDLE}/fetch"}},
                },
                k["middle"],
            ),
            f"{ANCHOR}/.well-known/openid-federation": lambda: self._statement(
                {
                    "iss": ANCHOR,
                    "sub": ANCHOR,
                    "jwks": _public(k["anchor"]),
                    "metadata": {"federation_entity": {"federation_fetch_endpoint": f"{ANCHOR}/fetch"}},
                },
                k["anchor"],
            ),
            f"{MIDDLE}/fetch?sub=https%3A%2F%2Fidp.example": lambda: self._statement(
                {
                    "iss": MIDDLE,
                    "sub": LEAF,
                    "jwks": _public(self.listed_leaf_key),
                    "metadata_policy": {"openid_provider": self.policy["middle->leaf"]},
                    "metadata": {"openid_provider": self.metadata["middle->leaf"]},
                },
                self.signers["middle->leaf"],
                self.lifetimes["middle->leaf"],
            ),
            f"{ANCHOR}/fetch?sub=https%3A%2F%2Fregion.example": lambda: self._statement(
                {
                    "iss": ANCHOR,
                    "sub": MIDDLE,
                    "jwks": _public(k["middle"]),
                    "metadata_policy": {"openid_provider": self.policy["anchor->middle"]},
                    "metadata": {"openid_provider": self.metadata["anchor->middle"]},
                },
                self.signers["anchor->middle"],
                self.lifetimes["anchor->middle"],
            ),
        }
        self.fetched.append(url)
        if url in self.forged:
            return self.forged[url]
        if url in documents:
            return documents[url]()
        return self._elsewhere(url)

    def _elsewhere(self, url: str) -> str:
        """Any other entity of self.hints: its configuration, or its statement about another."""
        k, parts = self.keys, urlsplit(url)
        entity = f"{parts.scheme}://{parts.netloc}"
        if parts.path == "/.well-known/openid-federation":
            claims = {
                "iss": entity,
                "sub": entity,
                "jwks": _public(k["middle"]),
                "authority_hints": self.hints.get(entity, []),
                "metadata": {"federation_entity": {"federation_fetch_endpoint": f"{entity}/fetch"}},
            }
            return self._statement(claims, k["middle"])
        sub = parse_qs(parts.query)["sub"][0]
        vouched = k["leaf"] if sub == LEAF else k["middle"]
        return self._statement({"iss": entity, "sub": sub, "jwks": _public(vouched)}, k["middle"])

    def resolve(self, anchor_key=None):
        anchor_keys = KeySet([anchor_key or self.keys["anchor"]])
        return resolve(LEAF, anchor=ANCHOR, anchor_keys=anchor_keys, fetch=self.fetch, now=NOW)


@pytest.fixture
def federation(keys):
    return Federation(keys)


def test_a_chain_through_an_intermediate_applies_both_policies_anchor_first(federation):
    federation.policy["anchor->middle"] = {"scopes_supported": {"subset_of": ["openid", "profile", "email"]}}
    federation.policy["middle->leaf"] = {
        "scopes_supported": {"subset_of": ["openid"]},
        "op_policy_uri": {"default": "https://region.example/policy"},
    }

    chain = federation.resolve()

    assert chain.metadata == {
        "issuer": LEAF,
        "scopes_supported": ["openid"],
        "op_policy_uri": "https://region.example/policy",
    }
    assert chain.expires == NOW + 1800  # the earliest exp: the anchor's statement about the region
    assert len(chain.statements) == 3
    assert [unverified_claims(s)["iss"] for s in chain.statements] == [LEAF, MIDDLE, ANCHOR]


def test_the_anchor_keys_are_the_configured_ones_not_the_published_ones(federation, keys):
    with pytest.raises(TrustChainError, match="bad signature"):
        federation.resolve(anchor_key=keys["stranger"])


def test_a_statement_signed_by_another_key_breaks_the_chain(federation, keys):
    federation.signers["anchor->middle"] = keys["stranger"]
    with pytest.raises(TrustChainError, match="bad signature"):
        federation.resolve()


def test_a_leaf_whose_keys_its_superior_does_not_list_is_refused(federation, keys):
    federation.listed_leaf_key = keys[
        "stranger"
    ]  # the region vouches for another key than the leaf signs with
    with pytest.raises(TrustChainError, match="bad signature"):
        federation.resolve()


@pytest.mark.parametrize("which", ["leaf", "middle->leaf", "anchor->middle"])
def test_an_expired_statement_breaks_the_chain(federation, which):
    federation.lifetimes[which] = -120
    with pytest.raises(TrustChainError, match="expired"):
        federation.resolve()


def test_no_path_to_the_anchor(federation, keys):
    with pytest.raises(TrustChainError, match="https://anchor.example names no superior"):
        resolve(LEAF, anchor="https://other-anchor.example", anchor_keys=KeySet([keys["anchor"]]),
                fetch=federation.fetch, now=NOW)  # fmt: skip


def test_policy_operators():
    metadata = {"a": ["x", "y"], "b": "one", "c": ["p"]}
    assert apply_policy(metadata, {"a": {"value": ["z"]}})["a"] == ["z"]
    assert "a" not in apply_policy(metadata, {"a": {"value": None}})
    assert apply_policy(metadata, {"c": {"add": ["q", "p"]}})["c"] == ["p", "q"]
    assert apply_policy(metadata, {"d": {"default": 5}, "b": {"default": "two"}}) == {**metadata, "d": 5}
    assert apply_policy(metadata, {"b": {"one_of": ["one", "two"]}})["b"] == "one"
    assert apply_policy(metadata, {"a": {"subset_of": ["y", "w"]}})["a"] == ["y"]
    assert apply_policy(metadata, {"a": {"superset_of": ["x"]}}) == metadata
    assert apply_policy(metadata, {"a": {"essential": True}}) == metadata
    assert apply_policy(metadata, {"d": {"one_of": ["x"], "subset_of": ["x"]}}) == metadata  # absent: fine


@pytest.mark.parametrize(
    ("policy", "complaint"),
    [
        ({"b": {"one_of": ["two", "three"]}}, "b is 'one', not one of"),
        ({"a": {"subset_of": ["w"]}}, "a .* has nothing in"),
        ({"a": {"superset_of": ["x", "w"]}}, "a lacks \\['w'\\]"),
        ({"d": {"essential": True}}, "d is essential and missing"),
        ({"d": "not an object"}, "the policy for d"),
    ],
)
def test_policy_violations_say_which_parameter(policy, complaint):
    with pytest.raises(PolicyError, match=complaint):
        apply_policy({"a": ["x", "y"], "b": "one"}, policy)


def test_a_policy_violation_in_the_chain(federation):
    federation.policy["anchor->middle"] = {"scopes_supported": {"superset_of": ["email"]}}
    with pytest.raises(PolicyError, match="scopes_supported lacks"):
        federation.resolve()


CLIENT = "https://vicinato.example/"
CLAIMS = {"sub": "someone", "iss": LEAF, "aud": CLIENT}


def test_encrypted_userinfo(keys):
    site, provider = keys["middle"], keys["leaf"]
    signed = jwt.encode({"alg": "RS256", "kid": provider.kid}, CLAIMS, provider)

    def encrypted(alg: str, enc: str, to: RSAKey) -> str:
        return jwe.encrypt_compact(
            {"alg": alg, "enc": enc, "kid": site.kid}, signed, to, algorithms=[alg, enc]
        )

    def opened(token, decrypting=site, signer=provider):
        return open_userinfo(token, KeySet([decrypting]), KeySet([signer]), issuer=LEAF, client_id=CLIENT)

    for alg, enc in [("RSA-OAEP", "A128CBC-HS256"), ("RSA-OAEP-256", "A256CBC-HS512")]:
        assert opened(encrypted(alg, enc, site)) == CLAIMS
    with pytest.raises(TrustChainError, match="not encrypted"):
        opened(signed)
    impostor = RSAKey.import_key(keys["stranger"].as_dict(private=True), {"kid": site.kid})
    with pytest.raises(TrustChainError, match="cannot be decrypted"):
        opened(encrypted("RSA-OAEP-256", "A256CBC-HS512", impostor))
    with pytest.raises(TrustChainError, match="not signed by the provider"):
        opened(encrypted("RSA-OAEP-256", "A256CBC-HS512", site), signer=keys["stranger"])


def test_a_malformed_statement_is_a_chain_error_not_a_crash(federation):
    federation.policy["anchor->middle"] = "not an object"
    with pytest.raises(TrustChainError, match="openid_provider in a statement is not an object"):
        federation.resolve()


# The superiors' policies merged into one before it applies (OpenID Federation 1.0, metadata policy resolution)

AUTH = "token_endpoint_auth_methods_supported"


def test_an_intermediate_cannot_undo_the_anchors_policy(federation):
    federation.leaf_metadata[AUTH] = ["private_key_jwt"]
    federation.policy["anchor->middle"] = {AUTH: {"subset_of": ["private_key_jwt"]}}
    federation.policy["middle->leaf"] = {AUTH: {"add": ["client_secret_basic"]}}
    with pytest.raises(PolicyError, match=f"the policy of {AUTH} adds what its subset_of leaves out"):
        federation.resolve()


@pytest.mark.parametrize(
    ("anchor", "middle", "complaint"),
    [
        ({"value": "RS256"}, {"value": "HS256"}, "different values"),
        ({"default": "a"}, {"default": "b"}, "different defaults"),
        ({"one_of": ["RS256"]}, {"value": "HS256"}, "the value of .* is not one of"),
        ({"one_of": ["RS256"]}, {"one_of": ["ES256"]}, "no common value"),
        ({"subset_of": ["a"]}, {"default": ["b"]}, "the default of .* is not within"),
        ({"essential": True}, {"value": None}, "removes an essential parameter"),
    ],
)
def test_a_conflict_between_superiors_is_a_policy_error(federation, anchor, middle, complaint):
    federation.policy["anchor->middle"] = {"x": anchor}
    federation.policy["middle->leaf"] = {"x": middle}
    with pytest.raises(PolicyError, match=complaint):
        federation.resolve()


def test_merge_policies():
    merged = merge_policies(
        [
            {"a": {"add": ["x"], "subset_of": ["x", "y", "z"], "superset_of": ["x"], "essential": True}},
            {"a": {"add": ["y"], "subset_of": ["y", "x"], "superset_of": ["y"], "essential": False}},
            {"b": {"one_of": ["1", "2"]}},
            {"b": {"one_of": ["2", "3"], "default": "2"}},
        ]
    )
    assert merged == {
        "a": {"add": ["x", "y"], "subset_of": ["x", "y"], "superset_of": ["x", "y"], "essential": True},
        "b": {"one_of": ["2"], "default": "2"},
    }


def test_the_superiors_metadata_is_checked_by_the_policy_and_only_the_one_about_the_leaf_counts(federation):
    federation.policy["anchor->middle"] = {"scopes_supported": {"subset_of": ["openid", "profile"]}}
    federation.metadata["middle->leaf"] = {"scopes_supported": ["openid", "email"], "logo_uri": "https://l/"}
    federation.metadata["anchor->middle"] = {"issuer": "https://elsewhere.example"}  # about the region

    metadata = federation.resolve().metadata

    assert metadata == {"issuer": LEAF, "scopes_supported": ["openid"], "logo_uri": "https://l/"}


@pytest.mark.parametrize(
    ("policy", "complaint"),
    [
        ({"b": {"one_of": "one two"}}, "one_of in the policy for b is not a list"),
        ({"a": {"subset_of": "xy"}}, "subset_of in the policy for a is not a list"),
        ({"a": {"superset_of": 3}}, "superset_of in the policy for a is not a list"),
        ({"a": {"add": "z"}}, "add in the policy for a is not a list"),
        ({"a": {"essential": "yes"}}, "essential in the policy for a is not true or false"),
        ({"b": {"subset_of": ["one"]}}, "b is 'one', not a list"),
        ({"b": {"superset_of": ["one"]}}, "b is 'one', not a list"),
    ],
)
def test_operators_of_the_wrong_type_are_policy_errors(policy, complaint):
    with pytest.raises(PolicyError, match=complaint):
        apply_policy({"a": ["x", "y"], "b": "one"}, policy)


# What a chain refuses


def _unsigned(claims: dict, header: dict, key: bytes | None = None) -> str:
    def encode(part) -> str:
        data = part if isinstance(part, bytes) else json.dumps(part).encode()
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing_input = f"{encode(header)}.{encode(claims)}"
    signature = b"" if key is None else hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{encode(signature)}"


@pytest.mark.parametrize("alg", ["none", "HS256"])
def test_an_anchor_configuration_not_signed_with_rsa_is_refused(federation, keys, alg):
    claims = {
        "iss": ANCHOR,
        "sub": ANCHOR,
        "iat": NOW,
        "exp": NOW + 3600,
        "jwks": _public(keys["anchor"]),
        "metadata": {"federation_entity": {"federation_fetch_endpoint": f"{ANCHOR}/fetch"}},
    }
    public_pem = keys["anchor"].as_pem(private=False)  # the classic confusion: HMAC keyed with the public key
    header = {"alg": alg, "typ": "entity-statement+jwt", "kid": keys["anchor"].kid}
    federation.forged[f"{ANCHOR}/.well-known/openid-federation"] = _unsigned(
        claims, header, None if alg == "none" else public_pem
    )
    with pytest.raises(TrustChainError, match="bad signature"):
        federation.resolve()


def test_a_configuration_about_someone_else_is_refused(federation, keys):
    federation.forged[f"{LEAF}/.well-known/openid-federation"] = sign_statement(
        {"iss": LEAF, "sub": MIDDLE, "iat": NOW, "exp": NOW + 60, "jwks": _public(keys["leaf"])}, keys["leaf"]
    )
    with pytest.raises(TrustChainError, match="names someone else"):
        federation.resolve()


def test_a_statement_issued_in_the_future_is_refused(federation, keys):
    federation.forged[f"{LEAF}/.well-known/openid-federation"] = sign_statement(
        {"iss": LEAF, "sub": LEAF, "iat": NOW + 3600, "exp": NOW + 7200, "jwks": _public(keys["leaf"])},
        keys["leaf"],
    )
    with pytest.raises(TrustChainError, match="issued in the future"):
        federation.resolve()


def test_a_loop_of_authority_hints_ends(federation):
    federation.hints = {LEAF: ["https://a.example"], "https://a.example": ["https://b.example"]}
    federation.hints["https://b.example"] = ["https://a.example"]
    with pytest.raises(TrustChainError, match=f"no trust anchor within {MAX_DEPTH} steps"):
        federation.resolve()


def test_at_most_three_authority_hints_are_tried(federation):
    federation.hints[LEAF] = ["https://x1.example", "https://x2.example", "https://x3.example", MIDDLE]
    with pytest.raises(TrustChainError, match="only the first 3 authority hints of https://idp.example"):
        federation.resolve()
    assert not any(url.startswith(MIDDLE) for url in federation.fetched)


def test_at_most_twelve_documents_are_fetched(federation):
    wide = [f"https://w{n}.example" for n in range(3)]  # each hinting at the three others
    federation.hints = {LEAF: wide, **{entity: wide for entity in wide}}
    with pytest.raises(TrustChainError, match="more than 12 documents"):
        federation.resolve()
    assert len(federation.fetched) == 12


def test_only_https_addresses_are_fetched(federation):
    federation.hints[LEAF] = ["http://region.example"]
    with pytest.raises(
        TrustChainError, match="http://region.example/.well-known/openid-federation is not an https"
    ):
        federation.resolve()
    assert federation.fetched == [f"{LEAF}/.well-known/openid-federation"]


@pytest.mark.parametrize("alg", ["RSA1_5", "dir"])
def test_userinfo_encrypted_with_a_weak_or_shared_key_algorithm_is_refused(keys, alg):
    site, provider = keys["middle"], keys["leaf"]
    signed = jwt.encode({"alg": "RS256"}, CLAIMS, provider)
    to = site if alg == "RSA1_5" else OctKey.generate_key(256)
    token = jwe.encrypt_compact(
        {"alg": alg, "enc": "A128CBC-HS256"}, signed, to, algorithms=[alg, "A128CBC-HS256"]
    )
    with pytest.raises(TrustChainError, match="cannot be decrypted"):
        open_userinfo(token, KeySet([site, to]), KeySet([provider]), issuer=LEAF, client_id=CLIENT)


@pytest.mark.parametrize(
    ("header", "claims", "complaint"),
    [
        ({"alg": "RS512"}, CLAIMS, "not signed by the provider"),
        ({"alg": "RS256"}, {**CLAIMS, "iss": "https://other.example"}, "not issued by the provider"),
        ({"alg": "RS256"}, {**CLAIMS, "aud": ["https://other.example/"]}, "meant for another client"),
    ],
)
def test_userinfo_must_be_rs256_from_the_provider_for_this_site(keys, header, claims, complaint):
    site, provider = keys["middle"], keys["leaf"]
    signed = jwt.encode(header, claims, provider, algorithms=[header["alg"]])
    encryption = {"alg": "RSA-OAEP-256", "enc": "A256CBC-HS512"}
    token = jwe.encrypt_compact(encryption, signed, site, algorithms=list(encryption.values()))
    with pytest.raises(TrustChainError, match=complaint):
        open_userinfo(token, KeySet([site]), KeySet([provider]), issuer=LEAF, client_id=CLIENT)
