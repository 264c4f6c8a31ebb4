from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "apitokens.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token (`mt_...`), made at /api/v1/tokens/. It acts as its "
            "person with at most its scopes: read (GET), write (other changes), vote (ballots "
            "and conflicts of interest), vote-admin (prepare, open and close votes).",
        }
