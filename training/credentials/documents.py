"""Open Badges 3.0 documents of this platform: credentials, issuer profiles, status lists.

URLs follow ``BASE_URL``: the issuer profile (``/issuers/<key>``) is where the proof's
``verificationMethod`` resolves; the status list lives at ``/credentials/status/<key>``.
"""

from __future__ import annotations

import hashlib

from flask import current_app

from innocore import clock
from innocore.clock import iso_utc as iso
from innocore.links import absolute_url
from training.credentials import keys, proof, statuslist
from training.credentials.contexts import EXTENSION_PATH, OB_V3, VC_V2, PinnedLoader


def extension_url() -> str:
    return current_app.config["BASE_URL"].rstrip("/") + EXTENSION_PATH


def loader() -> PinnedLoader:
    return PinnedLoader(extension_url())


def issuer_url(issuer_key: str) -> str:
    return absolute_url("credentials_public.issuer_profile", issuer_key=issuer_key)


REVOCATION, SUSPENSION = "revocation", "suspension"  # W3C Bitstring Status List purposes


def status_list_url(issuer_key: str, purpose: str = REVOCATION) -> str:
    """Where the issuer's list of one purpose is published (revocation: the original address)."""
    if purpose == SUSPENSION:
        return absolute_url("credentials_public.suspension_list", issuer_key=issuer_key)
    return absolute_url("credentials_public.status_list", issuer_key=issuer_key)


def verification_method(issuer_key: str) -> str:
    return f"{issuer_url(issuer_key)}#{keys.public_multibase(issuer_key)}"


def issuer_profile(issuer_key: str, facility=None) -> dict:
    """A Profile that is also a controller document publishing the issuer's public key."""
    url = issuer_url(issuer_key)
    vm = verification_method(issuer_key)
    doc = {
        "@context": ["https://www.w3.org/ns/cid/v1", OB_V3],
        "id": url,
        "type": ["Profile"],
        "verificationMethod": [
            {
                "id": vm,
                "type": "Multikey",
                "controller": url,
                "publicKeyMultibase": keys.public_multibase(issuer_key),
            }
        ],
        "assertionMethod": [vm],
    }
    return doc | _issuer_fields(facility)


def _issuer_fields(facility) -> dict:
    if facility is None:
        return {"name": current_app.config["NETWORK_NAME"]}
    org = facility.institution
    return {
        "name": f"{facility.name}, {org.name}",
        "email": facility.contact_email,
        "address": {
            "type": ["Address"],
            "addressCountryCode": org.country,
            **({"addressLocality": org.city} if org.city else {}),
        },
    }


def _subject_identifier(cert) -> dict:
    salt = hashlib.sha256(("salt:" + cert.public_id).encode()).hexdigest()[:16]
    digest = hashlib.sha256((cert.holder.email.lower() + salt).encode()).hexdigest()
    return {
        "type": "IdentityObject",
        "identityType": "emailAddress",
        "hashed": True,
        "salt": salt,
        "identityHash": f"sha256${digest}",
    }


def _competence_achievement(cert, module) -> dict:
    c = cert.competence
    base = absolute_url("competences.show", competence_id=c.id)
    achievement = {
        "id": f"{base}#level-{cert.level}",
        "type": ["Achievement"],
        "achievementType": "Certification",
        "name": f"{c.title}: {c.level_name(cert.level)} (level {cert.level})",
        "description": c.description or c.title,
        "criteria": {"narrative": _criteria(cert, module)},
        "humanCode": c.code,
        "alignment": [
            {
                "type": ["Alignment"],
                "targetName": c.title,
                "targetUrl": base,
                "targetCode": c.code,
                "targetFramework": f"{current_app.config['NETWORK_NAME']} competence framework",
            }
        ],
        "resultDescription": [
            {
                "id": f"{base}#levels",
                "type": ["ResultDescription"],
                "name": "Competence level",
                "resultType": "RubricCriterionLevel",
                "requiredLevel": f"{base}#level-{cert.level}",
                "rubricCriterionLevel": [
                    {
                        "id": f"{base}#level-{row.level}",
                        "type": ["RubricCriterionLevel"],
                        "name": row.name,
                        "level": str(row.level),
                    }
                    for row in c.levels
                ],
            }
        ],
        "competenceLevel": cert.level,
    }
    if c.esco_uri:
        achievement["alignment"].append(
            {
                "type": ["Alignment"],
                "targetName": c.title,
                "targetUrl": c.esco_uri,
                "targetFramework": "ESCO",
                "targetType": "ext:ESCOSkill",
            }
        )
    if module is not None:
        achievement |= micro_credential_elements(module)
    return achievement


def _criteria(cert, module) -> str:
    if module is not None:
        return f"Passed the assessment of the training module “{module.title}”."
    if cert.basis.value == "prior_learning":
        return (
            "Recognition of prior learning, reviewed by the issuing facility against the evidence."
        )
    return "Assessed by the issuing facility."


def micro_credential_elements(module) -> dict:
    """EU micro-credential elements: OB fields where they exist, the extension context elsewhere."""
    out: dict = {
        "creditsAvailable": float(module.ects),
        "ectsCredits": str(module.ects),
        "notionalWorkloadHours": int(module.notional_hours),
        "learningOutcome": list(module.learning_outcomes or []),
        "assessmentType": module.assessment_type.label,
        "participationForm": module.participation_form.label,
        "inLanguage": module.language,
    }
    if module.quality_assurance:
        out["qualityAssurance"] = module.quality_assurance
    if module.eqf_level:
        out["eqfLevel"] = f"http://data.europa.eu/snb/eqf/{module.eqf_level}"
    return out


def _path_achievement(path) -> dict:
    url = absolute_url("paths.show", code=path.code)
    achievement = {
        "id": url,
        "type": ["Achievement"],
        "achievementType": "LearningProgram",
        "name": path.title,
        "description": path.description or path.title,
        "criteria": {
            "id": url,
            "narrative": "Completed every requirement of the qualification path.",
        },
        "humanCode": path.code,
    }
    if path.eqf_level:
        achievement["eqfLevel"] = f"http://data.europa.eu/snb/eqf/{path.eqf_level}"
    return achievement


def unsigned_credential(cert, *, module=None, path=None, facility=None) -> dict:
    """The OpenBadgeCredential of a certificate, before signing."""
    achievement = (
        _path_achievement(path) if path is not None else _competence_achievement(cert, module)
    )
    doc = {
        "@context": [VC_V2, OB_V3, extension_url()],
        "id": absolute_url("certification_public.verify_page", public_id=cert.public_id),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": achievement["name"],
        "issuer": {
            "id": issuer_url(cert.issuer_key),
            "type": ["Profile"],
            **_issuer_fields(facility),
        },
        "validFrom": iso(cert.issued_at),
        "awardedDate": iso(cert.issued_at),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [_subject_identifier(cert)],
            "achievement": achievement,
        },
        "credentialStatus": [
            status_entry(cert.issuer_key, cert.status_index, purpose)
            for purpose in (REVOCATION, SUSPENSION)
        ],
    }
    if module is not None:
        doc["credentialSubject"]["creditsEarned"] = float(module.ects)
    if cert.valid_until is not None:
        doc["validUntil"] = iso(cert.valid_until)
    if cert.evidence:
        doc["evidence"] = [
            {"type": ["Evidence"], "name": cert.basis.label, "narrative": cert.evidence}
        ]
    return doc


def status_entry(issuer_key: str, index: int, purpose: str) -> dict:
    """One BitstringStatusListEntry; a certificate has the same index in both of its lists."""
    url = status_list_url(issuer_key, purpose)
    return {
        "id": f"{url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": url,
    }


def sign_document(doc: dict, issuer_key: str) -> dict:
    options = proof.ProofOptions(verification_method(issuer_key), iso(clock.now()))
    return proof.sign(doc, keys.private_key(issuer_key), options, loader())


def status_list_credential(issuer_key: str, indexes: list[int], purpose: str = REVOCATION) -> dict:
    """The signed Bitstring Status List credential of one issuer for one purpose
    (``revocation`` or ``suspension``; W3C Bitstring Status List v1.0)."""
    url = status_list_url(issuer_key, purpose)
    doc = {
        "@context": [VC_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_url(issuer_key),
        "validFrom": iso(clock.now()),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": statuslist.encode(indexes),
            "ttl": 300000,
        },
    }
    return sign_document(doc, issuer_key)
