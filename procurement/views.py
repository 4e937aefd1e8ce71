"""Pages of suppliers, purchase orders, quotes, deliveries, and cash grants.

Thin views: fetch through `visible_to(user)` (out of scope -> 404, checked before the
role, so nothing leaks), bind a form, call one function of `procurement.services`, redirect
with a message.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, DecimalField, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import CreateView, DetailView, FormView, ListView, UpdateView
from django_filters.views import FilterView

from grants.models import ZERO, Convention, EquipmentItem, Project
from grants.services import project_money
from reintegration.audit.models import AccessLog, log_access
from reintegration.common.money import format_money
from reintegration.common.pdf import pdf_response, render_pdf
from reintegration.common.uploads import sniff_content_type
from reintegration.common.views import CrumbsMixin, put_errors_on_form
from reintegration.security.two_factor import code_entered_at, fresh_code_seconds, has_fresh_code

from . import bank as procurement_bank
from . import services as procurement
from .filters import PurchaseOrderFilter, SupplierFilter
from .forms import (
    BankChangeDecisionForm,
    BankChangeRequestForm,
    ConventionChoiceForm,
    DeliveryForm,
    DisbursementForm,
    InvoiceForm,
    PurchaseOrderForm,
    QuoteForm,
    SupplierForm,
)
from .models import PurchaseOrder, Supplier, SupplierBankChange

MONEY = DecimalField(max_digits=14, decimal_places=2)


def supplier_crumbs() -> list[tuple[str, str | None]]:
    return [(_("Suppliers"), reverse("grants:supplier_list"))]


def order_crumbs(order: PurchaseOrder | None = None) -> list[tuple[str, str | None]]:
    crumbs = [(_("Purchase orders"), reverse("grants:purchase_order_list"))]
    if order is not None:
        crumbs.append((order.number, order.get_absolute_url()))
    return crumbs


def project_crumbs(project: Project) -> list[tuple[str, str | None]]:
    return [(_("Projects"), reverse("grants:project_list")), (project.reference, project.get_absolute_url())]


class ScopedObjectMixin(CrumbsMixin, PermissionRequiredMixin):
    """Fetch the page's object through the user's scope *before* checking the role: an
    object out of scope is 404 for everyone, a reader in scope gets 403 on a write page."""

    raise_exception = True

    def get_scoped_object(self):
        raise NotImplementedError

    def dispatch(self, request, *args, **kwargs):
        self.object = self.get_scoped_object()
        return super().dispatch(request, *args, **kwargs)

    def get_object(self, queryset=None):
        return self.object

    def get_context_data(self, **kwargs):
        kwargs.setdefault("object", self.object)
        return super().get_context_data(**kwargs)


# --- suppliers ------------------------------------------------------------------------

class SupplierListView(CrumbsMixin, PermissionRequiredMixin, FilterView):
    permission_required = "procurement.view_supplier"
    raise_exception = True
    filterset_class = SupplierFilter
    template_name = "procurement/supplier_list.html"
    paginate_by = 25

    def get_crumbs(self):
        return [(_("Suppliers"), None)]

    def get_queryset(self):
        # Counts and amounts of the orders the user may see, not of the whole country's.
        orders = PurchaseOrder.objects.visible_to(self.request.user).filter(supplier=OuterRef("pk"))
        lines = EquipmentItem.objects.filter(
            purchase_order__in=PurchaseOrder.objects.visible_to(self.request.user),
            purchase_order__supplier=OuterRef("pk"),
        )
        return Supplier.objects.visible_to(self.request.user).annotate(
            order_count=Coalesce(Subquery(
                orders.order_by().values("supplier").annotate(n=Count("pk")).values("n")
            ), 0),
            ordered_total=Coalesce(Subquery(
                lines.order_by().values("purchase_order__supplier")
                .annotate(total=Sum(F("quantity") * F("unit_price"), output_field=MONEY))
                .values("total"),
                output_field=MONEY,
            ), Value(ZERO), output_field=MONEY),
        ).order_by(*Supplier._meta.ordering)


class SupplierDetailView(CrumbsMixin, PermissionRequiredMixin, DetailView):
    permission_required = "procurement.view_supplier"
    raise_exception = True
    template_name = "procurement/supplier_detail.html"

    def get_crumbs(self):
        return [*supplier_crumbs(), (self.object.name, None)]
    context_object_name = "supplier"

    def get_queryset(self):
        return Supplier.objects.visible_to(self.request.user)

    def get_context_data(self, **kwargs):
        orders = list(
            PurchaseOrder.objects.visible_to(self.request.user)
            .filter(supplier=self.object)
            .with_totals()
            .select_related("convention")
        )
        # The latest requests (newest first; a pending one is always the newest).
        changes = list(self.object.bank_changes.select_related("requested_by", "decided_by")[:5])
        return super().get_context_data(
            orders=orders,
            bank_changes=changes,
            pending_change=next((c for c in changes if c.status == SupplierBankChange.Status.PENDING), None),
            ordered_total=sum((order.total for order in orders), ZERO),
            invoiced_total=sum((order.invoice_amount or ZERO for order in orders), ZERO),
            **kwargs,
        )


class SupplierCreateView(CrumbsMixin, PermissionRequiredMixin, CreateView):
    permission_required = "procurement.add_supplier"
    raise_exception = True
    form_class = SupplierForm
    template_name = "procurement/supplier_form.html"

    def get_crumbs(self):
        return [*supplier_crumbs(), (_("New supplier"), None)]

    def form_valid(self, form):
        messages.success(self.request, _("Supplier %(name)s registered.") % {"name": form.instance.name})
        return super().form_valid(form)


class SupplierUpdateView(CrumbsMixin, PermissionRequiredMixin, UpdateView):
    permission_required = "procurement.change_supplier"
    raise_exception = True
    form_class = SupplierForm
    template_name = "procurement/supplier_form.html"

    def get_crumbs(self):
        return [*supplier_crumbs(), (self.object.name, self.object.get_absolute_url()), (_("Edit"), None)]

    def get_queryset(self):
        return Supplier.objects.visible_to(self.request.user)

    def form_valid(self, form):
        messages.success(self.request, _("Supplier %(name)s updated.") % {"name": form.instance.name})
        return super().form_valid(form)


# --- changes of a supplier's bank details (procurement.bank) ---------------------------

def bank_change_crumbs() -> list[tuple[str, str | None]]:
    return [*supplier_crumbs(), (_("Changes of bank details"), reverse("grants:bank_change_list"))]


class BankChangeRequestView(ScopedObjectMixin, FormView):
    """From the supplier's page: ask for a new RIB (or a corrected ICE)."""

    permission_required = "procurement.add_supplierbankchange"
    form_class = BankChangeRequestForm
    template_name = "procurement/bank_change_request.html"

    def get_scoped_object(self):
        return get_object_or_404(Supplier.objects.visible_to(self.request.user), pk=self.kwargs["pk"])

    def get_crumbs(self):
        return [*supplier_crumbs(), (self.object.name, self.object.get_absolute_url()),
                (_("Change of bank details"), None)]

    def get(self, request, *args, **kwargs):
        pending = self.object.bank_changes.pending().first()
        if pending is not None:
            messages.info(request, _("A change of this supplier's bank details already awaits a decision."))
            return redirect(pending)
        return super().get(request, *args, **kwargs)

    def get_initial(self):
        return {"new_rib": self.object.rib, "new_ice": self.object.ice}

    def get_context_data(self, **kwargs):
        return super().get_context_data(supplier=self.object, **kwargs)

    def form_valid(self, form):
        try:
            change = procurement_bank.request_bank_change(
                supplier=self.object, user=self.request.user, **form.cleaned_data
            )
        except ValidationError as error:
            put_errors_on_form(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _(
            "Your request is recorded and the administrators are told. %(name)s keeps its current "
            "bank details until another administrator approves the change."
        ) % {"name": self.object.name})
        return redirect(change)


class BankChangeListView(CrumbsMixin, PermissionRequiredMixin, ListView):
    """The requests, those awaiting a decision first (the administrators' queue)."""

    permission_required = "procurement.view_supplierbankchange"
    raise_exception = True
    template_name = "procurement/bank_change_list.html"
    context_object_name = "changes"
    paginate_by = 25

    def get_crumbs(self):
        return [*supplier_crumbs(), (_("Changes of bank details"), None)]

    def status(self) -> str:
        # Whitelisted: the pending ones by default, "all" for the whole history.
        status = self.request.GET.get("status", "")
        allowed = {*SupplierBankChange.Status.values, "all"}
        return status if status in allowed else SupplierBankChange.Status.PENDING

    def get_queryset(self):
        changes = SupplierBankChange.objects.visible_to(self.request.user).select_related(
            "supplier", "requested_by", "decided_by"
        )
        if self.status() != "all":
            changes = changes.filter(status=self.status())
        return changes.order_by("-requested_at", "-pk")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            status=self.status(), statuses=SupplierBankChange.Status.choices, **kwargs
        )


class BankChangeDetailView(ScopedObjectMixin, FormView):
    """A request, its document and its outcome; for an administrator other than the one
    who asked, the decision, which needs a one-time code entered in the last minutes."""

    form_class = BankChangeDecisionForm
    template_name = "procurement/bank_change_detail.html"

    def get_scoped_object(self):
        return get_object_or_404(
            SupplierBankChange.objects.visible_to(self.request.user).select_related(
                "supplier", "requested_by", "decided_by"
            ),
            pk=self.kwargs["pk"],
        )

    def get_permission_required(self):
        if self.request.method in ("GET", "HEAD"):
            return ["procurement.view_supplierbankchange"]
        return ["procurement.decide_supplierbankchange"]

    def get_crumbs(self):
        return [*bank_change_crumbs(), (self.object.supplier.name, None)]

    def get_context_data(self, **kwargs):
        change = self.object
        user = self.request.user
        return super().get_context_data(
            change=change,
            supplier=change.supplier,
            may_decide=change.status == SupplierBankChange.Status.PENDING
            and procurement_bank.may_decide(user, change),
            own_request=change.requested_by_id == user.pk,
            fresh_code=has_fresh_code(self.request),
            fresh_minutes=fresh_code_seconds() // 60,
            code_url=f"{reverse('security:otp_verify')}?{urlencode({'next': self.request.path})}",
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if self.object.requested_by_id == request.user.pk:
            raise PermissionDenied(_(
                "You asked for this change: another administrator must approve or refuse it."
            ))
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        change, user = self.object, self.request.user
        decide = (
            procurement_bank.approve_bank_change
            if form.cleaned_data["decision"] == BankChangeDecisionForm.APPROVE
            else procurement_bank.refuse_bank_change
        )
        try:
            if not has_fresh_code(self.request):
                raise procurement_bank.StaleCode
            change = decide(
                change=change, user=user, reason=form.cleaned_data["reason"],
                code_entered_at=code_entered_at(self.request.session),
            )
        except procurement_bank.StaleCode:
            messages.warning(self.request, _(
                "Enter a new one-time code to confirm this decision (a code counts for %(minutes)s minutes)."
            ) % {"minutes": fresh_code_seconds() // 60})
            return redirect(f"{reverse('security:otp_verify')}?{urlencode({'next': self.request.path})}")
        except ValidationError as error:
            put_errors_on_form(form, error)
            return self.form_invalid(form)
        if change.status == SupplierBankChange.Status.APPROVED:
            messages.success(self.request, _(
                "The new bank details of %(name)s are approved: orders sent from now on carry them."
            ) % {"name": change.supplier.name})
        else:
            messages.success(self.request, _(
                "The change is refused: %(name)s keeps its bank details."
            ) % {"name": change.supplier.name})
        return redirect(change)


class BankChangeDocumentView(ScopedObjectMixin, View):
    permission_required = "procurement.view_supplierbankchange"

    def get_scoped_object(self):
        changes = SupplierBankChange.objects.visible_to(self.request.user)
        return get_object_or_404(changes, pk=self.kwargs["pk"])

    def get(self, request, *args, **kwargs):
        if not self.object.document:
            raise Http404
        log_access(request, AccessLog.Action.DOWNLOAD, self.object, detail="bank certificate")
        return _file_response(self.object.document, f"attestation-rib-{self.object.pk}")


# --- purchase orders ------------------------------------------------------------------

class PurchaseOrderListView(CrumbsMixin, PermissionRequiredMixin, FilterView):
    permission_required = "procurement.view_purchaseorder"
    raise_exception = True
    filterset_class = PurchaseOrderFilter
    template_name = "procurement/purchase_order_list.html"
    paginate_by = 25

    def get_crumbs(self):
        return [(_("Purchase orders"), None)]

    def get_queryset(self):
        return (
            PurchaseOrder.objects.visible_to(self.request.user)
            .with_totals()
            .select_related("supplier", "convention")
        )


class PurchaseOrderMixin(ScopedObjectMixin):
    permission_required = "procurement.change_purchaseorder"

    def get_scoped_object(self):
        return get_object_or_404(
            PurchaseOrder.objects.visible_to(self.request.user).select_related(
                "supplier", "convention", "convention__prefecture"
            ),
            pk=self.kwargs["pk"],
        )


class PurchaseOrderDetailView(PurchaseOrderMixin, DetailView):
    permission_required = "procurement.view_purchaseorder"
    template_name = "procurement/purchase_order_detail.html"
    context_object_name = "order"

    def get_crumbs(self):
        return [*order_crumbs(), (self.object.number, None)]

    def get_context_data(self, **kwargs):
        order = self.object
        lines = list(
            order.lines.select_related("project", "project__beneficiary").order_by("project__reference", "pk")
        )
        order.lines_total = sum((line.total for line in lines), ZERO)
        quotes = list(order.quotes.select_related("supplier"))
        quotes_problem = None
        if order.status == PurchaseOrder.Status.DRAFT:
            quotes_problem = procurement.quotes_problem(order)
        return super().get_context_data(
            lines=lines,
            quotes=quotes,
            quotes_problem=quotes_problem,
            partly_delivered=order.status == PurchaseOrder.Status.SENT
            and any(line.quantity_delivered for line in lines),
            may_change=self.request.user.has_perm("procurement.change_purchaseorder"),
            **kwargs,
        )


class PurchaseOrderStartView(CrumbsMixin, PermissionRequiredMixin, FormView):
    """First step of a new order: the convention whose approved projects are equipped."""

    permission_required = "procurement.add_purchaseorder"
    raise_exception = True
    template_name = "procurement/purchase_order_start.html"

    def get_crumbs(self):
        return [*order_crumbs(), (_("New purchase order"), None)]

    def conventions(self):
        waiting = EquipmentItem.objects.visible_to(self.request.user).filter(
            project__status=Project.Status.APPROVED,
            purchase_order__isnull=True,
            status=EquipmentItem.Status.PLANNED,
        )
        return (
            Convention.objects.visible_to(self.request.user)
            .filter(pk__in=waiting.values("project__convention"))
            .order_by("reference")
        )

    def get_form(self, form_class=None):
        return ConventionChoiceForm(conventions=self.conventions(), **self.get_form_kwargs())

    def form_valid(self, form):
        convention = form.cleaned_data["convention"]
        return redirect("grants:purchase_order_create_lines", convention_pk=convention.pk)


class PurchaseOrderCreateView(ScopedObjectMixin, FormView):
    permission_required = "procurement.add_purchaseorder"
    template_name = "procurement/purchase_order_form.html"

    def get_crumbs(self):
        return [*order_crumbs(), (_("New purchase order"), reverse("grants:purchase_order_create")),
                (self.object.reference, None)]

    def get_scoped_object(self):
        return get_object_or_404(
            Convention.objects.visible_to(self.request.user), pk=self.kwargs["convention_pk"]
        )

    def get_form(self, form_class=None):
        lines = procurement.eligible_lines(convention=self.object, user=self.request.user)
        return PurchaseOrderForm(lines=lines, **self.get_form_kwargs())

    def get_initial(self):
        return {"ordered_on": timezone.localdate()}

    def get_context_data(self, **kwargs):
        # What each project with lines to order may still engage: its approved amount
        # less what it has ordered and paid (grants.models, "the ledger").
        lines = procurement.eligible_lines(convention=self.object, user=self.request.user)
        projects = (
            Project.objects.filter(pk__in=lines.values("project")).with_spending()
            .only("public_id", "reference", "approved_amount").order_by("reference")
        )
        return super().get_context_data(convention=self.object, projects=projects, **kwargs)

    def form_valid(self, form):
        try:
            order = procurement.create_purchase_order(
                supplier=form.cleaned_data["supplier"],
                convention=self.object,
                lines=form.cleaned_data["lines"],
                user=self.request.user,
                ordered_on=form.cleaned_data["ordered_on"],
            )
        except ValidationError as error:
            put_errors_on_form(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Purchase order %(number)s created as a draft.") % {
            "number": order.number})
        return redirect(order)


class PurchaseOrderActionView(PurchaseOrderMixin, View):
    """A POST that moves the order one step (send, cancel)."""

    http_method_names = ["post"]
    action = None
    success_message = ""

    def post(self, request, *args, **kwargs):
        try:
            self.perform()
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return redirect(self.object)
        messages.success(request, self.success_message % {"number": self.object.number})
        return HttpResponseRedirect(self.get_success_url())

    def get_success_url(self):
        return self.object.get_absolute_url()


class PurchaseOrderSendView(PurchaseOrderActionView):
    success_message = gettext_lazy("Purchase order %(number)s marked as sent to the supplier.")

    def perform(self):
        procurement.send_purchase_order(purchase_order=self.object, user=self.request.user)


class PurchaseOrderCancelView(PurchaseOrderActionView):
    success_message = gettext_lazy(
        "Draft purchase order %(number)s cancelled; its lines can be ordered again."
    )

    def perform(self):
        procurement.cancel_purchase_order(purchase_order=self.object, user=self.request.user)

    def get_success_url(self):
        return reverse("grants:purchase_order_list")


class PurchaseOrderReceiveView(PurchaseOrderMixin, FormView):
    template_name = "procurement/purchase_order_receive.html"

    def get_crumbs(self):
        return [*order_crumbs(self.object), (_("Delivery"), None)]

    def lines(self):
        return self.object.lines.select_related("project").order_by("project__reference", "pk")

    def get_form(self, form_class=None):
        return DeliveryForm(lines=self.lines(), **self.get_form_kwargs())

    def get_initial(self):
        return {"delivered_on": timezone.localdate()}

    def get_context_data(self, **kwargs):
        return super().get_context_data(order=self.object, **kwargs)

    def form_valid(self, form):
        try:
            order = procurement.receive_delivery(
                purchase_order=self.object,
                quantities=form.quantities(),
                delivered_on=form.cleaned_data["delivered_on"],
                serial_numbers=form.serial_numbers(),
                user=self.request.user,
            )
        except ValidationError as error:
            put_errors_on_form(form, error)
            return self.form_invalid(form)
        if order.status == PurchaseOrder.Status.DELIVERED:
            messages.success(self.request, _("Delivery recorded: order %(number)s is fully delivered.") % {
                "number": order.number})
        else:
            messages.success(self.request, _("Partial delivery recorded on order %(number)s.") % {
                "number": order.number})
        return redirect(order)


class PurchaseOrderInvoiceView(PurchaseOrderMixin, FormView):
    form_class = InvoiceForm
    template_name = "procurement/purchase_order_invoice.html"

    def get_crumbs(self):
        return [*order_crumbs(self.object), (_("Invoice"), None)]

    def get_initial(self):
        return {"invoice_amount": self.object.total}

    def get_context_data(self, **kwargs):
        return super().get_context_data(order=self.object, **kwargs)

    def form_valid(self, form):
        try:
            order = procurement.record_invoice(
                purchase_order=self.object, user=self.request.user, **form.cleaned_data
            )
        except ValidationError as error:
            put_errors_on_form(form, error)
            return self.form_invalid(form)
        if order.invoice_differs:
            messages.warning(self.request, _(
                "Invoice recorded, but its amount (%(invoice)s) differs from the lines' total "
                "(%(total)s): the order is flagged for checking."
            ) % {"invoice": format_money(order.invoice_amount), "total": format_money(order.total)})
        else:
            messages.success(self.request, _("Invoice recorded on order %(number)s.") % {
                "number": order.number})
        return redirect(order)


class PurchaseOrderQuotesView(PurchaseOrderMixin, FormView):
    form_class = QuoteForm
    template_name = "procurement/purchase_order_quotes.html"

    def get_crumbs(self):
        return [*order_crumbs(self.object), (_("Quotes"), None)]

    def get_permission_required(self):
        if self.request.method in ("GET", "HEAD"):
            return ["procurement.view_quote"]
        return ["procurement.add_quote"]

    def get_initial(self):
        return {"supplier": self.object.supplier, "quoted_on": timezone.localdate()}

    def get_context_data(self, **kwargs):
        order = self.object
        return super().get_context_data(
            order=order,
            quotes=list(order.quotes.select_related("supplier")),
            quotes_problem=procurement.quotes_problem(order),
            may_change=order.status == PurchaseOrder.Status.DRAFT
            and self.request.user.has_perm("procurement.add_quote"),
            **kwargs,
        )

    def form_valid(self, form):
        try:
            quote = procurement.record_quote(
                purchase_order=self.object, user=self.request.user, **form.cleaned_data
            )
        except ValidationError as error:
            put_errors_on_form(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Quote of %(supplier)s recorded.") % {"supplier": quote.supplier})
        return redirect("grants:purchase_order_quotes", pk=self.object.pk)


class QuoteDeleteView(PurchaseOrderMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        quote = get_object_or_404(self.object.quotes, pk=kwargs["quote_pk"])
        try:
            procurement.delete_quote(quote=quote, user=request.user)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Quote removed."))
        return redirect("grants:purchase_order_quotes", pk=self.object.pk)


class QuoteDocumentView(PurchaseOrderMixin, View):
    permission_required = "procurement.view_quote"

    def get(self, request, *args, **kwargs):
        quote = get_object_or_404(self.object.quotes, pk=kwargs["quote_pk"])
        if not quote.document:
            raise Http404
        log_access(request, AccessLog.Action.DOWNLOAD, self.object, detail=f"quote {quote.pk}")
        return _file_response(quote.document, f"{self.object.number}-quote-{quote.pk}")


class PurchaseOrderPdfView(PurchaseOrderMixin, View):
    permission_required = "procurement.view_purchaseorder"

    def get(self, request, *args, **kwargs):
        order = self.object
        lines = list(order.lines.select_related("project").order_by("project__reference", "pk"))
        order.lines_total = sum((line.total for line in lines), ZERO)
        document = render_pdf(
            "procurement/purchase_order_pdf.html",
            {"order": order, "lines": lines, "supplier": order.supplier,
             "convention": order.convention, "printed_on": timezone.localdate(),
             "foundation_name": settings.FOUNDATION_NAME,
             "cndp_authorisation": settings.CNDP_AUTHORISATION,
             "data_protection_law": settings.DATA_PROTECTION_LAW},
            filename=f"{order.number}.pdf",
        )
        log_access(request, AccessLog.Action.PDF, order)
        return pdf_response(document)


def _file_response(field_file, stem: str) -> FileResponse:
    field_file.open("rb")
    content_type = sniff_content_type(field_file) or "application/octet-stream"
    extension = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}.get(content_type, "")
    response = FileResponse(field_file, content_type=content_type, filename=f"{stem}{extension}")
    return response


# --- cash grants ----------------------------------------------------------------------

class DisbursementCreateView(ScopedObjectMixin, FormView):
    permission_required = "procurement.add_disbursement"
    form_class = DisbursementForm
    template_name = "procurement/disbursement_form.html"

    def get_crumbs(self):
        return [*project_crumbs(self.object), (_("Cash grant"), None)]

    def get_scoped_object(self):
        return get_object_or_404(
            Project.objects.visible_to(self.request.user).select_related("beneficiary", "convention"),
            public_id=self.kwargs["public_id"],
        )

    def remaining(self):
        return self.object.cash_grant_amount - procurement.disbursed_total(self.object)

    def get_initial(self):
        # The account of the project's last transfer, for the next instalment.
        last_rib = (
            self.object.disbursements.filter(method="transfer").exclude(rib="")
            .order_by("-paid_on", "-pk").values_list("rib", flat=True).first()
        )
        return {"amount": max(self.remaining(), ZERO) or None, "paid_on": timezone.localdate(),
                "rib": last_rib or ""}

    def get_context_data(self, **kwargs):
        project = self.object
        return super().get_context_data(
            project=project,
            disbursements=list(project.disbursements.all()),
            paid=procurement.disbursed_total(project),
            remaining=self.remaining(),
            money=project_money(project),
            **kwargs,
        )

    def form_valid(self, form):
        try:
            procurement.record_disbursement(project=self.object, user=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            put_errors_on_form(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Payment of %(amount)s recorded.") % {
            "amount": format_money(form.cleaned_data["amount"])})
        return redirect(self.object)
