"""Procurement's pages, mounted under /grants/ in the "grants" namespace beside grants' own
(reintegration/urls.py composes the two), so their addresses and names are unchanged."""
from django.urls import path

from . import views

urlpatterns = [
    path("suppliers/", views.SupplierListView.as_view(), name="supplier_list"),
    path("suppliers/new/", views.SupplierCreateView.as_view(), name="supplier_create"),
    path("suppliers/<int:pk>/", views.SupplierDetailView.as_view(), name="supplier_detail"),
    path("suppliers/<int:pk>/edit/", views.SupplierUpdateView.as_view(), name="supplier_update"),
    path(
        "suppliers/<int:pk>/bank-details/", views.BankChangeRequestView.as_view(), name="bank_change_request"
    ),
    path("suppliers/bank-changes/", views.BankChangeListView.as_view(), name="bank_change_list"),
    path("suppliers/bank-changes/<int:pk>/", views.BankChangeDetailView.as_view(), name="bank_change_detail"),
    path(
        "suppliers/bank-changes/<int:pk>/document/",
        views.BankChangeDocumentView.as_view(),
        name="bank_change_document",
    ),
    path("orders/", views.PurchaseOrderListView.as_view(), name="purchase_order_list"),
    path("orders/new/", views.PurchaseOrderStartView.as_view(), name="purchase_order_create"),
    path(
        "orders/new/<int:convention_pk>/",
        views.PurchaseOrderCreateView.as_view(),
        name="purchase_order_create_lines",
    ),
    path("orders/<int:pk>/", views.PurchaseOrderDetailView.as_view(), name="purchase_order_detail"),
    path("orders/<int:pk>/send/", views.PurchaseOrderSendView.as_view(), name="purchase_order_send"),
    path("orders/<int:pk>/cancel/", views.PurchaseOrderCancelView.as_view(), name="purchase_order_cancel"),
    path("orders/<int:pk>/receive/", views.PurchaseOrderReceiveView.as_view(), name="purchase_order_receive"),
    path("orders/<int:pk>/invoice/", views.PurchaseOrderInvoiceView.as_view(), name="purchase_order_invoice"),
    path("orders/<int:pk>/quotes/", views.PurchaseOrderQuotesView.as_view(), name="purchase_order_quotes"),
    path(
        "orders/<int:pk>/quotes/<int:quote_pk>/delete/",
        views.QuoteDeleteView.as_view(),
        name="quote_delete",
    ),
    path(
        "orders/<int:pk>/quotes/<int:quote_pk>/document/",
        views.QuoteDocumentView.as_view(),
        name="quote_document",
    ),
    path("orders/<int:pk>/pdf/", views.PurchaseOrderPdfView.as_view(), name="purchase_order_pdf"),
    path(
        "projects/<uuid:public_id>/cash-grant/",
        views.DisbursementCreateView.as_view(),
        name="disbursement_create",
    ),
]
