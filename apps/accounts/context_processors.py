from apps.accounts.selectors import organisation_get
from apps.core.mail import local_mailbox_open_to
from apps.core.navigation import account_navigation


def organisation(request):
    """The data controller for the footer of every page (P-05), and the account navigation."""
    return {
        "controller": organisation_get(),
        "account_nav": account_navigation(request),
        "settings_local_mailbox": local_mailbox_open_to(request),
    }
