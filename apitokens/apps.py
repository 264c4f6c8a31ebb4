from django.apps import AppConfig


class ApiTokensConfig(AppConfig):
    name = "apitokens"
    verbose_name = "API tokens"

    def ready(self) -> None:
        # Registers the bearer scheme with drf-spectacular, for the OpenAPI schema.
        from apitokens import schema  # noqa: F401
