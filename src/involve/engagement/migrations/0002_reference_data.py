"""Seed the legal duties (domain.md §4.1) and the national audience tags.

Dates are only given where the change is part of the record: CCGs' s14Z2 ended when ICBs' s14Z45
began on 1 July 2022. Duties with no valid_from were in force before any record Involve holds.
"""

import datetime

from django.db import migrations

DUTIES = [
    {
        "code": "s13Q",
        "title": "Public involvement and consultation by NHS England",
        "applies_to": ["national", "region"],
        "valid_from": None,
        "valid_to": None,
        "description": (
            "NHS Act 2006 s13Q. NHS England must make arrangements to involve the public in planning "
            "commissioning arrangements, in proposals for changes that would affect the manner in which services "
            "are delivered or the range of services, and in decisions affecting the operation of commissioning "
            "arrangements with such an impact."
        ),
        "source_url": "https://www.legislation.gov.uk/ukpga/2006/41/section/13Q",
    },
    {
        "code": "s14Z2",
        "title": "Public involvement and consultation by clinical commissioning groups",
        "applies_to": ["ccg"],
        "valid_from": datetime.date(2013, 4, 1),
        "valid_to": datetime.date(2022, 6, 30),
        "description": (
            "NHS Act 2006 s14Z2, the clinical commissioning group equivalent of s13Q. Ended when integrated "
            "care boards took over on 1 July 2022."
        ),
        "source_url": "https://www.legislation.gov.uk/ukpga/2006/41/section/14Z2",
    },
    {
        "code": "s14Z45",
        "title": "Public involvement and consultation by integrated care boards",
        "applies_to": ["icb"],
        "valid_from": datetime.date(2022, 7, 1),
        "valid_to": None,
        "description": (
            "NHS Act 2006 s14Z45 (inserted by the Health and Care Act 2022). People to whom services are or may "
            "be provided, and their carers and representatives, must be involved in planning commissioning "
            "arrangements, in proposals for changes that would affect the manner in which services are delivered "
            "at the point of receipt or the range of services, and in decisions with such an impact."
        ),
        "source_url": "https://www.legislation.gov.uk/ukpga/2006/41/section/14Z45",
    },
    {
        "code": "s242",
        "title": "Public involvement by NHS trusts and foundation trusts",
        "applies_to": ["trust"],
        "valid_from": None,
        "valid_to": None,
        "description": (
            "NHS Act 2006 s242(1B)–(1E). Users of services, directly or through representatives, must be "
            "involved in planning the provision of services, in proposals for changes and in decisions affecting "
            "the operation of services, where these would affect the manner of delivery or the range of services."
        ),
        "source_url": "https://www.legislation.gov.uk/ukpga/2006/41/section/242",
    },
    {
        "code": "s244",
        "title": "Consulting the local authority scrutiny committee",
        "applies_to": ["national", "region", "icb", "ccg", "trust"],
        "valid_from": None,
        "valid_to": None,
        "description": (
            "NHS Act 2006 s244 and regulations. The local authority overview and scrutiny committee must be "
            "consulted on any proposal for a substantial development or variation of the health service."
        ),
        "source_url": "https://www.legislation.gov.uk/ukpga/2006/41/section/244",
    },
    {
        "code": "Equality Act s149",
        "title": "Public sector equality duty",
        "applies_to": ["national", "region", "icb", "ccg", "trust", "local_authority"],
        "valid_from": None,
        "valid_to": None,
        "description": (
            "Equality Act 2010 s149. Due regard to the need to eliminate discrimination, advance equality of "
            "opportunity and foster good relations."
        ),
        "source_url": "https://www.legislation.gov.uk/ukpga/2010/15/section/149",
    },
    {
        "code": "NHS Standard Contract",
        "title": "Involvement as a contractual responsibility of providers",
        "applies_to": ["trust"],
        "valid_from": None,
        "valid_to": None,
        "description": "The NHS Standard Contract makes involving patients and the public a provider responsibility.",
        "source_url": "",
    },
]

# (name, inclusion health group)
AUDIENCES = [
    ("People experiencing homelessness", True),
    ("Gypsy, Roma and Traveller communities", True),
    ("Asylum seekers and refugees", True),
    ("Sex workers", True),
    ("People in contact with the justice system", True),
    ("People who use drugs", True),
    ("People with a learning disability and autistic people", False),
    ("Carers", False),
    ("Young people", False),
    ("Older people", False),
    ("Ethnic minority communities", False),
    ("People living in the most deprived areas (Core20)", False),
    ("Disabled people", False),
    ("Lesbian, gay, bisexual and trans people", False),
    ("People who speak little or no English", False),
    ("Coastal communities", False),
]


def seed(apps, schema_editor):
    LegalDuty = apps.get_model("engagement", "LegalDuty")
    AudienceTag = apps.get_model("engagement", "AudienceTag")
    for duty in DUTIES:
        LegalDuty.objects.update_or_create(code=duty["code"], valid_from=duty["valid_from"], defaults=duty)
    for name, inclusion_health in AUDIENCES:
        AudienceTag.objects.get_or_create(
            organisation=None,
            name=name,
            defaults={"inclusion_health": inclusion_health, "active": True},
        )


def unseed(apps, schema_editor):
    apps.get_model("engagement", "LegalDuty").objects.filter(code__in=[d["code"] for d in DUTIES]).delete()
    apps.get_model("engagement", "AudienceTag").objects.filter(
        organisation=None, name__in=[name for name, _ in AUDIENCES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("engagement", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
