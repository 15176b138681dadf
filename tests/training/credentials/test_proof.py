"""eddsa-rdfc-2022 against the official 1EdTech Open Badges 3.0 test vector; pinned contexts."""

import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pyld.jsonld import JsonLdError

from training.credentials import proof, statuslist
from training.credentials.contexts import PINNED, PinnedLoader, UnpinnedContext, pinned_document

# The test vector of the 1EdTech Open Badges 3.0 Implementation Guide (Final Release, 2025),
# chapter "Linked Data Proof Test Vector for Open Badges 3.0".
VECTOR_SEED = "6241a409e6707bb640a0140a8a32bc3d193c33a661747284d6adfa4ed4180be4"
VECTOR_PUBLIC = "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
VECTOR_METHOD = f"https://example.edu/issuers/565049#{VECTOR_PUBLIC}"
VECTOR_DOC_HASH = "87f65a76d40146205e3b3e06cb0fbd153f97f9ce70372390f52566bb7f9e0773"
VECTOR_PROOF_HASH = "d34009cea0dbc1ca941e09dc01c8c9d3e3ce3c5b853f67ee44698dcea10f5d19"
VECTOR_PROOF_VALUE = (
    "z5x9aCBYovW3CQCbKdNyhEm7ffYSw1YpEdPywQJoNbzDD2gkzQDKJ1sYKJaWvqZtkMtSbz35HcbgXVEDYHxCzgkCr"
)
VECTOR_DOC = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ],
    "id": "http://example.com/credentials/3527",
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "issuer": {
        "id": "https://example.edu/issuers/565049",
        "type": ["Profile"],
        "url": "https://www.imsglobal.org",
        "name": "Example Corp",
    },
    "validFrom": "2010-01-01T00:00:00Z",
    "name": "Teamwork Badge",
    "credentialSubject": {
        "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
        "type": ["AchievementSubject"],
        "achievement": {
            "id": "https://example.com/achievements/21st-century-skills/teamwork",
            "type": ["Achievement"],
            "criteria": {
                "narrative": "Team members are nominated for this badge by their peers and "
                "recognized upon review by Example Corp management."
            },
            "description": "This badge recognizes the development of the capacity to "
            "collaborate within a group environment.",
            "name": "Teamwork",
        },
    },
}
LOADER = PinnedLoader("https://innocore.test/credentials/contexts/micro-credential-v1.json")


def vector_key():
    return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(VECTOR_SEED))


def test_signing_reproduces_the_1edtech_vector_byte_for_byte():
    key = vector_key()
    assert proof.public_key_multibase(key.public_key()) == VECTOR_PUBLIC
    canonical = proof.canonical_nquads(VECTOR_DOC, LOADER)
    assert hashlib.sha256(canonical.encode()).hexdigest() == VECTOR_DOC_HASH
    options = proof.ProofOptions(VECTOR_METHOD, "2010-01-01T19:23:24Z")
    data = proof.hash_data(VECTOR_DOC, options.as_dict(), LOADER)
    assert data.hex() == VECTOR_PROOF_HASH + VECTOR_DOC_HASH
    signed = proof.sign(VECTOR_DOC, key, options, LOADER)
    assert signed["proof"]["proofValue"] == VECTOR_PROOF_VALUE
    proof.verify(signed, proof.public_key_from_multibase(VECTOR_PUBLIC), LOADER)


def test_a_changed_field_fails_verification_as_tampered():
    signed = proof.sign(
        VECTOR_DOC, vector_key(), proof.ProofOptions(VECTOR_METHOD, "2010-01-01T19:23:24Z"), LOADER
    )
    signed["credentialSubject"]["achievement"]["name"] = "Leadership"
    with pytest.raises(proof.ProofError) as err:
        proof.verify(signed, vector_key().public_key(), LOADER)
    assert err.value.code == "tampered"


def test_signing_refuses_a_term_that_expansion_would_drop():
    doc = dict(VECTOR_DOC, ectsCredits="5")  # not defined without the extension context
    with pytest.raises(proof.ProofError) as err:
        proof.sign(
            doc, vector_key(), proof.ProofOptions(VECTOR_METHOD, "2010-01-01T19:23:24Z"), LOADER
        )
    assert err.value.code == "dropped_terms" and "ectsCredits" in str(err.value)


def test_signing_refuses_an_undefined_type_value():
    doc = dict(
        VECTOR_DOC, credentialSchema=[{"id": "https://x.test/s.json", "type": "Unknown2019"}]
    )
    with pytest.raises(proof.ProofError, match="Unknown2019"):
        proof.sign(
            doc, vector_key(), proof.ProofOptions(VECTOR_METHOD, "2010-01-01T19:23:24Z"), LOADER
        )


def test_the_loader_refuses_contexts_that_are_not_pinned():
    with pytest.raises(UnpinnedContext):
        LOADER("https://evil.test/context.json")
    doc = dict(VECTOR_DOC, **{"@context": VECTOR_DOC["@context"] + ["https://evil.test/c.json"]})
    with pytest.raises(JsonLdError):
        proof.canonical_nquads(doc, LOADER)


@pytest.mark.parametrize("key", sorted(PINNED))
def test_every_pinned_context_matches_its_sha256(key):
    assert "@context" in pinned_document(key)


def test_status_list_bits_round_trip_and_index_zero_is_the_left_most_bit():
    encoded = statuslist.encode([0, 81234])
    assert statuslist.is_set(encoded, 0) and statuslist.is_set(encoded, 81234)
    assert not statuslist.is_set(encoded, 1)
    assert encoded.startswith("u")
