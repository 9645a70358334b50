from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models import Q


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email, password, **extra):
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password) if password else user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)


class User(AbstractUser):
    """Someone who signs in to Involve. What they may do comes from their memberships."""

    username = None
    email = models.EmailField("email address", unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []
    objects = UserManager()

    class Meta:
        ordering = ["email"]

    class PersonalData:
        # The account is the person: all of these are exported and erased with the account.
        personal = ["email", "first_name", "last_name", "last_login", "date_joined"]
        # groups and user_permissions are Django's, unused (roles come from memberships); is_* are flags.
        none = ["id", "password", "is_superuser", "is_staff", "is_active", "groups", "user_permissions"]
        # A one-way hash: an export says it is held, never what it is. Erasure makes it unusable.
        secret = ["password"]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        return self.get_full_name() or self.email


class OrganisationQuerySet(models.QuerySet):
    def subtree(self, organisation):
        """The organisation and every organisation below it in the hierarchy."""
        return self.filter(path__startswith=organisation.path)

    def current(self, on_date):
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=on_date)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=on_date)
        )


class Organisation(models.Model):
    """An NHS body or partner. Every record in Involve belongs to exactly one organisation."""

    class Kind(models.TextChoices):
        NATIONAL = "national", "National body"
        REGION = "region", "NHS England region"
        ICB = "icb", "Integrated care board"
        CCG = "ccg", "Clinical commissioning group"
        TRUST = "trust", "NHS trust or foundation trust"
        LOCAL_AUTHORITY = "local_authority", "Local authority"
        HEALTHWATCH = "healthwatch", "Local Healthwatch"
        VCSE = "vcse", "Voluntary, community or social enterprise organisation"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    ods_code = models.CharField(
        "ODS code", max_length=10, blank=True, help_text="Organisation Data Service code, for example QWE or RJ1."
    )
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    # Materialised path of primary keys ("/1/4/17/"): one indexed prefix query finds a whole subtree.
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    valid_from = models.DateField(null=True, blank=True, help_text="When the organisation was established.")
    valid_to = models.DateField(null=True, blank=True, help_text="Its last day, if it has closed or merged.")
    # Raised by every update (involve.audit.writes); forms carry it so a stale edit is caught.
    revision = models.PositiveIntegerField(default=1, editable=False)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["ods_code"],
                condition=~Q(ods_code=""),
                name="unique_ods_code",
                violation_error_message="Another organisation already has this ODS code",
            ),
            models.CheckConstraint(
                condition=(
                    Q(valid_to__isnull=True) | Q(valid_from__isnull=True) | Q(valid_to__gte=models.F("valid_from"))
                ),
                name="organisation_valid_dates_in_order",
            ),
        ]

    class PersonalData:
        none = ["id", "name", "kind", "ods_code", "parent", "path", "valid_from", "valid_to", "revision"]

    def __str__(self):
        return self.name

    @property
    def depth(self):
        return self.path.count("/") - 2

    def ancestor_ids(self):
        return [int(pk) for pk in self.path.strip("/").split("/")[:-1] if pk]


class Succession(models.Model):
    """A predecessor's work passed to a successor on a date (for example CCGs into an ICB, 1 July 2022).

    Reports roll a predecessor's records into its successor so trends run across the change.
    """

    predecessor = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="successions_out")
    successor = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="successions_in")
    effective_date = models.DateField()

    class Meta:
        ordering = ["effective_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["predecessor", "successor"],
                name="unique_succession",
                violation_error_message="This succession is already recorded",
            ),
            models.CheckConstraint(condition=~Q(predecessor=models.F("successor")), name="succession_not_self"),
        ]

    class PersonalData:
        none = ["id", "predecessor", "successor", "effective_date"]

    def __str__(self):
        return f"{self.predecessor} → {self.successor} ({self.effective_date:%-d %B %Y})"


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", "Administrator"
    ENGAGEMENT_LEAD = "engagement_lead", "Engagement lead"
    CONTRIBUTOR = "contributor", "Contributor"
    VIEWER = "viewer", "Viewer"


class Membership(models.Model):
    """A user's role in one organisation. Someone may belong to several organisations."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.VIEWER)
    # Added on top of any role: may see person-level equality monitoring data (special category).
    equality_data_access = models.BooleanField("may see equality monitoring data", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    invited_by_id = models.BigIntegerField(null=True, blank=True, editable=False)
    revision = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["organisation__name", "user__email"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"],
                name="unique_membership",
                violation_error_message="This person is already a member of the organisation",
            )
        ]

    class PersonalData:
        personal = ["user", "invited_by_id"]
        none = ["id", "organisation", "role", "equality_data_access", "created_at", "revision"]
        # The inviter's user id, kept without a foreign key so that removing a person keeps the row.
        user_ids = ["invited_by_id"]

    def __str__(self):
        return f"{self.user} – {self.get_role_display()}, {self.organisation}"
