from django import forms
from django.utils.translation import gettext_lazy as _


class TrailFilter(forms.Form):
    person = forms.CharField(label=_("Person (user name)"), max_length=150, required=False)
    meeting = forms.IntegerField(label=_("Meeting number"), min_value=1, required=False)
    document = forms.IntegerField(label=_("Paper number"), min_value=1, required=False)
