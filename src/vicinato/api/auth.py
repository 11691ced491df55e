"""How API clients sign in: a personal token (`Authorization: Bearer <token>`) or the site's session. A token is
looked up by its digest, only while it is neither revoked nor expired; a read-only token reads, and is refused
(403) for anything that changes data."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import DEFAULT_DB_ALIAS
from django.db.models import CharField, DateTimeField, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import HttpBearer, SessionAuth

from vicinato.agreements.permissions import needs_second_factor
from vicinato.lib import ratelimit
from vicinato.lib.prepared import Param, Prepared
from vicinato.register.identities import has_second_factor
from vicinato.register.models import ApiToken, token_digest

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def _user_columns() -> list[str]:
    return [f.attname for f in get_user_model()._meta.concrete_fields]


# The active user whose token it is, and the token's scope. Prepared (compiled once, see vicinato.lib.prepared):
# every API request with a token runs it. One filter() call: the conditions hold for the same token.
_USER_BY_TOKEN = Prepared(
    lambda: (
        get_user_model()
        .objects.filter(
            Q(api_tokens__digest=Param("digest", CharField()), api_tokens__revoked_at__isnull=True)
            & (
                Q(api_tokens__expires_at__isnull=True)
                | Q(api_tokens__expires_at__gt=Param("now", DateTimeField()))
            ),
            is_active=True,
        )
        .values_list(*_user_columns(), "api_tokens__scope")
    )
)


# Guessing tokens: after this many wrong ones from one network address, every token from it is refused (429, with
# Retry-After) until the window ends, counted in the shared cache (lib.ratelimit).
WRONG_TOKENS_PER_NETWORK_ADDRESS = ratelimit.Limit("api-wrong-token", 20, 600)


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        address = request.META.get("REMOTE_ADDR", "")
        if not ratelimit.remaining(WRONG_TOKENS_PER_NETWORK_ADDRESS, address):
            ratelimit.hit(WRONG_TOKENS_PER_NETWORK_ADDRESS, address)  # over the limit: refused, saying when
        rows = _USER_BY_TOKEN.rows(digest=token_digest(token), now=timezone.now())
        if not rows:
            ratelimit.hit(WRONG_TOKENS_PER_NETWORK_ADDRESS, address)
            return None
        *user, scope = rows[0]
        if scope == ApiToken.Scope.READ and request.method not in SAFE_METHODS:
            raise PermissionDenied(
                _("This token may only read; make a token that may write on your account page.")
            )
        request.user = get_user_model().from_db(DEFAULT_DB_ALIAS, _user_columns(), user)
        return request.user


class Session(SessionAuth):
    """The site's session; for whoever needs a second factor, only once they gave it on the site."""

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if (
            user is not None
            and settings.STAFF_SECOND_FACTOR
            and not has_second_factor(request)
            and needs_second_factor(user)
        ):
            raise PermissionDenied(_("Sign in on the site with the code of your authenticator app first."))
        return user


AUTH = [BearerToken(), Session()]
