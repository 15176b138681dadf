"""ELM 3 / EDC export (unsealed): the structure of an EDC ``EuropeanDigitalCredential`` built from
the same certificate, module and path rows as the Open Badges credential.

Sources: the European Learning Model v3 (``http://data.europa.eu/snb/model/elm/``), the EDC
application profile context ``http://data.europa.eu/snb/model/context/edc-ap`` and SHACL
``edc-generic-full``, and Annex I of the Council Recommendation of 16 June 2022 on micro-credentials
(2022/C 243/02). Sealing needs an eIDAS advanced or qualified electronic seal, which deployments add
themselves (EDC Issuer or a qualified trust service provider): this document carries no proof.

Where the 11 mandatory elements go (``ELEMENTS`` names them for tests and readers):
1 learner: ``credentialSubject`` (Person); 2 title: ``displayParameter.title`` and the claim's
``title``; 3 country: ``issuer.location.address.countryCode``; 4 awarding body:
``hasClaim.awardedBy.awardingBody``; 5 date: ``issued``/``issuanceDate``/``validFrom``; 6 outcomes:
``specifiedBy.learningOutcome``; 7 workload: ``specifiedBy.creditPoint`` (ECTS) and
``volumeOfLearning``; 8 level: ``specifiedBy.eqfLevel``; 9 assessment: ``provenBy``; 10 form of
participation: ``specifiedBy.mode`` and ``influencedBy``; 11 quality assurance: the claim's
``additionalNote`` (subject: quality assurance).
"""

from __future__ import annotations

from flask import current_app

from innocore.clock import iso_utc
from innocore.links import absolute_url
from training.credentials.documents import issuer_url

EDC_CONTEXT = [
    "https://www.w3.org/2018/credentials/v1",
    "http://data.europa.eu/snb/model/context/edc-ap",
]
EDC_SCHEMA = {
    "id": "http://data.europa.eu/snb/model/ap/edc-generic-full",
    "type": "ShaclValidator2017",
}
ELEMENTS = {
    1: "learner",
    2: "title",
    3: "country of the issuer",
    4: "awarding body",
    5: "date of issuing",
    6: "learning outcomes",
    7: "notional workload (ECTS)",
    8: "level (EQF)",
    9: "type of assessment",
    10: "form of participation",
    11: "quality assurance",
}
_COUNTRY = {  # ISO 3166-1 alpha-2 -> the EU country authority's alpha-3 notation
    "AT": "AUT",
    "BE": "BEL",
    "BG": "BGR",
    "HR": "HRV",
    "CY": "CYP",
    "CZ": "CZE",
    "DK": "DNK",
    "EE": "EST",
    "FI": "FIN",
    "FR": "FRA",
    "DE": "DEU",
    "GR": "GRC",
    "HU": "HUN",
    "IE": "IRL",
    "IT": "ITA",
    "LV": "LVA",
    "LT": "LTU",
    "LU": "LUX",
    "MT": "MLT",
    "NL": "NLD",
    "PL": "POL",
    "PT": "PRT",
    "RO": "ROU",
    "SK": "SVK",
    "SI": "SVN",
    "ES": "ESP",
    "SE": "SWE",
    "IS": "ISL",
    "LI": "LIE",
    "NO": "NOR",
    "CH": "CHE",
    "GB": "GBR",
    "UA": "UKR",
    "RS": "SRB",
    "TR": "TUR",
}
_LANGUAGE = {
    "en": "ENG",
    "it": "ITA",
    "de": "DEU",
    "fr": "FRA",
    "es": "SPA",
    "pt": "POR",
    "nl": "NLD",
    "pl": "POL",
    "sv": "SWE",
    "fi": "FIN",
    "da": "DAN",
    "cs": "CES",
}
_MODE = {  # ELM learning-activity mode concepts
    "online": ("http://data.europa.eu/snb/learning-assessment/920fbb3cbe", "Online"),
    "on_site": ("http://data.europa.eu/snb/learning-assessment/9191af2ed9", "Presential"),
    "blended": ("http://data.europa.eu/snb/learning-assessment/e92d221e4d", "Blended"),
}
ECTS = "http://data.europa.eu/snb/education-credit/6fcec5c5af"


def concept(uri: str, label: str, scheme: str, notation: str | None = None) -> dict:
    """An ELM ``Concept`` from a controlled vocabulary."""
    out = {
        "id": uri,
        "type": "Concept",
        "inScheme": {"id": scheme, "type": "ConceptScheme"},
        "prefLabel": {"en": label},
    }
    if notation:
        out["notation"] = notation
    return out


def _country(code: str | None) -> dict:
    alpha3 = _COUNTRY.get((code or "").upper(), "EUR")
    base = "http://publications.europa.eu/resource/authority/country"
    return concept(f"{base}/{alpha3}", code or "Europe", base, alpha3)


def _language(code: str | None) -> dict:
    alpha3 = _LANGUAGE.get((code or "en").lower()[:2], "ENG")
    base = "http://publications.europa.eu/resource/authority/language"
    return concept(f"{base}/{alpha3}", (code or "en").lower(), base, alpha3)


def _organisation(cert) -> dict:
    facility = cert.facility
    network = current_app.config["NETWORK_NAME"]
    name = f"{facility.name}, {facility.institution.name}" if facility else network
    country = facility.institution.country if facility else None
    org_id = issuer_url(cert.issuer_key)
    org = {
        "id": org_id,
        "type": "Organisation",
        "legalName": {"en": name},
        "location": [
            {
                "id": f"{org_id}#location",
                "type": "Location",
                "address": [
                    {"id": f"{org_id}#address", "type": "Address", "countryCode": _country(country)}
                ],
            }
        ],
    }
    if facility is not None and facility.contact_email:
        org["contactPoint"] = [
            {
                "id": f"{org_id}#contact",
                "type": "ContactPoint",
                "emailAddress": [{"id": f"mailto:{facility.contact_email}", "type": "Mailbox"}],
            }
        ]
    return org


def _person(cert, subject_id: str) -> dict:
    name = cert.holder.name
    given, _, family = name.partition(" ")
    return {
        "id": subject_id,
        "type": "Person",
        "fullName": {"en": name},
        "givenName": {"en": given},
        "familyName": {"en": family or given},
        "contactPoint": [
            {
                "id": f"{subject_id}#contact",
                "type": "ContactPoint",
                "emailAddress": [{"id": f"mailto:{cert.holder.email}", "type": "Mailbox"}],
            }
        ],
    }


def _specification(cert, module, path, claim_id: str, title: str) -> dict:
    spec = {
        "id": f"{claim_id}#specification",
        "type": "LearningAchievementSpecification",
        "title": {"en": title},
    }
    if module is not None:
        spec["learningOutcome"] = [
            {"id": f"{claim_id}#outcome-{i}", "type": "LearningOutcome", "title": {"en": text}}
            for i, text in enumerate(module.learning_outcomes or [title], 1)
        ]
        spec["creditPoint"] = [
            {
                "id": f"{claim_id}#credit",
                "type": "CreditPoint",
                "framework": concept(
                    ECTS,
                    "European Credit Transfer System",
                    "http://data.europa.eu/snb/education-credit/25831c2",
                ),
                "point": str(module.ects),
            }
        ]
        spec["volumeOfLearning"] = f"PT{int(module.notional_hours)}H"
        spec["language"] = [_language(module.language)]
        uri, label = _MODE[module.participation_form.value]
        spec["mode"] = [
            concept(uri, label, "http://data.europa.eu/snb/learning-assessment/25831c2")
        ]
    else:
        c = cert.competence
        outcome = (
            f"{c.title}: {c.level_name(cert.level)} (level {cert.level})"
            if c is not None
            else f"Completed every requirement of {title}"
        )
        spec["learningOutcome"] = [
            {"id": f"{claim_id}#outcome-1", "type": "LearningOutcome", "title": {"en": outcome}}
        ]
    eqf = (module.eqf_level if module is not None else None) or (path.eqf_level if path else None)
    if eqf:
        spec["eqfLevel"] = concept(
            f"http://data.europa.eu/snb/eqf/{eqf}",
            f"EQF level {eqf}",
            "http://data.europa.eu/snb/eqf/25831c2",
            str(eqf),
        )
    if cert.competence is not None and cert.competence.esco_uri:
        spec["learningOutcome"][0]["relatedESCOSkill"] = [
            {"id": cert.competence.esco_uri, "type": "Concept"}
        ]
    return spec


def _assessment(cert, module, claim_id: str) -> dict:
    label = module.assessment_type.label if module is not None else cert.basis.label
    return {
        "id": f"{claim_id}#assessment",
        "type": "LearningAssessment",
        "title": {"en": label},
        "awardedBy": {
            "id": f"{claim_id}#assessment-award",
            "type": "AwardingProcess",
            "awardingBody": [{"id": issuer_url(cert.issuer_key)}],
        },
    }


def elm_credential(cert, *, module=None, path=None, title: str) -> dict:
    """The unsealed EDC credential of a certificate (competence or qualification path)."""
    verify = absolute_url("certification_public.verify_page", public_id=cert.public_id)
    subject_id = f"urn:epass:person:{cert.public_id}"
    claim_id = f"{verify}#achievement"
    org = _organisation(cert)
    claim = {
        "id": claim_id,
        "type": "LearningAchievement",
        "title": {"en": title},
        "awardedBy": {
            "id": f"{claim_id}#awarding",
            "type": "AwardingProcess",
            "awardingBody": [org],
            "awardingDate": iso_utc(cert.issued_at),
        },
        "specifiedBy": _specification(cert, module, path, claim_id, title),
        "provenBy": [_assessment(cert, module, claim_id)],
        "supplementaryDocument": [
            {"id": f"{verify}#page", "type": "WebResource", "contentURL": verify}
        ],
    }
    if module is not None:
        uri, label = _MODE[module.participation_form.value]
        claim["influencedBy"] = [
            {
                "id": f"{claim_id}#activity",
                "type": "LearningActivity",
                "title": {"en": module.title},
                "specifiedBy": {
                    "id": f"{claim_id}#activity-spec",
                    "type": "LearningActivitySpecification",
                    "title": {"en": module.title},
                    "mode": [
                        concept(uri, label, "http://data.europa.eu/snb/learning-assessment/25831c2")
                    ],
                    "volumeOfLearning": f"PT{int(module.notional_hours)}H",
                },
            }
        ]
        if module.quality_assurance:
            claim["additionalNote"] = [
                {
                    "id": f"{claim_id}#qa",
                    "type": "Note",
                    "noteLiteral": {"en": module.quality_assurance},
                    "subject": {
                        "id": "http://data.europa.eu/snb/summary-display-field/quality-assurance",
                        "type": "Concept",
                        "prefLabel": {"en": "Quality assurance"},
                    },
                }
            ]
    doc = {
        "@context": EDC_CONTEXT,
        "id": f"urn:credential:{cert.public_id}",
        "type": ["VerifiableCredential", "EuropeanDigitalCredential"],
        "credentialSchema": [EDC_SCHEMA],
        "credentialProfiles": [
            concept(
                "http://data.europa.eu/snb/credential/e34929035b",
                "Generic",
                "http://data.europa.eu/snb/credential/25831c2",
            )
        ],
        "issuer": org,
        "issuanceDate": iso_utc(cert.issued_at),
        "issued": iso_utc(cert.issued_at),
        "validFrom": iso_utc(cert.issued_at),
        "displayParameter": {
            "id": f"{verify}#display",
            "type": "DisplayParameter",
            "title": {"en": title},
            "language": [_language(module.language if module else "en")],
            "primaryLanguage": _language(module.language if module else "en"),
        },
        "credentialSubject": _person(cert, subject_id) | {"hasClaim": [claim]},
    }
    if cert.valid_until is not None:
        doc["expirationDate"] = iso_utc(cert.valid_until)
    return doc


def missing_elements(doc: dict) -> list[str]:
    """Which of the 11 mandatory micro-credential elements the export does not carry (pure)."""
    subject = doc.get("credentialSubject", {})
    claim = (subject.get("hasClaim") or [{}])[0]
    spec = claim.get("specifiedBy", {})
    present = {
        1: bool(subject.get("fullName")),
        2: bool(doc.get("displayParameter", {}).get("title")) and bool(claim.get("title")),
        3: bool(doc.get("issuer", {}).get("location")),
        4: bool(claim.get("awardedBy", {}).get("awardingBody")),
        5: bool(doc.get("issued")),
        6: bool(spec.get("learningOutcome")),
        7: bool(spec.get("creditPoint")) or bool(spec.get("volumeOfLearning")),
        8: bool(spec.get("eqfLevel")),
        9: bool(claim.get("provenBy")),
        10: bool(spec.get("mode")) or bool(claim.get("influencedBy")),
        11: bool(claim.get("additionalNote")),
    }
    return [ELEMENTS[n] for n, ok in present.items() if not ok]
