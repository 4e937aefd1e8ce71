"""Who pays what: the partners of a convention and their shares of its envelope.

A convention is signed under a national framework agreement (`FrameworkAgreement`) and
funded by one or more partners (the CPDH, the Foundation…), each for a share of the
envelope; the shares add up to 100 %. What each partner has committed and disbursed is
its share of the convention's figures (`models.partner_parts`), so it follows whatever
those figures mean; the beneficiaries' own contributions come on top.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import (
    FULL_SHARE,
    ZERO,
    Convention,
    ConventionPartner,
    Partner,
    PartnerPart,
    own_contributions,
    partner_parts,
)


def shares_problem(shares: Iterable[tuple[Partner, Decimal]]) -> str | None:
    """Why these (partner, share %) pairs cannot be a convention's partners, or None."""
    shares = list(shares)
    if not shares:
        return _("Name at least one partner.")
    partners = [partner.pk for partner, _share in shares]
    if len(set(partners)) != len(partners):
        return _("Each partner appears once.")
    if any(share is None or share <= 0 or share > FULL_SHARE for _partner, share in shares):
        return _("Each share is more than 0 % and at most 100 %.")
    total = sum((share for _partner, share in shares), Decimal("0"))
    if total != FULL_SHARE:
        return _("The shares add up to %(total)s %%; they must add up to 100 %%.") % {
            "total": f"{total.normalize():f}".replace(".", ",")
        }
    return None


@transaction.atomic
def set_convention_partners(
    *, convention: Convention, shares: list[tuple[Partner, Decimal]], user
) -> list[ConventionPartner]:
    """Replace `convention`'s partners by `shares` ((partner, share %) pairs adding up to
    100 %). Rows of partners kept are updated, so their history reads as a change."""
    if not (
        user.has_perm("grants.change_convention")
        and Convention.objects.visible_to(user).filter(pk=convention.pk).exists()
    ):
        raise PermissionDenied(_("You may not change this convention's partners."))
    problem = shares_problem(shares)
    if problem:
        raise ValidationError(problem)
    # The convention's row is locked so that two editors cannot each leave half their shares.
    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    existing = {row.partner_id: row for row in convention.partner_shares.all()}
    wanted = {partner.pk: share for partner, share in shares}
    for partner_id, row in existing.items():
        if partner_id not in wanted:
            row.delete()
    rows = []
    for partner, share in shares:
        row = existing.get(partner.pk)
        if row is None:
            row = ConventionPartner.objects.create(convention=convention, partner=partner, share=share)
        elif row.share != share:
            row.share = share
            row.save(update_fields=["share"])
        rows.append(row)
    return rows


def ensure_lead_partner_share(convention: Convention) -> None:
    """A convention just created without partners' shares is its partner's at 100 %."""
    if not convention.partner_shares.exists():
        ConventionPartner.objects.create(convention=convention, partner=convention.partner, share=FULL_SHARE)


@dataclass
class Funding:
    """Who pays what for one convention: each partner's part, then the beneficiaries'."""

    parts: list[PartnerPart]
    own_contributions: Decimal
    committed: Decimal

    @property
    def total_cost(self) -> Decimal:
        """The cost of the projects funded: what the convention committed plus what the
        beneficiaries bring themselves."""
        return self.committed + self.own_contributions

    @property
    def own_share_of_cost(self) -> Decimal | None:
        if not self.total_cost:
            return None
        return (self.own_contributions * 100 / self.total_cost).quantize(Decimal("0.1"))


def funding(convention: Convention) -> Funding:
    """`convention` carries its figures (`with_stored_figures()`, `with_budget_figures()`)."""
    return Funding(
        parts=partner_parts(convention),
        own_contributions=own_contributions(convention),
        committed=getattr(convention, "committed", ZERO),
    )
