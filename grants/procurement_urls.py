# Included by grants/urls.py under the "grants" namespace.
urlpatterns = []
