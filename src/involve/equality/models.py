"""Equality monitoring answers, kept apart from what people said, and the deprivation lookups.

An EqualityRecord belongs to one organisation and names what it describes (`subject_kind` and
`subject_id`: a consultation response today, a person on the involvement register later) without a
foreign key, so this app depends on no area that uses it. Only people with the equality-data
permission read records; everyone else sees aggregates with small numbers suppressed (reports.py).
"""

from django.db import models
from django.db.models import Q

from involve.organisations.models import Organisation

from .categories import CATEGORIES, IMD_DECILES


def _answer_field(category):
    return models.CharField(category.label[:100], max_length=40, blank=True, choices=category.choices)


class EqualityRecord(models.Model):
    class Subject(models.TextChoices):
        CONSULTATION_RESPONSE = "consultation_response", "Consultation response"
        PERSON = "person", "Person on the involvement register"

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    subject_kind = models.CharField(max_length=32, choices=Subject.choices)
    subject_id = models.BigIntegerField()
    # The person agreed to their equality answers being kept and used, in aggregate, to check reach.
    consented = models.BooleanField(default=False)
    consented_at = models.DateTimeField(null=True, blank=True)
    age_band = _answer_field(CATEGORIES[0])
    sex = _answer_field(CATEGORIES[1])
    gender_same_as_sex_at_birth = _answer_field(CATEGORIES[2])
    sexual_orientation = _answer_field(CATEGORIES[3])
    marital_status = _answer_field(CATEGORIES[4])
    pregnancy_maternity = _answer_field(CATEGORIES[5])
    ethnicity_nhs = _answer_field(CATEGORIES[6])
    ethnicity_census_2021 = _answer_field(CATEGORIES[7])
    religion = _answer_field(CATEGORIES[8])
    disability = _answer_field(CATEGORIES[9])
    carer = _answer_field(CATEGORIES[10])
    # Deprivation from the postcode the person gave; the postcode itself is not kept here.
    lsoa_code = models.CharField("LSOA code", max_length=12, blank=True)
    imd_decile = models.PositiveSmallIntegerField("IMD decile", null=True, blank=True, choices=IMD_DECILES)
    imd_edition = models.CharField("IMD edition", max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["subject_kind", "subject_id"], name="one_equality_record_per_subject"),
            models.CheckConstraint(
                condition=Q(imd_decile__isnull=True) | Q(imd_decile__gte=1, imd_decile__lte=10),
                name="equality_imd_decile_1_to_10",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "subject_kind"], name="equality_org_subject")]

    class PersonalData:
        # UK GDPR art. 9: ethnicity, religion, sexual orientation, health (disability), and the rest of the
        # monitoring answers treated the same way, because together they can single a person out.
        special_category = [c.key for c in CATEGORIES] + ["lsoa_code"]
        not_found_by_name = {
            name: "an answer code of someone who answered without an account, never a name: found through the "
            "response it belongs to (subject_id), which the person identifies by its reference"
            for name in special_category
        }
        # A decile covers about a tenth of England; the edition and consent flags describe the record.
        none = [
            "id",
            "organisation",
            "subject_kind",
            "subject_id",
            "consented",
            "consented_at",
            "imd_decile",
            "imd_edition",
            "created_at",
        ]

    def __str__(self):
        return f"Equality monitoring answers {self.pk}"


class PostcodeArea(models.Model):
    """ONS postcode directory rows (pcds → LSOA): national reference data an organisation imports."""

    postcode = models.CharField(max_length=8, unique=True)  # normalised: upper case, one space ("LS1 4AP")
    lsoa_code = models.CharField("LSOA code", max_length=12)

    class Meta:
        ordering = ["postcode"]

    class PersonalData:
        none = ["id", "postcode", "lsoa_code"]

    def __str__(self):
        return self.postcode


class Deprivation(models.Model):
    """The Index of Multiple Deprivation decile of one LSOA in one edition (IMD 2019 File 1)."""

    edition = models.CharField(max_length=20)  # "IMD 2019"
    lsoa_code = models.CharField("LSOA code", max_length=12)
    lsoa_name = models.CharField("LSOA name", max_length=100, blank=True)
    rank = models.PositiveIntegerField(null=True, blank=True)
    decile = models.PositiveSmallIntegerField(choices=IMD_DECILES)

    class Meta:
        ordering = ["edition", "lsoa_code"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "lsoa_code"], name="one_decile_per_lsoa_edition"),
            models.CheckConstraint(condition=Q(decile__gte=1, decile__lte=10), name="deprivation_decile_1_to_10"),
        ]

    class PersonalData:
        # An area's name ("Leeds 111B"), not a person's.
        none = ["id", "edition", "lsoa_code", "lsoa_name", "rank", "decile"]
        about_the_work = ["lsoa_name"]

    def __str__(self):
        return f"{self.lsoa_code} ({self.edition}): decile {self.decile}"
