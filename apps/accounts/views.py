"""Your Account: thin views that parse input and call one service."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts import forms
from apps.accounts.domain import time_zone_label
from apps.accounts.selectors import (
    login_events_for_user,
    public_avatar_file_for_handle,
    public_profile_view_for_handle,
)
from apps.accounts.services import (
    public_profile_get_or_create,
    public_profile_update,
    user_set_profile_picture,
    user_update_details,
)
from apps.core.http import AuthenticatedHttpRequest
from apps.core.navigation import overview_cards


@dataclass(frozen=True)
class DetailSpec:
    form_class: type
    title: object
    fields: tuple[str, ...]


# "Your details" rows editable on their own page: /account/details/<key>/.
DETAIL_FORMS: dict[str, DetailSpec] = {
    "name": DetailSpec(forms.FullNameForm, gettext_lazy("Full name"), ("full_name",)),
    "preferred-name": DetailSpec(forms.PreferredNameForm, gettext_lazy("Preferred name"), ("preferred_name",)),
    "phone": DetailSpec(forms.PhoneForm, gettext_lazy("Phone number"), ("phone",)),
    "address": DetailSpec(forms.MailingAddressForm, gettext_lazy("Mailing address"), ("mailing_address",)),
    "country": DetailSpec(forms.CountryForm, gettext_lazy("Country"), ("country",)),
    "language": DetailSpec(forms.LanguageForm, gettext_lazy("Language"), ("preferred_language",)),
    "time-zone": DetailSpec(forms.TimeZoneForm, gettext_lazy("Time zone"), ("time_zone",)),
}


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/overview.html", {"cards": overview_cards(request.user)})


@login_required
@require_GET
def details(request: AuthenticatedHttpRequest) -> HttpResponse:
    context = {
        "primary_email": request.user.email,
        "user_time_zone_label": time_zone_label(request.user.local_time_zone),
    }
    return render(request, "accounts/details.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def detail_edit(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    spec = DETAIL_FORMS.get(key)
    if spec is None:
        raise Http404
    user = request.user
    extra = {"region": str(user.country) or None} if spec.form_class is forms.PhoneForm else {}
    initial = {name: getattr(user, name) for name in spec.fields}
    if key == "preferred-name" and not user.preferred_name:
        initial["preferred_name"] = user.get_short_name() if user.full_name else ""
    form = spec.form_class(request.POST or None, initial=initial, **extra)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in spec.fields}
        try:
            user_update_details(user=user, actor=user, reason=f"{key} changed by the customer", **changes)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            if key == "language":
                translation.activate(user.preferred_language)
            messages.success(request, _("Your %(field)s was saved.") % {"field": str(spec.title).lower()})
            response = redirect("accounts:details")
            if key == "language":
                response.set_cookie("django_language", user.preferred_language, samesite="Lax")
            return response
    context = {"form": form, "title": spec.title, "with_time_zone_script": key == "time-zone"}
    return render(request, "accounts/detail_edit.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def picture_edit(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = forms.ProfilePictureForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = None if form.cleaned_data["remove"] else form.cleaned_data["picture"]
        try:
            user_set_profile_picture(user=request.user, actor=request.user, upload=upload)
        except ValidationError as exc:
            form.add_error("picture", exc.messages)
        else:
            messages.success(
                request, _("Your picture was removed.") if upload is None else _("Your picture was saved.")
            )
            return redirect("accounts:details")
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/picture_edit.html", {"form": form}, status=status)


@login_required
@never_cache
@require_GET
def own_picture(request: AuthenticatedHttpRequest) -> FileResponse:
    """The signed-in customer's own picture; private storage has no public URL."""
    if not request.user.profile_picture:
        raise Http404
    return _picture_response(request.user.profile_picture)


def _picture_response(field_file) -> FileResponse:
    try:
        handle = field_file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=_content_type(field_file.name))
    response["Cache-Control"] = "private, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _content_type(name: str) -> str:
    return {"png": "image/png", "webp": "image/webp"}.get(name.rsplit(".", 1)[-1].lower(), "image/jpeg")


@login_required
@require_GET
def security(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = Paginator(login_events_for_user(user=request.user), 20).get_page(request.GET.get("page"))
    return render(request, "accounts/security.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def public_profile_edit(request: AuthenticatedHttpRequest) -> HttpResponse:
    profile = public_profile_get_or_create(user=request.user)
    form = forms.PublicProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        try:
            public_profile_update(profile=profile, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Your public profile settings were saved."))
            return redirect("accounts:public_profile_edit")
    status = 400 if request.method == "POST" and form.errors else 200
    if status == 400:
        # The form set the rejected values on the instance: show what is really public.
        profile.refresh_from_db()
    return render(request, "accounts/public_profile_edit.html", {"form": form, "profile": profile}, status=status)


@require_GET
def public_profile(request: HttpRequest, handle: str) -> HttpResponse:
    return render(request, "accounts/public_profile.html", {"profile": public_profile_view_for_handle(handle=handle)})


@require_GET
def public_avatar(request: HttpRequest, handle: str) -> FileResponse:
    return _picture_response(public_avatar_file_for_handle(handle=handle))


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    """Switch language; a signed-in customer's choice is remembered on their account."""
    form = forms.LanguageSwitchForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("Unknown language. Choose English or Vietnamese."))
    language = form.cleaned_data["language"]
    next_url = form.cleaned_data.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    if request.user.is_authenticated:
        user_update_details(
            user=request.user, actor=request.user, reason="language switched", preferred_language=language
        )
    translation.activate(language)
    response = redirect(next_url)
    response.set_cookie("django_language", language, samesite="Lax", max_age=365 * 24 * 3600)
    return response
