"""Demo insight: the demo's consultation answers, imported FFT comments and activity notes classified
at once (not left to the worker), grouped into duplicates, with quotes suggested for each theme."""

from involve.consultations.demo.loader import ORGANISATION

from . import duplicates, quotes, services
from .models import Comment


def load_area(context):
    organisation = context["organisations"][ORGANISATION]
    services.classify_pending(organisation)
    duplicates.assign_groups(Comment.objects.filter(organisation=organisation, duplicate_group__isnull=True))
    quotes.propose_all(organisation=organisation)
