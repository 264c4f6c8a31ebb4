from django.urls import URLPattern, path

from apitokens import api

app_name = "apitokens_api"

urlpatterns: list[URLPattern] = [
    path("tokens/", api.TokenListView.as_view(), name="token-list"),
    path("tokens/<int:token_id>/revoke/", api.TokenRevokeView.as_view(), name="token-revoke"),
]
