"""Your Account pages for the service's data, one module per sub-domain; each module lists its
own ``urlpatterns`` (joined in ``apps/service_data/urls.py``)."""
