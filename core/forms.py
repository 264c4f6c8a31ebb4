"""Forms parse and check the shape of input; the services decide whether the change is allowed.

A `ServiceError` raised by a service is put back on the form with `add_service_error`, next to
the field it names, so both kinds of refusal look the same to the person filling it in.
"""

from django import forms

from core.errors import ServiceError


def add_service_error(form: forms.Form, error: ServiceError) -> None:
    """Show a service's refusal next to the field it names, or above the form."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)
