"""The trust chain and metadata policies of vicinato.lib.federation, on statements kept in memory (no HTTP): an
intermediate between provider and anchor, each way a chain can fail, each policy operator, encrypted userinfo."""

from __future__ import annotations

import pytest
from joserfc import jwe, jwt
from joserfc.jwk import KeySet, RSAKey

from vicinato.lib.federation import (
    PolicyError,
    TrustChainError,
    apply_policy,
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
                    "authority_hints": [MIDDLE],
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
                },
                self.signers["anchor->middle"],
                self.lifetimes["anchor->middle"],
            ),
        }
        return documents[url]()

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
    with pytest.raises(TrustChainError):
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


def test_encrypted_userinfo(keys):
    site, provider = keys["middle"], keys["leaf"]
    signed = jwt.encode({"alg": "RS256", "kid": provider.kid}, {"sub": "someone"}, provider)

    def encrypted(alg: str, enc: str, to: RSAKey) -> str:
        return jwe.encrypt_compact(
            {"alg": alg, "enc": enc, "kid": site.kid}, signed, to, algorithms=[alg, enc]
        )

    for alg, enc in [("RSA-OAEP", "A128CBC-HS256"), ("RSA-OAEP-256", "A256CBC-HS512")]:
        claims = open_userinfo(encrypted(alg, enc, site), KeySet([site]), KeySet([provider]))
        assert claims == {"sub": "someone"}
    with pytest.raises(TrustChainError, match="not encrypted"):
        open_userinfo(signed, KeySet([site]), KeySet([provider]))
    impostor = RSAKey.import_key(keys["stranger"].as_dict(private=True), {"kid": site.kid})
    with pytest.raises(TrustChainError, match="cannot be decrypted"):
        open_userinfo(
            encrypted("RSA-OAEP-256", "A256CBC-HS512", impostor), KeySet([site]), KeySet([provider])
        )
    with pytest.raises(TrustChainError, match="not signed by the provider"):
        token = encrypted("RSA-OAEP-256", "A256CBC-HS512", site)
        open_userinfo(token, KeySet([site]), KeySet([keys["stranger"]]))


def test_a_malformed_statement_is_a_chain_error_not_a_crash(federation):
    federation.policy["anchor->middle"] = "not an object"
    with pytest.raises(TrustChainError, match="openid_provider in a statement is not an object"):
        federation.resolve()
