"""How API clients sign in: a personal token (`Authorization: Bearer <token>`) or the site's session."""

from ninja.security import HttpBearer, django_auth

from vicinato.register.models import ApiToken


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        api_token = ApiToken.objects.select_related("user").filter(key=token, user__is_active=True).first()
        if api_token:
            request.user = api_token.user
            return api_token.user
        return None


AUTH = [BearerToken(), django_auth]
