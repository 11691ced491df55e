"""How API clients sign in: a personal token (`Authorization: Bearer <token>`) or the site's session."""

from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS
from django.db.models import CharField
from ninja.security import HttpBearer, django_auth

from vicinato.lib.prepared import Param, Prepared


def _user_columns() -> list[str]:
    return [f.attname for f in get_user_model()._meta.concrete_fields]


# The active user whose token it is. Prepared (compiled once, see vicinato.lib.prepared): every API request
# with a token runs it.
_USER_BY_TOKEN = Prepared(
    lambda: (
        get_user_model()
        .objects.filter(api_tokens__key=Param("key", CharField()), is_active=True)
        .values_list(*_user_columns())
    )
)


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        rows = _USER_BY_TOKEN.rows(key=token)
        if rows:
            request.user = get_user_model().from_db(DEFAULT_DB_ALIAS, _user_columns(), rows[0])
            return request.user
        return None


AUTH = [BearerToken(), django_auth]
