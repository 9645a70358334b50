import pytest

from involve.audit.models import AuditEvent
from involve.demo import DEMO_PASSWORD, load
from involve.organisations.models import Membership, Organisation, Role, Succession, User
from involve.organisations.services import lineage_ids

pytestmark = pytest.mark.django_db


def test_demo_loads_once_however_often_it_runs():
    load()
    counts = (
        Organisation.objects.count(),
        User.objects.count(),
        Membership.objects.count(),
        Succession.objects.count(),
    )
    load()
    assert (
        Organisation.objects.count(),
        User.objects.count(),
        Membership.objects.count(),
        Succession.objects.count(),
    ) == counts


def test_demo_has_the_shape_the_readme_promises():
    accounts = load()
    assert Organisation.objects.filter(kind="region").count() == 7
    assert Organisation.objects.get(ods_code="X24").name == "NHS England"
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    icb = Organisation.objects.get(ods_code="QWE")
    assert len(lineage_ids(icb)) == 2  # the CCG it replaced on 1 July 2022
    assert User.objects.get(email=accounts[0][0]).check_password(DEMO_PASSWORD)
    assert AuditEvent.objects.filter(action="organisation.create").count() == Organisation.objects.count()


def test_demo_consultations_as_the_issue_asks():
    from involve.consultations.models import Consultation, ImportRun, Response
    from involve.equality.models import EqualityRecord

    load()
    icb = Organisation.objects.get(ods_code="QWE")
    consultations = Consultation.objects.filter(organisation=icb)
    assert sum(c.is_open() for c in consultations) == 2
    assert consultations.filter(state=Consultation.State.RESULTS_PUBLISHED).exclude(results_summary="").count() == 1
    asked = Response.objects.filter(consultation__ask_equality=True)
    assert asked.count() >= 300
    records = EqualityRecord.objects.filter(subject_kind="consultation_response", subject_id__in=asked.values("pk"))
    assert records.count() > 0.7 * asked.count() and records.exclude(imd_decile=None).exists()
    fft = ImportRun.objects.get(consultation__kind=Consultation.Kind.FEEDBACK)
    assert fft.state == ImportRun.State.DONE and fft.rows_imported == fft.consultation.responses.count() == 400
    before = Response.objects.count()
    load()
    assert Response.objects.count() == before
