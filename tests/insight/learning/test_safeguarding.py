import pytest

from involve.insight.learning.model import Prediction
from involve.insight.learning.safeguarding import assess

MUST_FLAG = [
    "I wanted to kill myself and nobody listened",
    "I have been self harming again since discharge",
    "he talked about suicide and was sent home",
    "my son took an overdose on the ward",
    "I feel like ending it all",
    "thoughts of sucide were ignored",
    "a nurse hit me when I asked for water",
    "I was scared to tell anyone that my carer hits me when nobody is around",
    "she kicks him when the staff are not looking",
    "the carer slapped my mum",
    "I was pushed me against the wall, he pushed me",
    "she came home covered in bruises",
    "a member of staff touched me inappropriately",
    "another patient groped me in the lounge",
    "I was sexually harassed by a patient",
    "staff were bullying him every day",
    "the nurse screamed at my dad",
    "they threatened to section me if I complained",
    "staff stole money from her purse",
    "my mum was neglected for days",
    "she was left in soiled sheets all night",
    "he developed bed sores because nobody turned him",
    "they gave me the wrong medication twice",
    "my father had a fall and nobody noticed for hours",
    "the patient died after waiting nine hours for the ambulance",
    "I was restrained by four staff",
    "I did not feel safe on the ward at night",
    "the ward is unsafe at night",
    "a man on the ward had a knife",
    "he said he would stab someone",
    "this is abusive treatment",
    "verbally abused by the receptionist",
    # multi-label: two reasons
    "I was neglected and then restrained on the floor",
    # misspellings
    "there was a lot of negelect",
    "the staff were abuzeing patients",
]

MUST_NOT_FLAG = [
    "the new clinic beats my expectations",
    "the team hit every target this year",
    "waited too long",
    "the nurse was brilliant",
    "Staff were friendly and helpful",
    "The ambulance arrived quickly and the crew were kind",
    "could improve the car parking",
    "food was cold",
    "more staff needed at weekends",
    "nothing, everything was great",
    "I felt safe and well looked after",
    "I always feel safe when I come here",
    "the receptionist was a bit rude on the phone",
    "appointment was cancelled twice",
    "they explained my medication clearly",
    "the ward was clean and tidy",
    "Did not answer",
    "",
    "Thank you for the painkillers, they helped",
]


@pytest.mark.parametrize("text", MUST_FLAG)
def test_flags(text):
    reasons = assess(text)
    assert reasons, text
    assert all(":" in reason for reason in reasons)


@pytest.mark.parametrize("text", MUST_NOT_FLAG)
def test_does_not_flag(text):
    assert assess(text) == []


def test_several_reasons_and_the_quote():
    reasons = assess("I was neglected and then restrained on the floor")
    assert any(r.startswith("Mentions neglect: 'neglected'") for r in reasons)
    assert any(r.startswith("Mentions a serious incident: 'restrained'") for r in reasons)


def _prediction(p, sentiment3):
    return Prediction({"Feeling safe": p}, ["Feeling safe"], sentiment3, 4, 0.5)


def test_feeling_safe_probability_is_a_reason_unless_positive():
    assert assess("the ward at night", _prediction(0.9, "negative")) == [
        "The theme model links it to 'Feeling safe' (probability 0.90)"
    ]
    assert assess("the ward at night", _prediction(0.9, "positive")) == []
    assert assess("the ward at night", _prediction(0.1, "negative")) == []
