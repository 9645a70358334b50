"""Importing the ONS postcode directory and IMD 2019 File 1: validated in full, one transaction,
idempotent; the shipped sample and its command; deprivation from a postcode afterwards."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from involve.equality import lookups
from involve.equality.models import Deprivation, PostcodeArea
from involve.equality.services import deprivation_for_postcode

pytestmark = pytest.mark.django_db

POSTCODES = b"pcds,lsoa11,other\nLS1 4AP,E01011229,x\nls6 1aa,E01011230,y\nEH1 1AA,S01008677,z\n"
IMD = (
    b"LSOA code (2011),LSOA name (2011),Index of Multiple Deprivation (IMD) Rank,"
    b"Index of Multiple Deprivation (IMD) Decile\n"
    b'E01011229,Leeds 111B,1234,1\nE01011230,Leeds 112C,"30,001",10\n'
)


def test_both_files_load_and_give_deprivation_for_a_postcode():
    result = lookups.load(by=None, postcodes=POSTCODES, deprivation=IMD)
    assert result["postcodes"] == lookups.Loaded(2, 2) and result["deprivation"] == lookups.Loaded(2, 2)
    assert deprivation_for_postcode("ls14ap") == ("E01011229", 1, "IMD 2019")
    assert Deprivation.objects.get(lsoa_code="E01011230").rank == 30001
    assert not PostcodeArea.objects.filter(postcode="EH1 1AA").exists()  # Scotland: no English LSOA


def test_loading_the_same_files_again_changes_nothing():
    lookups.load(by=None, postcodes=POSTCODES, deprivation=IMD)
    before = list(PostcodeArea.objects.values()), list(Deprivation.objects.values())
    result = lookups.load(by=None, postcodes=POSTCODES, deprivation=IMD)
    assert result["postcodes"].new == 0 and result["deprivation"].new == 0
    assert (list(PostcodeArea.objects.values()), list(Deprivation.objects.values())) == before


@pytest.mark.parametrize(
    ("postcodes", "deprivation", "reason"),
    [
        (b"postcode,lsoa\nLS1 4AP,E01011229\n", None, "no pcds"),
        (b"pcds,lsoa21\nNOT A POSTCODE,E01011229\n", None, "is not a UK postcode"),
        (b"pcds,lsoa21\nLS1 4AP,E0101\n", None, "is not an LSOA code"),
        (b"pcds,lsoa21\nLS1 4AP,E01011229\nLS14AP,E01011230\n", None, "twice"),
        (b"", None, "empty"),
        ("pcds,lsoa11\nLS1 4AP,E01011229\n".encode("utf-16"), None, "not in UTF-8"),
        (None, b"LSOA code (2011),Decile\nE01011229,1\n", "Decile"),
        (None, b"LSOA code (2011),Index of Multiple Deprivation (IMD) Decile\nE01011229,11\n", "1 to 10"),
        (None, b"LSOA code (2011),Index of Multiple Deprivation (IMD) Decile\nE01011229,1\nE01011229,2\n", "twice"),
    ],
)
def test_a_bad_file_is_reported_and_nothing_is_written(postcodes, deprivation, reason):
    with pytest.raises(lookups.LookupInvalid) as caught:
        # With a good second file: one bad file means neither is imported.
        lookups.load(
            by=None,
            postcodes=POSTCODES if postcodes is None else postcodes,
            deprivation=IMD if deprivation is None else deprivation,
        )
    text = str(caught.value.problems)
    assert reason in text
    assert PostcodeArea.objects.count() == 0 and Deprivation.objects.count() == 0


def test_the_shipped_sample_loads_through_the_command_twice(capsys):
    call_command("equality_load_sample")
    call_command("equality_load_sample")
    out = capsys.readouterr().out
    assert "301 postcodes (0 new)" in out
    assert PostcodeArea.objects.count() == 301 and Deprivation.objects.filter(edition="IMD 2019").count() == 60
    assert deprivation_for_postcode("LS1 4AP")[1] == 1
    assert set(Deprivation.objects.values_list("decile", flat=True)) == set(range(1, 11))


def test_the_lookups_page_imports_uploaded_csv_files(cast, client_for):
    client = client_for(cast.a_engagement_lead)
    url = reverse("equality:lookups")
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "postcodes": SimpleUploadedFile("postcodes.csv", POSTCODES, content_type="text/csv"),
            "deprivation": SimpleUploadedFile("File_1_IMD2019.csv", IMD, content_type="text/csv"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    html = client.get(url).content.decode()
    assert "Imported 2 postcodes (2 new)" in html and "IMD 2019: 2 areas" in html
    from involve.audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="equality.lookups_import").count() == 1


def test_the_lookups_page_lists_every_bad_row_and_imports_nothing(cast, client_for):
    client = client_for(cast.a_engagement_lead)
    bad = b"pcds,lsoa11\nLS1 4AP,E01011229\nnope,E01011230\nLS2 7EW,bad\n"
    response = client.post(reverse("equality:lookups"), {"postcodes": SimpleUploadedFile("p.csv", bad)})
    html = response.content.decode()
    assert response.status_code == 400 and "There is a problem" in html
    assert "Row 3:" in html and "Row 4:" in html
    assert PostcodeArea.objects.count() == 0
    empty = client.post(reverse("equality:lookups"), {})
    assert empty.status_code == 400 and "Select a postcode directory file" in empty.content.decode()
