"""Involve settings, read from the environment.

Two modes: development (the default, for `involve demo` and the tests) and production
(`INVOLVE_ENV=production`), which refuses to start without its secrets. Every variable is
listed in the README's configuration table; tests/project/test_settings.py holds the two in step.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

PACKAGE_DIR = Path(__file__).resolve().parent


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name}={value!r}: use true or false")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r}: use a whole number") from None


def env_secret(name: str) -> str | None:
    """A secret from NAME, or from the file named by NAME_FILE (Docker and Kubernetes secrets)."""
    if os.environ.get(name):
        return os.environ[name]
    path = os.environ.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={path!r} cannot be read: {exc}") from None
    return None


ENVIRONMENT = env("INVOLVE_ENV", "development")
if ENVIRONMENT not in ("development", "production"):
    raise ImproperlyConfigured(f"INVOLVE_ENV={ENVIRONMENT!r}: use development or production")
PRODUCTION = ENVIRONMENT == "production"

DATA_DIR = Path(env("INVOLVE_DATA_DIR", str(Path.cwd() / "data"))).resolve()


def _development_secret_key() -> str:
    # Kept in the data folder so demo sessions survive a restart; never used in production.
    path = DATA_DIR / "secret_key"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env_secret("INVOLVE_SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("INVOLVE_SECRET_KEY (or INVOLVE_SECRET_KEY_FILE) must be set in production")
    SECRET_KEY = _development_secret_key()

DEBUG = env_bool("INVOLVE_DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("INVOLVE_DEBUG must not be on in production")

_hosts = env("INVOLVE_ALLOWED_HOSTS")
if PRODUCTION and not _hosts:
    raise ImproperlyConfigured("INVOLVE_ALLOWED_HOSTS must list the host names Involve answers to")
ALLOWED_HOSTS = [h.strip() for h in (_hosts or "localhost,127.0.0.1,testserver").split(",") if h.strip()]
# '*' answers any Host header, which lets someone put their own host name in password-reset links.
ALLOW_ANY_HOST = env_bool("INVOLVE_ALLOW_ANY_HOST", False)
if PRODUCTION and any("*" in h for h in ALLOWED_HOSTS) and not ALLOW_ANY_HOST:
    raise ImproperlyConfigured(
        "INVOLVE_ALLOWED_HOSTS must name the host names, not '*' (set INVOLVE_ALLOW_ANY_HOST=true to override)"
    )
# A refused form (most often cookies blocked) gets a page in words for people, not Django's.
CSRF_FAILURE_VIEW = "involve.core.views.csrf_failure"
CSRF_TRUSTED_ORIGINS = [o for o in (env("INVOLVE_CSRF_TRUSTED_ORIGINS") or "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_tasks",
    "django_tasks_db",
    "involve.core",
    "involve.organisations",
    "involve.audit",
    "involve.engagement",
    "involve.equality",
    "involve.consultations",
    "involve.insight",
    "involve.site",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The public pages speak English or Welsh (the language cookie, else the browser's language).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "involve.core.upload_guard.AnonymousBodyGuardMiddleware",  # before CSRF, which reads the body
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "involve.core.middleware.SessionTimeoutMiddleware",
    # Cache-Control: no-store on everything a signed-in person is sent (pages, exports, downloads).
    "involve.core.middleware.PrivateNoStoreMiddleware",
    # Default-deny: every view needs a signed-in user unless marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "involve.core.middleware.RequireMFAMiddleware",
    "involve.organisations.middleware.ActiveOrganisationMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, so it sees the view's own answer: downloads and refused record requests go to the audit log.
    "involve.audit.middleware.AccessLogMiddleware",
]

ROOT_URLCONF = "involve.urls"
WSGI_APPLICATION = "involve.wsgi.application"

TEMPLATES = [
    {
        # Involve's own pages: Jinja2 with the NHS.UK design system macros.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [PACKAGE_DIR / "jinja2"],
        "APP_DIRS": True,
        "OPTIONS": {
            "environment": "involve.jinja2env.environment",
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.messages.context_processors.messages",
                "involve.core.context_processors.involve",
            ],
        },
    },
    {
        # allauth's sign-in and two-factor pages, restyled in templates/allauth/.
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "involve.core.context_processors.involve",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'involve.sqlite3'}",
        conn_max_age=env_int("INVOLVE_DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the task worker writes; busy timeout waits for the lock.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
# PostgreSQL: the role Involve serves as, when migrations run as another (the owner). After every
# migrate the owner grants it what it needs, and only SELECT and INSERT on the audit log (audit/management).
DB_APP_ROLE = env("INVOLVE_DB_APP_ROLE", "")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A database cache, so that login-failure counting (lockout) is shared by every worker process.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "involve_cache",
    }
}

AUTH_USER_MODEL = "organisations.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

# allauth: email sign-in, no self sign-up (people are invited), lockout after repeated failures.
ACCOUNT_ADAPTER = "involve.organisations.adapters.InviteOnlyAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = False
# One address per person, the one their administrator invited: with no email verification, a second
# address could otherwise be added at /accounts/email/ and made primary, changing who they appear to be.
ACCOUNT_MAX_EMAIL_ADDRESSES = 1
LOGIN_FAILURE_LIMIT = env_int("INVOLVE_LOGIN_FAILURE_LIMIT", 5)
LOGIN_LOCKOUT_MINUTES = env_int("INVOLVE_LOGIN_LOCKOUT_MINUTES", 15)
# Limits per network address (…/ip) and per account (…/key: the email address typed, or the person for a
# two-factor code). Per address needs the client's own address, not the proxy's: TRUSTED_PROXY_COUNT below.
ACCOUNT_RATE_LIMITS = {
    # Sign-in attempts, right or wrong, from one address (an office behind one address signs in well under this).
    "login": "30/m/ip",
    # Failed sign-ins (and wrong two-factor codes) from one address; and after LOGIN_FAILURE_LIMIT
    # failures for one email address (or person's codes), that account is locked for the period.
    "login_failed": f"20/m/ip,{LOGIN_FAILURE_LIMIT}/{LOGIN_LOCKOUT_MINUTES}m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
}
# Behind a reverse proxy every request comes from the proxy's address, so everyone would share one
# rate-limit bucket: a stranger's failed sign-ins would lock everybody out. Given the number of proxies
# in front of Involve, the client's address is read that many entries from the end of X-Forwarded-For
# (each proxy appends the address it was sent from; what a client writes there itself comes before),
# only on requests from a proxy address in FORWARDED_ALLOW_IPS, the list gunicorn is given too
# (organisations/adapters.py get_client_ip).
TRUSTED_PROXY_COUNT = env_int("INVOLVE_TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("INVOLVE_TRUSTED_PROXY_COUNT must be 0 or more")
FORWARDED_ALLOW_IPS = [
    a.strip() for a in (env("INVOLVE_FORWARDED_ALLOW_IPS") or "127.0.0.1,::1").split(",") if a.strip()
]
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_ADAPTER = "involve.organisations.adapters.InvolveMFAAdapter"
# The sign-in code form, so that a code refused during a lockout reaches the audit log too.
MFA_FORMS = {"authenticate": "involve.organisations.adapters.InvolveAuthenticateForm"}
MFA_TOTP_ISSUER = "Involve"
# allauth refuses two-factor set-up while an address is unverified (it guards against sign-up squatting).
# Involve has no sign-up and no verification step, yet asking for a reset email records the address as
# unverified, which would lock that person out of REQUIRE_MFA for good.
MFA_ALLOW_UNVERIFIED_EMAIL = True
# Staff must set up an authenticator app before they can use Involve (ASVS 6.3.3).
REQUIRE_MFA = env_bool("INVOLVE_REQUIRE_MFA", PRODUCTION)
ALLOW_NO_MFA = env_bool("INVOLVE_ALLOW_NO_MFA", False)
if PRODUCTION and not REQUIRE_MFA and not ALLOW_NO_MFA:
    raise ImproperlyConfigured(
        "INVOLVE_REQUIRE_MFA=false leaves personal data behind a password alone in production "
        "(set INVOLVE_ALLOW_NO_MFA=true to override)"
    )

# Public consultation responses: submissions a minute from one network address and to one consultation
# (0: no limit), and resume-link emails a minute from one address (consultations/ratelimit.py).
RESPONSE_RATE_PER_IP = env_int("INVOLVE_RESPONSE_RATE_PER_IP", 20)
# Per consultation: a flood guard at twice the rate Involve is built to take (500 a second), so a
# consultation mentioned on the evening news still takes every response.
RESPONSE_RATE_PER_CONSULTATION = env_int("INVOLVE_RESPONSE_RATE_PER_CONSULTATION", 60_000)
RESPONSE_EMAILS_PER_IP = 5

# Sessions: an idle timeout and an absolute lifetime, both enforced by SessionTimeoutMiddleware.
SESSION_IDLE_SECONDS = env_int("INVOLVE_SESSION_IDLE_MINUTES", 30) * 60
SESSION_COOKIE_AGE = env_int("INVOLVE_SESSION_MAX_HOURS", 8) * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    # __Host- cookies are only sent over HTTPS, to this exact host, for every path (ASVS 3.3.3).
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_HSTS_SECONDS = env_int("INVOLVE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("INVOLVE_HSTS_PRELOAD", False)
    SECURE_SSL_REDIRECT = env_bool("INVOLVE_SSL_REDIRECT", True)
    if env_bool("INVOLVE_BEHIND_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SILENCED_SYSTEM_CHECKS = (
        # HSTS preload is an opt-in decision for the deploying organisation (INVOLVE_HSTS_PRELOAD).
        ([] if SECURE_HSTS_PRELOAD else ["security.W021"])
        # INVOLVE_SSL_REDIRECT=false says the proxy redirects HTTP to HTTPS itself (README), so Involve
        # never sees plain HTTP; HSTS and the Secure cookies still hold.
        + ([] if SECURE_SSL_REDIRECT else ["security.W008"])
    )

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
        "manifest-src": [SELF],
    }
}

LANGUAGE_CODE = "en-gb"
# The public consultation pages are translated (consultations/locale); staff pages are in English.
LANGUAGES = [("en-gb", "English"), ("cy", "Cymraeg")]
LOCALE_PATHS = [PACKAGE_DIR / "consultations" / "locale"]
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# collectstatic (production only) writes here; elsewhere WhiteNoise serves from the app folders.
STATIC_ROOT = DATA_DIR / "static" if PRODUCTION else None
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": DATA_DIR / "files"},
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Outside production WhiteNoise serves straight from the app folders, so no collectstatic step.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG

# Uploaded files are never served from a public URL: only through permission-checked downloads.
MEDIA_URL = ""
FILE_UPLOAD_PERMISSIONS = 0o640
UPLOAD_MAX_BYTES = env_int("INVOLVE_UPLOAD_MAX_MB", 20) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

TASKS = {
    "default": {
        "BACKEND": env("INVOLVE_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
# A long cover sheet is made by a task in a child process, stopped at these (engagement/coversheet/limits.py).
COVER_SHEET_SECONDS = env_int("INVOLVE_COVER_SHEET_SECONDS", 60)
COVER_SHEET_MEMORY_MB = env_int("INVOLVE_COVER_SHEET_MEMORY_MB", 1024)

EMAIL_HOST = env("INVOLVE_EMAIL_HOST")
if PRODUCTION and not EMAIL_HOST:
    raise ImproperlyConfigured("INVOLVE_EMAIL_HOST must be set in production (password resets and invitations)")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("INVOLVE_EMAIL_PORT", 587)
    EMAIL_HOST_USER = env("INVOLVE_EMAIL_USER", "")
    EMAIL_HOST_PASSWORD = env_secret("INVOLVE_EMAIL_PASSWORD") or ""
    EMAIL_USE_TLS = env_bool("INVOLVE_EMAIL_USE_TLS", True)
else:
    # Development and demo: emails (password resets, invitations) are printed in the terminal.
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env("INVOLVE_FROM_EMAIL", "Involve <no-reply@involve.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "{asctime} {levelname} {name} {message}", "style": "{"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("INVOLVE_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        # WeasyPrint and fontTools log every font and stylesheet step at INFO: several lines per PDF.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
