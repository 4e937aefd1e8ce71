"""factory_boy factories for every model; tests build their world from these."""

import datetime
from decimal import Decimal

import factory
from django.contrib.auth.models import Group

from beneficiaries.models import Beneficiary, BeneficiaryDocument, PenitentiaryEstablishment
from ceremonies.models import Ceremony, Handover
from grants.models import (
    Convention,
    Disbursement,
    EquipmentItem,
    FollowUpVisit,
    KitItem,
    Partner,
    Project,
    PurchaseOrder,
    Sector,
    Supplier,
)
from grants.services import refresh_convention_figures, refresh_outcome
from reintegration.accounts.models import User
from reintegration.sequences.models import next_number
from reintegration.territories.models import Prefecture

SKHIRATE_TEMARA = "04.501"
RABAT = "04.421"


def prefecture(code: str = SKHIRATE_TEMARA) -> Prefecture:
    """Territories come from the data migration; tests look them up, never create them."""
    return Prefecture.objects.get(code=code)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct-horse-battery")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))

    @factory.post_generation
    def prefectures(self, create, extracted, **kwargs):
        if create and extracted:
            self.prefectures.set(extracted)


class EstablishmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PenitentiaryEstablishment

    name = factory.Sequence(lambda n: f"Prison locale {n}")
    prefecture = factory.LazyFunction(prefecture)


class BeneficiaryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Beneficiary

    file_number = factory.LazyFunction(lambda: next_number("BEN", datetime.date.today().year, 5))
    first_name = factory.Iterator(["Youssef", "Fatima", "Hamza", "Khadija", "Omar", "Salma"])
    last_name = factory.Sequence(lambda n: f"Alaoui{n}")
    first_name_ar = "يوسف"
    last_name_ar = "العلوي"
    cin = factory.Sequence(lambda n: f"AB{100000 + n}")
    birth_date = datetime.date(1990, 5, 17)
    sex = Beneficiary.Sex.MALE
    prefecture = factory.LazyFunction(prefecture)
    establishment = None
    release_date = datetime.date(2023, 3, 1)
    consent_signed_on = datetime.date(2024, 1, 10)


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BeneficiaryDocument

    beneficiary = factory.SubFactory(BeneficiaryFactory)
    kind = BeneficiaryDocument.Kind.ID_COPY
    content_type = "application/pdf"
    file = factory.django.FileField(filename="id.pdf", data=b"%PDF-1.4\n%test\n")
    original_name = "id.pdf"


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner
        django_get_or_create = ["name"]

    name = "CPDH Skhirate-Témara"
    kind = Partner.Kind.CPDH
    prefecture = factory.LazyFunction(prefecture)


class ConventionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Convention

    reference = factory.Sequence(lambda n: f"CONV-INDH3-{n:03d}")
    title = "Inclusion économique des anciens détenus"
    partner = factory.SubFactory(PartnerFactory)
    prefecture = factory.LazyFunction(prefecture)
    indh_phase = 3
    starts_on = datetime.date(2024, 1, 1)
    ends_on = datetime.date(2026, 12, 31)
    signed_on = datetime.date(2023, 12, 15)
    envelope = Decimal("500000.00")
    status = Convention.Status.ACTIVE


class SectorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sector
        django_get_or_create = ["name_fr"]

    name_fr = "Boulangerie"
    name_ar = "مخبزة"
    name_en = "Bakery"


class KitItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KitItem

    sector = factory.SubFactory(SectorFactory)
    designation = "Four à sole"
    quantity = 1
    reference_price = Decimal("30000.00")


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    reference = factory.LazyFunction(lambda: next_number("PRJ", datetime.date.today().year, 5))
    beneficiary = factory.SubFactory(BeneficiaryFactory)
    title = "Boulangerie de quartier"
    sector = factory.SubFactory(SectorFactory)
    prefecture = factory.SelfAttribute("beneficiary.prefecture")
    cash_grant_amount = Decimal("5000.00")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        project = super()._create(model_class, *args, **kwargs)
        # As every door that funds a project, pays it or invoices its equipment does.
        refresh_convention_figures(conventions=[project.convention_id])
        return project


class EquipmentItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EquipmentItem

    project = factory.SubFactory(ProjectFactory)
    designation = factory.Iterator(["Four", "Pétrin", "Table de travail"])
    quantity = 1
    unit_price = Decimal("10000.00")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        line = super()._create(model_class, *args, **kwargs)
        refresh_convention_figures(conventions=[line.project.convention_id])
        return line


class SupplierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Supplier

    name = factory.Sequence(lambda n: f"Équipements du Maroc {n}")
    ice = ""


class PurchaseOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PurchaseOrder

    number = factory.LazyFunction(lambda: next_number("BC", datetime.date.today().year, 5))
    supplier = factory.SubFactory(SupplierFactory)
    convention = factory.SubFactory(ConventionFactory)
    ordered_on = datetime.date(2024, 10, 1)


class DisbursementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Disbursement

    project = factory.SubFactory(ProjectFactory)
    amount = Decimal("5000.00")
    paid_on = datetime.date(2024, 12, 6)
    method = Disbursement.Method.TRANSFER

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        payment = super()._create(model_class, *args, **kwargs)
        refresh_convention_figures(conventions=[payment.project.convention_id])
        return payment


class FollowUpVisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUpVisit

    project = factory.SubFactory(ProjectFactory)
    due_on = datetime.date(2025, 1, 6)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        visit = super()._create(model_class, *args, **kwargs)
        refresh_outcome(project=visit.project)  # as every door that writes a visit does
        return visit


class CeremonyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ceremony

    title = "Cérémonie de remise des équipements"
    held_on = datetime.date(2024, 12, 6)
    place = "Témara"
    prefecture = factory.LazyFunction(prefecture)
    presided_by = "M. le Gouverneur"
    presided_by_title = "Gouverneur de la préfecture de Skhirate-Témara"


class HandoverFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Handover

    ceremony = factory.SubFactory(CeremonyFactory)
    project = factory.SubFactory(ProjectFactory)
    certificate_number = factory.LazyFunction(lambda: next_number("AGR", 2024, 6))
