"""Shared vocabularies of the network (enumerations stored by value)."""

import enum

from flask_babel import gettext as _

from innocore.marks import N_


class Technology(enum.StrEnum):
    LIGHT_MICROSCOPY = "light_microscopy"
    ELECTRON_MICROSCOPY = "electron_microscopy"
    CRYO_EM = "cryo_em"
    FLOW_CYTOMETRY = "flow_cytometry"
    SEQUENCING = "sequencing"
    MASS_SPECTROMETRY = "mass_spectrometry"
    NMR = "nmr"
    XRAY = "xray"
    BIOINFORMATICS = "bioinformatics"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _(_TECH_LABELS[self])


_TECH_LABELS = {
    Technology.LIGHT_MICROSCOPY: N_("Light microscopy"),
    Technology.ELECTRON_MICROSCOPY: N_("Electron microscopy"),
    Technology.CRYO_EM: N_("Cryo-electron microscopy"),
    Technology.FLOW_CYTOMETRY: N_("Flow cytometry"),
    Technology.SEQUENCING: N_("Genomics and sequencing"),
    Technology.MASS_SPECTROMETRY: N_("Proteomics and mass spectrometry"),
    Technology.NMR: N_("NMR spectroscopy"),
    Technology.XRAY: N_("X-ray crystallography"),
    Technology.BIOINFORMATICS: N_("Bioinformatics"),
    Technology.OTHER: N_("Other"),
}


class OrganisationKind(enum.StrEnum):
    UNIVERSITY = "university"
    RESEARCH_INSTITUTE = "research_institute"
    HOSPITAL = "hospital"
    COMPANY = "company"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _(
            {
                "university": N_("University"),
                "research_institute": N_("Research institute"),
                "hospital": N_("Hospital"),
                "company": N_("Company"),
                "other": N_("Other"),
            }[self.value]
        )

    @property
    def is_academic(self) -> bool:
        return self in {self.UNIVERSITY, self.RESEARCH_INSTITUTE, self.HOSPITAL}


class Position(enum.StrEnum):
    """A person's position (career stage), stated on their profile; ``None`` when not stated.

    The terms follow the European Framework for Research Careers (doctoral candidate R1,
    postdoc R2) and the usual academic ones; :attr:`report_group` is how the network's reports
    count people (students, academic staff, technical staff, industry, other)."""

    BACHELOR_STUDENT = "bachelor_student"
    MASTER_STUDENT = "master_student"
    DOCTORAL_CANDIDATE = "doctoral_candidate"
    POSTDOC = "postdoc"
    ACADEMIC_STAFF = "academic_staff"
    TECHNICAL_STAFF = "technical_staff"
    INDUSTRY = "industry"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _(_POSITION_LABELS[self])

    @property
    def report_group(self) -> str:
        """One of :data:`POSITION_GROUPS` (a key)."""
        return _POSITION_GROUPS[self]


_POSITION_LABELS = {
    Position.BACHELOR_STUDENT: N_("Bachelor's student"),
    Position.MASTER_STUDENT: N_("Master's student"),
    Position.DOCTORAL_CANDIDATE: N_("Doctoral candidate (PhD student)"),
    Position.POSTDOC: N_("Postdoctoral researcher"),
    Position.ACADEMIC_STAFF: N_("Academic staff (lecturer, professor, researcher)"),
    Position.TECHNICAL_STAFF: N_("Technical staff"),
    Position.INDUSTRY: N_("Industry (company staff)"),
    Position.OTHER: N_("Other"),
}
_POSITION_GROUPS = {
    Position.BACHELOR_STUDENT: "students",
    Position.MASTER_STUDENT: "students",
    Position.DOCTORAL_CANDIDATE: "students",
    Position.POSTDOC: "academic_staff",
    Position.ACADEMIC_STAFF: "academic_staff",
    Position.TECHNICAL_STAFF: "technical_staff",
    Position.INDUSTRY: "industry",
    Position.OTHER: "other",
}
# The groups a report counts people in, in display order: ``(key, label)``. Anyone whose
# organisation is a company counts as industry whatever their position; "not_stated" is a
# profile without a position (every account made before positions existed).
POSITION_GROUPS = (
    ("students", N_("Students")),
    ("academic_staff", N_("Academic staff")),
    ("technical_staff", N_("Technical staff")),
    ("industry", N_("Industry")),
    ("other", N_("Other")),
    ("not_stated", N_("Position not stated")),
)


class UserCategory(enum.StrEnum):
    """Pricing and access category of a user relative to one facility (derived, never typed in)."""

    INTERNAL = "internal"
    EXTERNAL_ACADEMIC = "external_academic"
    INDUSTRY = "industry"

    @property
    def label(self) -> str:
        return {
            "internal": _("Internal"),
            "external_academic": _("External academic"),
            "industry": _("Industry"),
        }[self.value]


class FacilityRoleKind(enum.StrEnum):
    MANAGER = "manager"
    STAFF = "staff"
    TRAINER = "trainer"

    @property
    def label(self) -> str:
        from flask_babel import gettext

        return gettext(
            {"manager": N_("Manager"), "staff": N_("Staff"), "trainer": N_("Trainer")}[self.value]
        )


class OrgRole(enum.StrEnum):
    MEMBER = "member"
    ADMIN = "admin"  # company administrator on a company organisation

    @property
    def label(self) -> str:
        return _({"member": N_("Member"), "admin": N_("Administrator")}[self.value])


class Locale(enum.StrEnum):
    """The languages the platform is translated into (``innocore.i18n.LANGUAGES``)."""

    EN = "en"
    IT = "it"
    PT = "pt"
    ES = "es"
    CS = "cs"

    @property
    def label(self) -> str:
        """The language's own name (never translated: a reader finds their language by it)."""
        return {
            "en": "English",
            "it": "Italiano",
            "pt": "Português",
            "es": "Español",
            "cs": "Čeština",
        }[self.value]


class MembershipMethod(enum.StrEnum):
    """How a person's belonging to their organisation was verified (decides the price category)."""

    EMAIL_DOMAIN = "email_domain"  # a confirmed address in a domain the organisation registered
    INVITATION = "invitation"  # an invitation sent by the organisation's administrator
    ADMIN_APPROVAL = "admin_approval"  # approved by an administrator of the organisation
    SSO = "sso"  # asserted by the organisation's identity provider
    FOUNDER = "founder"  # registered a new company and administers it
    LEGACY = "legacy"  # an account that existed before memberships were verified

    @property
    def label(self) -> str:
        return {
            "email_domain": _("e-mail address in a registered domain"),
            "invitation": _("invitation"),
            "admin_approval": _("approved by an administrator"),
            "sso": _("institutional sign-in"),
            "founder": _("founder of the company account"),
            "legacy": _("account older than membership checks"),
        }[self.value]
