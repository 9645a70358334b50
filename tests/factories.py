import factory

from involve.organisations import services as org_services
from involve.organisations.models import Membership, Organisation, Role, User

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.nhs.uk")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.save()


def make_organisation(name, kind=Organisation.Kind.ICB, parent=None, ods_code=""):
    # Through the service, so the hierarchy path is set as in real use.
    return org_services.organisation_create(by=None, name=name, kind=kind, parent=parent, ods_code=ods_code)


def make_member(organisation, role=Role.VIEWER, equality_data_access=False, **user_fields):
    user = UserFactory(**user_fields)
    Membership.objects.create(
        user=user, organisation=organisation, role=role, equality_data_access=equality_data_access
    )
    return user
