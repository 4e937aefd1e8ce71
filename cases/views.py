"""Pages of grievances, referrals and transfers.

Thin views, in the style of the beneficiaries' pages: the object fetched through the
user's scope first (out of scope: 404 for everyone, before any role check), a form bound,
one service called, a redirect with a message.
"""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView, FormView
from django_filters.views import FilterView

from beneficiaries.models import Beneficiary
from beneficiaries.views import ScopedBeneficiaryMixin, put_errors_on_form
from reintegration.accounts.scope import scope_filter
from reintegration.common.pagination import ListPaginator
from reintegration.common.views import CrumbsMixin, RememberFiltersMixin

from . import services
from .filters import FileTransferFilter, GrievanceFilter, ReferralFilter, SmsFilter
from .forms import (
    ContactPreferenceForm,
    GrievanceAssignForm,
    GrievanceForm,
    GrievanceResolveForm,
    ReferralForm,
    ReferralOutcomeForm,
    SmsForm,
    TransferAnswerForm,
    TransferRequestForm,
)
from .models import ContactPreference, FileTransfer, Grievance, Referral, SmsMessage


class ScopedObjectMixin(CrumbsMixin, PermissionRequiredMixin):
    """The page's object through the user's scope *before* the role check: out of scope
    is 404 for everyone; a reader in scope gets 403 on a write page."""

    raise_exception = True
    model = None

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.object = get_object_or_404(
                self.scoped_queryset(request.user).select_related(*self.related),
                public_id=kwargs["public_id"],
            )
        return super().dispatch(request, *args, **kwargs)

    def scoped_queryset(self, user):
        return self.model.objects.visible_to(user)

    def get_object(self, queryset=None):
        return self.object

    def get_context_data(self, **kwargs):
        kwargs.setdefault("object", self.object)
        return super().get_context_data(**kwargs)


class CaseListView(RememberFiltersMixin, CrumbsMixin, PermissionRequiredMixin, FilterView):
    raise_exception = True
    paginate_by = 25
    paginator_class = ListPaginator
    title = ""

    def get_crumbs(self):
        return [(self.title, None)]

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=self.title, today=timezone.localdate(), **kwargs)


def _done(request, obj, message: str):
    messages.success(request, message)
    return redirect(obj)


# --- grievances -----------------------------------------------------------------------

class GrievanceListView(CaseListView):
    permission_required = "cases.view_grievance"
    filterset_class = GrievanceFilter
    template_name = "cases/grievance_list.html"
    title = gettext_lazy("Grievances")

    def get_queryset(self):
        return Grievance.objects.visible_to(self.request.user).select_related(
            "beneficiary", "owner"
        ).order_by("due_on", "pk")

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        data = (kwargs.get("data") or self.request.GET).copy()
        # The list opens on what needs doing.
        data.setdefault("state", GrievanceFilter.UNRESOLVED)
        kwargs["data"] = data
        return kwargs


def grievance_crumbs(grievance: Grievance):
    return [(_("Grievances"), reverse("cases:grievance_list")),
            (grievance.reference, grievance.get_absolute_url())]


class GrievanceMixin(ScopedObjectMixin):
    model = Grievance
    related = ("beneficiary", "project", "owner", "raised_by", "resolved_by")


class GrievanceDetailView(GrievanceMixin, DetailView):
    permission_required = "cases.view_grievance"
    template_name = "cases/grievance_detail.html"

    def get_crumbs(self):
        return [*grievance_crumbs(self.object)[:1], (self.object.reference, None)]

    def get_context_data(self, **kwargs):
        can_change = self.request.user.has_perm("cases.change_grievance")
        resolved = self.object.status == Grievance.Status.RESOLVED
        return super().get_context_data(
            grievance=self.object, can_act=can_change and not resolved, **kwargs
        )


class GrievanceCreateView(ScopedBeneficiaryMixin, FormView):
    permission_required = "cases.add_grievance"
    form_class = GrievanceForm
    template_name = "cases/form.html"
    page_title = gettext_lazy("New grievance")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "beneficiary": self.beneficiary}

    def form_valid(self, form):
        try:
            grievance = services.raise_grievance(
                beneficiary=self.beneficiary, user=self.request.user, **form.cleaned_data
            )
        except ValidationError as error:
            put_errors_on_form(form, error)
            return self.form_invalid(form)
        return _done(self.request, grievance, _("Grievance %(reference)s recorded.") % {
            "reference": grievance.reference})

    def get_context_data(self, **kwargs):
        return super().get_context_data(page_title=self.page_title, **kwargs)


class GrievanceAssignView(GrievanceMixin, FormView):
    permission_required = "cases.change_grievance"
    form_class = GrievanceAssignForm
    template_name = "cases/form.html"

    def get_crumbs(self):
        return [*grievance_crumbs(self.object), (_("Assign"), None)]

    def get_initial(self):
        return {"owner": self.object.owner, "due_on": self.object.due_on}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "grievance": self.object}

    def form_valid(self, form):
        try:
            grievance = services.assign_grievance(
                grievance=self.object, user=self.request.user, **form.cleaned_data
            )
        except ValidationError as error:
            put_errors_on_form(form, error)
            return self.form_invalid(form)
        owner = grievance.owner.get_full_name() or grievance.owner.username
        return _done(self.request, grievance, _("Grievance assigned to %(owner)s.") % {"owner": owner})

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title=_("Assign grievance %(reference)s") % {"reference": self.object.reference},
            **kwargs)


class GrievanceResolveView(GrievanceMixin, FormView):
    permission_required = "cases.change_grievance"
    form_class = GrievanceResolveForm
    template_name = "cases/form.html"

    def get_crumbs(self):
        return [*grievance_crumbs(self.object), (_("Resolve"), None)]

    def form_valid(self, form):
        try:
            grievance = services.resolve_grievance(
                grievance=self.object, user=self.request.user, **form.cleaned_data
            )
        except ValidationError as error:
            put_errors_on_form(form, error)
            return self.form_invalid(form)
        return _done(self.request, grievance, _("Grievance %(reference)s resolved.") % {
            "reference": grievance.reference})

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title=_("Resolve grievance %(reference)s") % {"reference": self.object.reference},
            **kwargs)


# --- referrals ------------------------------------------------------------------------

class ReferralListView(CaseListView):
    permission_required = "cases.view_referral"
    filterset_class = ReferralFilter
    template_name = "cases/referral_list.html"
    title = gettext_lazy("Referrals")

    def get_queryset(self):
        return Referral.objects.visible_to(self.request.user).select_related("beneficiary")


class ReferralMixin(ScopedObjectMixin):
    model = Referral
    related = ("beneficiary", "referred_by", "outcome_recorded_by")

    def get_crumbs(self):
        return [(_("Referrals"), reverse("cases:referral_list")),
                (self.object.get_service_display(), None)]


class ReferralDetailView(ReferralMixin, DetailView):
    permission_required = "cases.view_referral"
    template_name = "cases/referral_detail.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            referral=self.object, can_act=self.request.user.has_perm("cases.change_referral"),
            **kwargs)


class ReferralCreateView(ScopedBeneficiaryMixin, FormView):
    permission_required = "cases.add_referral"
    form_class = ReferralForm
    template_name = "cases/form.html"
    page_title = gettext_lazy("Refer to a partner service")

    def form_valid(self, form):
        try:
            referral = services.refer_beneficiary(
                beneficiary=self.beneficiary, user=self.request.user, **form.cleaned_data
            )
        except ValidationError as error:
            put_errors_on_form(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Referral to %(service)s recorded.") % {
            "service": referral.get_service_display()})
        return redirect(self.beneficiary)

    def get_context_data(self, **kwargs):
        return super().get_context_data(page_title=self.page_title, **kwargs)


class ReferralOutcomeView(ReferralMixin, FormView):
    permission_required = "cases.change_referral"
    form_class = ReferralOutcomeForm
    template_name = "cases/form.html"

    def get_initial(self):
        if self.object.outcome == Referral.Outcome.PENDING:
            return {}
        return {"outcome": self.object.outcome, "outcome_on": self.object.outcome_on,
                "notes": self.object.outcome_notes}

    def form_valid(self, form):
        try:
            referral = services.record_referral_outcome(
                referral=self.object, user=self.request.user, **form.cleaned_data
            )
        except ValidationError as error:
            put_errors_on_form(form, error)
            return self.form_invalid(form)
        return _done(self.request, referral, _("Outcome recorded: %(outcome)s.") % {
            "outcome": referral.get_outcome_display()})

    def get_context_data(self, **kwargs):
        return super().get_context_data(page_title=_("Outcome of the referral"), **kwargs)


# --- transfers ------------------------------------------------------------------------

class TransferListView(CaseListView):
    permission_required = "cases.view_filetransfer"
    filterset_class = FileTransferFilter
    template_name = "cases/transfer_list.html"
    title = gettext_lazy("File transfers")

    def get_queryset(self):
        return FileTransfer.objects.visible_to(self.request.user).select_related(
            "beneficiary", "from_prefecture", "to_prefecture", "requested_by"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # A file's name only where the user may open the file (the sending side, or
        # the requesting side once accepted).
        visible = set(Beneficiary.objects.visible_to(self.request.user).filter(
            pk__in=[t.beneficiary_id for t in context["object_list"]]
        ).values_list("pk", flat=True))
        for transfer in context["object_list"]:
            transfer.file_visible = transfer.beneficiary_id in visible
        return context


class TransferRequestView(CrumbsMixin, PermissionRequiredMixin, FormView):
    permission_required = "cases.add_filetransfer"
    raise_exception = True
    form_class = TransferRequestForm
    template_name = "cases/form.html"

    def get_crumbs(self):
        return [(_("File transfers"), reverse("cases:transfer_list")), (_("Request a file"), None)]

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        try:
            transfer = services.request_transfer(
                user=self.request.user, request=self.request, **form.cleaned_data
            )
        except ValidationError as error:
            put_errors_on_form(form, error)
            return self.form_invalid(form)
        return _done(self.request, transfer, _(
            "Request sent: the prefecture holding the file will answer it."))

    def get_context_data(self, **kwargs):
        return super().get_context_data(page_title=_("Request a file from another prefecture"), **kwargs)


class TransferMixin(ScopedObjectMixin):
    model = FileTransfer
    related = ("beneficiary", "from_prefecture", "to_prefecture", "requested_by", "decided_by")

    def get_crumbs(self):
        return [(_("File transfers"), reverse("cases:transfer_list")), (_("Request"), None)]

    def file_visible(self) -> bool:
        return Beneficiary.objects.visible_to(self.request.user).filter(
            pk=self.object.beneficiary_id
        ).exists()


class TransferDetailView(TransferMixin, DetailView):
    permission_required = "cases.view_filetransfer"
    template_name = "cases/transfer_detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        answerable = (
            self.object.status == FileTransfer.Status.PENDING
            and user.has_perm("cases.change_filetransfer")
            and self.file_visible()
        )
        answer_form = None
        if answerable:
            answer_form = TransferAnswerForm()
            answer_form.helper.form_action = reverse("cases:transfer_answer", args=[self.object.public_id])
        return super().get_context_data(
            transfer=self.object, file_visible=self.file_visible(), answer_form=answer_form, **kwargs
        )


class TransferAnswerView(TransferMixin, FormView):
    permission_required = "cases.change_filetransfer"
    form_class = TransferAnswerForm
    template_name = "cases/form.html"
    http_method_names = ["post"]

    def scoped_queryset(self, user):
        # Answered by the side that holds the file: for the requesting side the request
        # is as absent as any file it may not open.
        return scope_filter(FileTransfer.objects.all(), user, "from_prefecture")

    def form_valid(self, form):
        accept = TransferAnswerForm.ACCEPT in self.request.POST
        try:
            if accept:
                transfer = services.accept_transfer(
                    transfer=self.object, user=self.request.user, answer=form.cleaned_data["answer"]
                )
            else:
                transfer = services.refuse_transfer(
                    transfer=self.object, user=self.request.user, answer=form.cleaned_data["answer"]
                )
        except ValidationError as error:
            put_errors_on_form(form, error)
            return self.form_invalid(form)
        if accept:
            messages.success(self.request, _("Transfer accepted: the file is now in %(prefecture)s.") % {
                "prefecture": transfer.to_prefecture})
            return redirect("cases:transfer_list")
        return _done(self.request, transfer, _("Transfer refused."))

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(
            form=form, page_title=_("Answer the request")))


# --- SMS --------------------------------------------------------------------------------

class SmsListView(CaseListView):
    """The log of every SMS: the phone masked, the text on the file's pages only."""

    permission_required = "cases.view_smsmessage"
    filterset_class = SmsFilter
    template_name = "cases/sms_list.html"
    title = gettext_lazy("SMS")

    def get_queryset(self):
        return SmsMessage.objects.visible_to(self.request.user).select_related("beneficiary")


class ContactPreferenceView(ScopedBeneficiaryMixin, FormView):
    permission_required = "cases.change_contactpreference"
    form_class = ContactPreferenceForm
    template_name = "cases/form.html"
    page_title = gettext_lazy("SMS: consent and language")

    def get_initial(self):
        preference = ContactPreference.objects.filter(beneficiary=self.beneficiary).first()
        if preference is None:
            return {"language": ContactPreference.Language.ARABIC}
        return {"language": preference.language, "sms_consent_on": preference.sms_consent_on,
                "opted_out": preference.opted_out_at is not None}

    def form_valid(self, form):
        try:
            services.set_contact_preference(
                beneficiary=self.beneficiary, user=self.request.user, **form.cleaned_data
            )
        except ValidationError as error:
            put_errors_on_form(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Contact preferences saved."))
        return redirect(self.beneficiary)

    def get_context_data(self, **kwargs):
        return super().get_context_data(page_title=self.page_title, **kwargs)


class SmsSendView(ScopedBeneficiaryMixin, FormView):
    permission_required = "cases.add_smsmessage"
    form_class = SmsForm
    template_name = "cases/form.html"
    page_title = gettext_lazy("Send an SMS")

    def form_valid(self, form):
        message = services.send_sms(
            beneficiary=self.beneficiary, user=self.request.user,
            template=form.cleaned_data["template"], context=form.context(),
        )
        if message.status == SmsMessage.Status.SENT:
            messages.success(self.request, _("SMS sent."))
        else:
            messages.warning(self.request, _("SMS not sent: %(status)s.") % {
                "status": message.get_status_display()})
        return redirect(self.beneficiary)

    def get_context_data(self, **kwargs):
        return super().get_context_data(page_title=self.page_title, **kwargs)
