"""Credentials out: ELM 3 / EDC export validated against the EDC structure (as a JSON Schema, since
no installable package ships the EDC schema or SHACL shapes), the wallet file and LinkedIn link."""

import json
from urllib.parse import parse_qs, urlsplit

import jsonschema
import pytest

pytestmark = pytest.mark.usefixtures("db_session")

TEXT = {
    "type": "object",
    "required": ["en"],
    "properties": {"en": {"type": "string", "minLength": 1}},
}
CONCEPT = {
    "type": "object",
    "required": ["id", "type", "inScheme", "prefLabel"],
    "properties": {
        "type": {"const": "Concept"},
        "id": {"type": "string", "pattern": "^https?://"},
        "prefLabel": TEXT,
    },
}
ORGANISATION = {
    "type": "object",
    "required": ["id", "type", "legalName", "location"],
    "properties": {
        "type": {"const": "Organisation"},
        "legalName": TEXT,
        "location": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["type", "address"],
                "properties": {
                    "address": {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "object",
                            "required": ["type", "countryCode"],
                            "properties": {"countryCode": CONCEPT},
                        },
                    }
                },
            },
        },
    },
}
# The EDC shape of /work/shared/notes/credentials.md §2.2, with every Annex I element required.
EDC_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": [
        "@context",
        "id",
        "type",
        "issuer",
        "issuanceDate",
        "issued",
        "validFrom",
        "credentialSchema",
        "credentialProfiles",
        "displayParameter",
        "credentialSubject",
    ],
    "properties": {
        "@context": {
            "const": [
                "https://www.w3.org/2018/credentials/v1",
                "http://data.europa.eu/snb/model/context/edc-ap",
            ]
        },
        "type": {"const": ["VerifiableCredential", "EuropeanDigitalCredential"]},
        "credentialSchema": {
            "type": "array",
            "contains": {
                "const": {
                    "id": "http://data.europa.eu/snb/model/ap/edc-generic-full",
                    "type": "ShaclValidator2017",
                }
            },
        },
        "issuer": ORGANISATION,
        "issued": {"type": "string", "pattern": "Z$"},
        "credentialProfiles": {"type": "array", "minItems": 1, "items": CONCEPT},
        "displayParameter": {
            "type": "object",
            "required": ["title", "language", "primaryLanguage"],
            "properties": {"title": TEXT},
        },
        "proof": False,  # unsealed: deployments seal it themselves
        "credentialSubject": {
            "type": "object",
            "required": ["id", "type", "fullName", "hasClaim"],
            "properties": {
                "type": {"const": "Person"},
                "hasClaim": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["id", "type", "title", "awardedBy", "specifiedBy", "provenBy"],
                        "properties": {
                            "type": {"const": "LearningAchievement"},
                            "awardedBy": {
                                "type": "object",
                                "required": ["type", "awardingBody", "awardingDate"],
                                "properties": {
                                    "awardingBody": {
                                        "type": "array",
                                        "minItems": 1,
                                        "items": ORGANISATION,
                                    }
                                },
                            },
                            "specifiedBy": {
                                "type": "object",
                                "required": ["type", "title", "learningOutcome"],
                                "properties": {
                                    "type": {"const": "LearningAchievementSpecification"}
                                },
                            },
                            "provenBy": {
                                "type": "array",
                                "minItems": 1,
                                "items": {
                                    "type": "object",
                                    "required": ["type", "title"],
                                    "properties": {"type": {"const": "LearningAssessment"}},
                                },
                            },
                        },
                    },
                },
            },
        },
    },
}
MICRO_CREDENTIAL = {  # a module-based certificate carries all 11 elements
    "properties": {
        "credentialSubject": {
            "properties": {
                "hasClaim": {
                    "items": {
                        "required": ["influencedBy", "additionalNote"],
                        "properties": {
                            "specifiedBy": {
                                "required": [
                                    "creditPoint",
                                    "volumeOfLearning",
                                    "eqfLevel",
                                    "mode",
                                    "language",
                                ],
                                "properties": {
                                    "creditPoint": {
                                        "type": "array",
                                        "minItems": 1,
                                        "items": {
                                            "required": ["framework", "point"],
                                            "properties": {
                                                "framework": {
                                                    "properties": {
                                                        "id": {
                                                            "const": "http://data.europa.eu/snb/education-credit/6fcec5c5af"
                                                        }
                                                    }
                                                }
                                            },
                                        },
                                    },
                                    "volumeOfLearning": {
                                        "type": "string",
                                        "pattern": "^PT[0-9]+H$",
                                    },
                                    "eqfLevel": {
                                        "properties": {
                                            "id": {
                                                "pattern": "^http://data.europa.eu/snb/eqf/[1-8]$"
                                            }
                                        }
                                    },
                                },
                            }
                        },
                    }
                }
            }
        }
    },
}


def validate(doc, *schemas):
    for schema in schemas:
        jsonschema.Draft202012Validator(schema).validate(doc)


@pytest.fixture
def module_cert(make_assessment, make_module, make_facility, make_user, grant):
    from training.certification import services

    facility = make_facility(name="Imaging Core")
    module = make_module(
        facility,
        title="Confocal microscopy, independent use",
        learning_outcomes=["Sets up a multichannel acquisition"],
    )
    assessment = make_assessment(session=None, module=module, facility=facility)
    issuer = make_user()
    grant(issuer, facility, "manager")
    return services.issue_from_assessment(issuer, assessment.id)


def test_a_module_certificate_exports_as_an_edc_credential_with_all_eleven_elements(
    client, api_headers, module_cert
):
    from training.exports import elm

    response = client.get(
        f"/api/v1/certificates/{module_cert.public_id}/elm", headers=api_headers(module_cert.holder)
    )
    assert response.status_code == 200 and response.mimetype == "application/ld+json"
    doc = response.json
    validate(doc, EDC_SCHEMA, MICRO_CREDENTIAL)
    assert elm.missing_elements(doc) == []
    spec = doc["credentialSubject"]["hasClaim"][0]["specifiedBy"]
    assert spec["learningOutcome"][0]["title"]["en"] == "Sets up a multichannel acquisition"
    assert spec["creditPoint"][0]["point"] == "1.0" and spec["volumeOfLearning"] == "PT20H"
    country = doc["issuer"]["location"][0]["address"][0]["countryCode"]
    assert country["id"].endswith("/country/ITA")


def test_a_path_award_and_prior_learning_export_in_the_edc_shape(
    client, api_headers, make_certificate, make_user, db_session
):
    from innocore import clock
    from training.certification import services
    from training.certification.models import CertificateBasis
    from training.paths.models import AwardMode, QualificationPath

    prior = make_certificate()
    now = clock.now()
    path = QualificationPath(
        code="ALM",
        title="Advanced light microscopy",
        eqf_level=6,
        requirements={"kind": "all_of", "children": []},
        award_mode=AwardMode.CONFIRMED,
        created_at=now,
        updated_at=now,
    )
    db_session.add(path)
    db_session.flush()
    award = services._create(
        None,
        facility=None,
        holder=prior.holder,
        basis=CertificateBasis.PATH,
        evidence="Completed.",
        valid_until=None,
        path_id=path.id,
    )
    headers = api_headers(prior.holder)
    for cert in (prior, award):
        doc = client.get(f"/api/v1/certificates/{cert.public_id}/elm", headers=headers).json
        validate(doc, EDC_SCHEMA)
    assert doc["displayParameter"]["title"]["en"] == "Advanced light microscopy"
    assert doc["credentialSubject"]["hasClaim"][0]["specifiedBy"]["eqfLevel"]["notation"] == "6"


def test_wallet_file_and_linkedin_link(client, login_as, api_headers, module_cert):
    from training.credentials.verify import verify_credential

    login_as(module_cert.holder)
    wallet = client.get(f"/certificates/{module_cert.public_id}/wallet")
    assert wallet.status_code == 200 and wallet.mimetype == "application/vc"
    assert wallet.headers["Content-Disposition"].startswith("attachment; filename=")
    assert verify_credential(wallet.data).valid
    elm_file = client.get(f"/certificates/{module_cert.public_id}/elm.json")
    assert elm_file.headers["Content-Disposition"].endswith('.elm.json"')
    validate(json.loads(elm_file.data), EDC_SCHEMA)
    share = client.get(
        f"/api/v1/certificates/{module_cert.public_id}/share",
        headers=api_headers(module_cert.holder),
    ).json
    url = urlsplit(share["linkedin_url"])
    params = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert url.path == "/profile/add" and params["startTask"] == "CERTIFICATION_NAME"
    assert params["organizationName"] == "Imaging Core"
    assert params["issueYear"] == str(module_cert.issued_at.year)
    assert params["issueMonth"] == str(module_cert.issued_at.month)
    assert params["certId"] == module_cert.public_id and params["certUrl"] == share["verify_url"]
    page = client.get(f"/certificates/{module_cert.public_id}/share")
    assert page.status_code == 200 and "Add to LinkedIn" in page.text


def test_exports_are_for_those_who_may_see_the_certificate(
    client, api_headers, module_cert, make_user
):
    stranger = api_headers(make_user())
    for url in ("elm", "share"):
        response = client.get(
            f"/api/v1/certificates/{module_cert.public_id}/{url}", headers=stranger
        )
        assert response.status_code == 404


def test_the_schema_refuses_an_export_missing_an_element(client, api_headers, module_cert):
    from training.exports import elm

    doc = client.get(
        f"/api/v1/certificates/{module_cert.public_id}/elm", headers=api_headers(module_cert.holder)
    ).json
    del doc["credentialSubject"]["hasClaim"][0]["specifiedBy"]["creditPoint"]
    del doc["credentialSubject"]["hasClaim"][0]["specifiedBy"]["volumeOfLearning"]
    with pytest.raises(jsonschema.ValidationError):
        validate(doc, EDC_SCHEMA, MICRO_CREDENTIAL)
    assert elm.missing_elements(doc) == ["notional workload (ECTS)"]
    with pytest.raises(jsonschema.ValidationError):
        validate(doc | {"proof": {"type": "JAdES"}}, EDC_SCHEMA)
