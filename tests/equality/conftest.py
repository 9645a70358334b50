import pytest

from involve.organisations.models import Membership


@pytest.fixture
def with_equality_access(cast):
    """Give org_a's viewer the equality-data permission (an add-on no role grants)."""
    Membership.objects.filter(user=cast.a_viewer, organisation=cast.org_a).update(equality_data_access=True)
    return cast.a_viewer
