"""The committee session's minutes as a PDF, French and Arabic side by side, through the
project's one PDF pipeline (reintegration.common.pdf)."""

from django.conf import settings
from django.utils import timezone

from reintegration.common.pdf import PdfDocument, render_pdf

from .models import ZERO, CommitteeDecision, CommitteeSession


def minutes_pdf(session: CommitteeSession, decisions: list[CommitteeDecision]) -> PdfDocument:
    approved = [d for d in decisions if d.decision == CommitteeDecision.Decision.APPROVE]
    context = {
        "session": session,
        "decisions": decisions,
        "approved_count": len(approved),
        "refused_count": len(decisions) - len(approved),
        "approved_total": sum((d.amount for d in approved), ZERO),
        "foundation_name": settings.FOUNDATION_NAME,
        "foundation_name_ar": settings.FOUNDATION_NAME_AR,
        "cndp_authorisation": settings.CNDP_AUTHORISATION,
        "data_protection_law": settings.DATA_PROTECTION_LAW,
        "printed_on": timezone.localdate(),
    }
    number = "".join(c if c.isalnum() or c in "-_" else "-" for c in session.minutes_number)
    return render_pdf(
        "grants/pdf/committee_minutes.html", context,
        filename=f"pv-cpdh-{session.held_on:%Y-%m-%d}-{number}.pdf", language="fr",
    )
