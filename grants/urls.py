from .procurement_urls import urlpatterns as procurement_urlpatterns

app_name = "grants"

# Conventions, projects and their review (grants/views.py).
urlpatterns = []

# Suppliers, purchase orders, deliveries, cash grants and follow-up visits.
urlpatterns += procurement_urlpatterns
