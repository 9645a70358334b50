"""The equality monitoring questions and their answers (domain.md §10), as reference data in code.

Every question offers "Prefer not to say". Codes are stored, labels shown; the NHS ethnic category
uses the NHS Data Dictionary codes (A–S, Z), and the 2021 census groups are kept beside it because
mapping one to the other loses information (domain.md §10.2).
"""

import dataclasses

PREFER_NOT_TO_SAY = "prefer_not"
PREFER_NOT_TO_SAY_LABEL = "Prefer not to say"


@dataclasses.dataclass(frozen=True)
class Category:
    key: str  # the EqualityRecord field
    label: str  # the question as asked
    characteristic: str  # which protected characteristic (or other dimension) it measures
    choices: tuple  # ((code, label), ...), "Prefer not to say" last
    hint: str = ""

    @property
    def labels(self):
        return dict(self.choices)


def _with_prefer_not(*choices):
    return (*choices, (PREFER_NOT_TO_SAY, PREFER_NOT_TO_SAY_LABEL))


AGE = Category(
    "age_band",
    "What is your age?",
    "Age",
    _with_prefer_not(
        ("under_16", "Under 16"),
        ("16_24", "16 to 24"),
        ("25_34", "25 to 34"),
        ("35_44", "35 to 44"),
        ("45_54", "45 to 54"),
        ("55_64", "55 to 64"),
        ("65_74", "65 to 74"),
        ("75_84", "75 to 84"),
        ("85_plus", "85 or over"),
    ),
)
SEX = Category(
    "sex",
    "What is your sex?",
    "Sex",
    _with_prefer_not(("female", "Female"), ("male", "Male")),
)
GENDER_IDENTITY = Category(
    "gender_same_as_sex_at_birth",
    "Is the gender you identify with the same as your sex registered at birth?",
    "Gender reassignment",
    _with_prefer_not(("yes", "Yes"), ("no", "No")),
)
SEXUAL_ORIENTATION = Category(
    "sexual_orientation",
    "Which of the following best describes your sexual orientation?",
    "Sexual orientation",
    _with_prefer_not(
        ("heterosexual", "Heterosexual or straight"),
        ("gay_lesbian", "Gay or lesbian"),
        ("bisexual", "Bisexual"),
        ("other", "Other sexual orientation not listed"),
        ("not_sure", "Not sure"),
    ),
)
MARRIAGE = Category(
    "marital_status",
    "Are you married or in a civil partnership?",
    "Marriage and civil partnership",
    _with_prefer_not(("yes", "Yes"), ("no", "No")),
)
PREGNANCY = Category(
    "pregnancy_maternity",
    "Are you pregnant, or have you given birth in the last 26 weeks?",
    "Pregnancy and maternity",
    _with_prefer_not(("yes", "Yes"), ("no", "No")),
)
ETHNICITY_NHS = Category(
    "ethnicity_nhs",
    "What is your ethnic group?",
    "Race",
    (
        ("A", "White – British (English, Welsh, Scottish, Northern Irish or British)"),
        ("B", "White – Irish"),
        ("C", "White – Any other White background"),
        ("D", "Mixed – White and Black Caribbean"),
        ("E", "Mixed – White and Black African"),
        ("F", "Mixed – White and Asian"),
        ("G", "Mixed – Any other mixed background"),
        ("H", "Asian or Asian British – Indian"),
        ("J", "Asian or Asian British – Pakistani"),
        ("K", "Asian or Asian British – Bangladeshi"),
        ("L", "Asian or Asian British – Any other Asian background"),
        ("M", "Black or Black British – Caribbean"),
        ("N", "Black or Black British – African"),
        ("P", "Black or Black British – Any other Black background"),
        ("R", "Other ethnic groups – Chinese"),
        ("S", "Other ethnic groups – Any other ethnic group"),
        # NHS Data Dictionary Z: "Not stated (asked, declined)", which is what "Prefer not to say" records.
        ("Z", PREFER_NOT_TO_SAY_LABEL),
    ),
    hint="The NHS ethnic categories.",
)
ETHNICITY_CENSUS = Category(
    "ethnicity_census_2021",
    "Which of these best describes your ethnic group or background? (2021 census groups)",
    "Race",
    _with_prefer_not(
        ("white_british", "White: English, Welsh, Scottish, Northern Irish or British"),
        ("white_irish", "White: Irish"),
        ("white_gypsy_traveller", "White: Gypsy or Irish Traveller"),
        ("white_roma", "White: Roma"),
        ("white_other", "White: Any other White background"),
        ("mixed_white_black_caribbean", "Mixed: White and Black Caribbean"),
        ("mixed_white_black_african", "Mixed: White and Black African"),
        ("mixed_white_asian", "Mixed: White and Asian"),
        ("mixed_other", "Mixed: Any other Mixed or multiple ethnic background"),
        ("asian_indian", "Asian or Asian British: Indian"),
        ("asian_pakistani", "Asian or Asian British: Pakistani"),
        ("asian_bangladeshi", "Asian or Asian British: Bangladeshi"),
        ("asian_chinese", "Asian or Asian British: Chinese"),
        ("asian_other", "Asian or Asian British: Any other Asian background"),
        ("black_african", "Black, Black British, Caribbean or African: African"),
        ("black_caribbean", "Black, Black British, Caribbean or African: Caribbean"),
        ("black_other", "Black, Black British, Caribbean or African: Any other Black background"),
        ("other_arab", "Other ethnic group: Arab"),
        ("other_any", "Other ethnic group: Any other ethnic group"),
    ),
)
RELIGION = Category(
    "religion",
    "What is your religion or belief?",
    "Religion or belief",
    _with_prefer_not(
        ("none", "No religion"),
        ("buddhist", "Buddhist"),
        ("christian", "Christian"),
        ("hindu", "Hindu"),
        ("jewish", "Jewish"),
        ("muslim", "Muslim"),
        ("sikh", "Sikh"),
        ("other", "Any other religion or belief"),
    ),
)
DISABILITY = Category(
    "disability",
    "Do you have a physical or mental health condition or illness lasting or expected to last "
    "12 months or more, that reduces your ability to carry out day-to-day activities?",
    "Disability",
    _with_prefer_not(("yes_a_lot", "Yes, a lot"), ("yes_a_little", "Yes, a little"), ("no", "No")),
)
CARER = Category(
    "carer",
    "Do you look after, or give any help or support to, anyone because of a long-term condition, "
    "disability or problems related to old age?",
    "Carer status",
    _with_prefer_not(("yes", "Yes"), ("no", "No")),
)

# In the order they are asked.
CATEGORIES = (
    AGE,
    SEX,
    GENDER_IDENTITY,
    SEXUAL_ORIENTATION,
    MARRIAGE,
    PREGNANCY,
    ETHNICITY_NHS,
    ETHNICITY_CENSUS,
    RELIGION,
    DISABILITY,
    CARER,
)
BY_KEY = {c.key: c for c in CATEGORIES}

# Deciles of the English Index of Multiple Deprivation: 1 is the most deprived 10% of areas.
IMD_DECILES = tuple(
    (d, f"Decile {d}" + (" (most deprived)" if d == 1 else " (least deprived)" if d == 10 else ""))
    for d in range(1, 11)
)
