"""The sections of the staff interface, shown to each user by what their role may use.

A section appears once its URL exists and the user holds its permission, so the menu
and the home page never offer a page that would refuse the user.
"""

from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Section:
    url_name: str
    label: str
    icon: str
    description: str
    permission: str


SECTIONS = [
    Section("dashboard", _("Dashboard"), "bi-bar-chart",
            _("Figures per prefecture, convention and sector."), "beneficiaries.view_beneficiary"),
    Section("beneficiaries:list", _("Beneficiaries"), "bi-person-vcard",
            _("Files of the former detainees supported."), "beneficiaries.view_beneficiary"),
    Section("grants:project_list", _("Projects"), "bi-briefcase",
            _("Income-generating projects and their equipment."), "grants.view_project"),
    Section("grants:review_queue", _("Review queue"), "bi-clipboard-check",
            _("Projects waiting for your decision."), "grants.add_review"),
    Section("grants:committee_session_list", _("Committee sessions"), "bi-people",
            _("CPDH committee sessions and their decisions."), "grants.view_committeesession"),
    Section("grants:amendment_list", _("Amendments"), "bi-pencil-square",
            _("Changes of approved amounts waiting for your decision."), "grants.change_amendment"),
    Section("grants:convention_list", _("Conventions"), "bi-bank",
            _("INDH partnership conventions and their budgets."), "grants.view_convention"),
    Section("grants:supplier_list", _("Suppliers"), "bi-truck",
            _("Suppliers, purchase orders and deliveries."), "procurement.view_supplier"),
    Section("grants:visit_list", _("Follow-up visits"), "bi-calendar-check",
            _("Visits due and overdue."), "followup.view_followupvisit"),
    Section("grants:alert_list", _("Alerts"), "bi-exclamation-triangle",
            _("Risks signalled by follow-up visits, and what was done about them."), "followup.view_alert"),
    Section("cases:grievance_list", _("Grievances"), "bi-megaphone",
            _("Complaints and feedback of beneficiaries, with their deadlines."), "cases.view_grievance"),
    Section("cases:referral_list", _("Referrals"), "bi-signpost-split",
            _("Referrals to partner services and their outcomes."), "cases.view_referral"),
    Section("cases:transfer_list", _("File transfers"), "bi-arrow-left-right",
            _("Files moving between prefectures."), "cases.view_filetransfer"),
    Section("cases:sms_list", _("SMS"), "bi-chat-text",
            _("Messages sent to beneficiaries, and their replies."), "cases.view_smsmessage"),
    Section("ceremonies:list", _("Ceremonies"), "bi-award",
            _("Handover ceremonies and certificates."), "ceremonies.view_ceremony"),
    Section("audit:list", _("Access log"), "bi-journal-text",
            _("Who read, downloaded or exported which file."), "audit.view_accesslog"),
]


def nav_sections(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_sections": []}
    home_url, linked = links(get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
    sections = []
    for section, url in linked:
        # The user's permissions, read once for this request (accounts/access.py).
        if not user.has_perm(section.permission):
            continue
        sections.append({
            "url": url,
            "label": section.label,
            "icon": section.icon,
            "description": section.description,
            "active": url != "/" and request.path.startswith(url),
        })
    home_active = request.path == home_url
    return {
        "nav_sections": sections,
        "nav_home_url": home_url,
        "nav_home_active": home_active,
        # What the menu's HTML depends on, besides the language: base.html keeps it in the
        # cache under this key, for everyone who sees the same sections.
        "nav_key": "|".join([str(home_active)] + [
            f"{item['url']}{'*' if item['active'] else ''}" for item in sections
        ]),
    }


@cache
def links(urlconf: str, script_prefix: str) -> tuple[str, tuple[tuple[Section, str], ...]]:
    """The home page's URL, and the sections whose page exists with theirs: reversed once
    per process (and per URL configuration) rather than on every page. The labels stay
    lazy, so each page shows them in its own language."""
    linked = []
    for section in SECTIONS:
        try:
            linked.append((section, reverse(section.url_name, urlconf=urlconf)))
        except NoReverseMatch:
            continue
    return reverse("home", urlconf=urlconf), tuple(linked)
