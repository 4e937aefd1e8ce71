"""factory_boy factories for every model; tests build their world from these."""

import datetime
from decimal import Decimal

import factory
from axes.models import AccessAttempt, AccessFailureLog
from axes.models import AccessLog as AxesAccessLog
from django.contrib.auth.models import Group
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from beneficiaries.models import Beneficiary, BeneficiaryDocument, PenitentiaryEstablishment
from beneficiaries.services import REQUIRED_DOCUMENTS
from cases.models import ContactPreference, FileTransfer, Grievance, Referral, SmsMessage
from ceremonies.models import (
    Attendance,
    Ceremony,
    CeremonyPhoto,
    Handover,
    ImageConsent,
    PressCoverage,
    PressRelease,
)
from followup.models import Alert, FollowUpVisit
from followup.services import refresh_outcome
from grants.models import (
    Amendment,
    CommitteeDecision,
    CommitteeSession,
    Convention,
    ConventionPartner,
    DasOpinion,
    EquipmentItem,
    FrameworkAgreement,
    KitItem,
    Partner,
    Project,
    ProjectEvent,
    Review,
    Sector,
)
from grants.services import pathway_status, refresh_convention_figures
from procurement.models import Disbursement, PurchaseOrder, Quote, Supplier, SupplierBankChange
from reintegration.accounts.models import User
from reintegration.audit.models import AccessLog
from reintegration.jobs.models import Job
from reintegration.sequences.models import next_number
from reintegration.territories.models import Prefecture, Region

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


def letters(n: int) -> str:
    """0 -> "Ba", 1 -> "Bb", …: a number written in letters, for names."""
    word = ""
    n += 26
    while n:
        n, digit = divmod(n, 26)
        word = "abcdefghijklmnopqrstuvwxyz"[digit] + word
    return word.capitalize()


class BeneficiaryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Beneficiary

    file_number = factory.LazyFunction(lambda: next_number("BEN", datetime.date.today().year, 5))
    first_name = factory.Iterator(["Youssef", "Fatima", "Hamza", "Khadija", "Omar", "Salma"])
    # Letters only, as the name's validator wants (Alaoui-Ba, Alaoui-Bb, …).
    last_name = factory.Sequence(lambda n: f"Alaoui-{letters(n)}")
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


def required_documents(beneficiary):
    """The documents the eligibility rules ask for (beneficiaries.services.REQUIRED_DOCUMENTS)."""
    for kind in REQUIRED_DOCUMENTS:
        DocumentFactory(beneficiary=beneficiary, kind=kind)
    return beneficiary


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


class FrameworkAgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FrameworkAgreement

    reference = factory.Sequence(lambda n: f"AC-FRD-INDH-{n:03d}")
    title = "Accord-cadre Fondation – INDH"
    starts_on = datetime.date(2023, 1, 1)
    ends_on = datetime.date(2027, 12, 31)

    @factory.post_generation
    def parties(self, create, extracted, **kwargs):
        if create:
            self.parties.set(extracted or [
                PartnerFactory(name="Fondation", kind=Partner.Kind.FOUNDATION),
                PartnerFactory(name="INDH", kind=Partner.Kind.INDH),
            ])


class ConventionPartnerFactory(factory.django.DjangoModelFactory):
    """The convention's own partner at 100 %, as a new convention starts."""

    class Meta:
        model = ConventionPartner

    convention = factory.SubFactory(ConventionFactory)
    partner = factory.SelfAttribute("convention.partner")
    share = Decimal("100")


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
        pathway_as_the_project_implies(project)
        return project


def pathway_as_the_project_implies(project) -> None:
    """Put the beneficiary's file where the workflow would have put it for a project made
    in this state: eligible before approval (a registered file only), then as its running
    projects imply, closed once none runs (grants.services.follow_pathway)."""
    beneficiary = project.beneficiary
    status = beneficiary.status
    implied = pathway_status(beneficiary)
    if implied is not None:
        status = implied
    elif project.status in {Project.Status.CLOSED, Project.Status.ABANDONED}:
        status = Beneficiary.Status.CLOSED
    elif status == Beneficiary.Status.REGISTERED:
        status = Beneficiary.Status.ELIGIBLE
    if status != beneficiary.status:
        Beneficiary.objects.filter(pk=beneficiary.pk).update(status=status)
        beneficiary.status = status


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


class SupplierBankChangeFactory(factory.django.DjangoModelFactory):
    """A pending request to change a supplier's RIB, with its bank certificate."""

    class Meta:
        model = SupplierBankChange

    supplier = factory.SubFactory(SupplierFactory)
    new_rib = "011780000012345678901296"
    reason = "Changement de banque du fournisseur"
    document = factory.django.FileField(filename="attestation.pdf", data=b"%PDF-1.4\n%rib\n")
    requested_by = factory.SubFactory(UserFactory)


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

    # Paid on an approved project with room for it, as the ledger admits (check_ledger).
    project = factory.SubFactory(
        ProjectFactory,
        status=Project.Status.APPROVED,
        convention=factory.SubFactory(
            ConventionFactory, prefecture=factory.SelfAttribute("..prefecture")
        ),
        approved_amount=Decimal("50000.00"),
    )
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


class AlertFactory(factory.django.DjangoModelFactory):
    """An open alert on a made visit that signals it (as `followup.services.sync_alerts` raises)."""

    class Meta:
        model = Alert

    visit = factory.SubFactory(
        FollowUpVisitFactory, visited_on=datetime.date(2025, 1, 8), equipment_missing=True,
        activity_status=FollowUpVisit.ActivityStatus.ACTIVE,
    )
    kind = Alert.Kind.EQUIPMENT_MISSING
    raised_on = factory.SelfAttribute("visit.visited_on")


class CeremonyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ceremony

    title = "Cérémonie de remise des équipements"
    held_on = datetime.date(2024, 12, 6)
    place = "Témara"
    prefecture = factory.LazyFunction(prefecture)
    presided_by = "M. le Gouverneur"
    presided_by_title = "Gouverneur de la préfecture de Skhirate-Témara"


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attendance

    ceremony = factory.SubFactory(CeremonyFactory)
    project = factory.SubFactory(ProjectFactory)
    status = Attendance.Status.REPRESENTED
    proxy_name = "Rachid Benali"
    proxy_cin = "AB765432"
    proxy_document_content_type = "application/pdf"
    proxy_document = factory.django.FileField(filename="procuration.pdf", data=b"%PDF-1.4\n%proxy\n")


class HandoverFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Handover

    ceremony = factory.SubFactory(CeremonyFactory)
    project = factory.SubFactory(ProjectFactory)
    certificate_number = factory.LazyFunction(lambda: next_number("AGR", 2024, 6))


# --- the rest of the Django admin's models (tests/test_admin_walk.py) ------------------

class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Group

    name = factory.Sequence(lambda n: f"Groupe de test {n}")


class RegionFactory(factory.django.DjangoModelFactory):
    """A region of no map, for the admin's pages only: other tests look territories up."""

    class Meta:
        model = Region

    code = "99"
    name_fr = "Région de test"
    name_ar = "جهة الاختبار"


class PrefectureFactory(factory.django.DjangoModelFactory):
    """A prefecture of no map, for the admin's pages only (see RegionFactory)."""

    class Meta:
        model = Prefecture

    code = "99.999"
    name_fr = "Préfecture de test"
    name_ar = "عمالة الاختبار"
    kind = Prefecture.Kind.PREFECTURE
    region = factory.LazyFunction(lambda: Region.objects.order_by("code").first())


class AccessLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccessLog

    user = factory.SubFactory(UserFactory)
    action = AccessLog.Action.VIEW
    object_type = "beneficiaries.Beneficiary"
    object_id = "00000000-0000-0000-0000-000000000001"
    ip_address = "10.0.0.1"
    path = "/beneficiaries/00000000-0000-0000-0000-000000000001/"


class AmendmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Amendment

    project = factory.SubFactory(
        ProjectFactory, status=Project.Status.APPROVED, convention=factory.SubFactory(ConventionFactory),
        approved_amount=Decimal("20000.00"),
    )
    previous_amount = Decimal("20000.00")
    requested_amount = Decimal("25000.00")
    previous_cash_grant = Decimal("5000.00")
    reason = "Hausse du prix du four."
    requested_by = factory.SubFactory(UserFactory)


class DasOpinionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DasOpinion

    project = factory.SubFactory(ProjectFactory, status=Project.Status.SUBMITTED)
    officer = factory.SubFactory(UserFactory)
    opinion = DasOpinion.Opinion.FAVOURABLE
    reason = "Dossier complet, projet viable."


class CommitteeSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommitteeSession

    prefecture = factory.LazyFunction(prefecture)
    held_on = datetime.date(2024, 10, 3)
    minutes_number = factory.Sequence(lambda n: f"PV-{n + 1:02d}/2024")
    members = "M. le Gouverneur, président\nChef de la DAS"


class CommitteeDecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommitteeDecision

    session = factory.SubFactory(CommitteeSessionFactory)
    project = factory.SubFactory(ProjectFactory, status=Project.Status.REJECTED)
    decision = CommitteeDecision.Decision.REFUSE
    reason = "Étude de marché insuffisante."
class JobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Job

    kind = Job.Kind.CEREMONY_DOCUMENTS
    task = "ceremonies.hold_ceremony"
    title = "Attestations de la cérémonie de Témara"
    started_by = factory.SubFactory(UserFactory)
    total = 7
    done = 3
    status = Job.Status.RUNNING


class ProjectEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjectEvent

    project = factory.SubFactory(ProjectFactory)
    from_status = Project.Status.DRAFT
    to_status = Project.Status.SUBMITTED
    user = factory.SubFactory(UserFactory)


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review

    project = factory.SubFactory(ProjectFactory)
    reviewer = factory.SubFactory(UserFactory)
    decision = Review.Decision.RETURN
    reason = "Devis manquant"


class QuoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Quote

    purchase_order = factory.SubFactory(PurchaseOrderFactory)
    supplier = factory.SelfAttribute("purchase_order.supplier")
    amount = Decimal("9000.00")
    quoted_on = datetime.date(2024, 9, 1)


class AxesAccessAttemptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccessAttempt

    username = "someone"
    ip_address = "10.0.0.2"
    user_agent = "test"
    http_accept = "text/html"
    path_info = "/login/"
    get_data = ""
    post_data = "username=someone"
    failures_since_start = 1


class AxesAccessLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AxesAccessLog

    username = "someone"
    ip_address = "10.0.0.2"
    user_agent = "test"
    http_accept = "text/html"
    path_info = "/login/"


class AxesAccessFailureLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccessFailureLog

    username = "someone"
    ip_address = "10.0.0.2"
    user_agent = "test"
    http_accept = "text/html"
    path_info = "/login/"


class TOTPDeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TOTPDevice

    user = factory.SubFactory(UserFactory)
    name = "authenticator"
    confirmed = True


class StaticDeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaticDevice

    user = factory.SubFactory(UserFactory)
    name = "recovery codes"
    confirmed = True


class CeremonyPhotoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CeremonyPhoto

    ceremony = factory.SubFactory(CeremonyFactory)
    content_type = "image/png"
    image = factory.django.ImageField(filename="remise.png", format="PNG", width=4, height=4)
    caption = "Remise des équipements"


# --- cases: grievances, referrals, transfers ------------------------------------------

class GrievanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Grievance

    reference = factory.LazyFunction(lambda: next_number("REC", datetime.date.today().year, 5))
    beneficiary = factory.SubFactory(BeneficiaryFactory)
    category = Grievance.Category.EQUIPMENT_DEFECTIVE
    description = "Le four livré ne chauffe pas."
    raised_on = factory.LazyFunction(datetime.date.today)
    due_on = factory.LazyAttribute(lambda g: Grievance.default_due_on(g.category, g.raised_on))


class ReferralFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Referral

    beneficiary = factory.SubFactory(BeneficiaryFactory)
    service = Referral.Service.ANAPEC
    reason = "Recherche d'un emploi salarié en attendant le lancement du projet."
    referred_on = factory.LazyFunction(datetime.date.today)


class FileTransferFactory(factory.django.DjangoModelFactory):
    """An answered request (accepted): a pending one would stop the admin walk's copy
    of it (one pending request per file)."""

    class Meta:
        model = FileTransfer

    beneficiary = factory.SubFactory(BeneficiaryFactory)
    from_prefecture = factory.LazyFunction(lambda: prefecture(RABAT))
    to_prefecture = factory.LazyFunction(prefecture)
    reason = "La personne habite désormais à Témara."
    requested_by = factory.SubFactory(UserFactory)
    status = FileTransfer.Status.ACCEPTED
    decided_at = factory.LazyFunction(lambda: datetime.datetime.now(datetime.UTC))


class ContactPreferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactPreference

    beneficiary = factory.SubFactory(BeneficiaryFactory, phone="+212612345678")
    language = ContactPreference.Language.ARABIC
    sms_consent_on = datetime.date(2024, 1, 10)


class SmsMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SmsMessage

    beneficiary = factory.SubFactory(BeneficiaryFactory, phone="+212612345678")
    phone = "+212612345678"
    template = SmsMessage.Template.VISIT_REMINDER
    language = "ar"
    body = "مرحبا"
    status = SmsMessage.Status.SENT


class ImageConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImageConsent

    beneficiary = factory.SubFactory(BeneficiaryFactory)
    granted = True
    signed_on = datetime.date(2024, 11, 29)
    signed_form_content_type = "application/pdf"
    signed_form = factory.django.FileField(filename="droit-image.pdf", data=b"%PDF-1.4\n%consent\n")


class PressReleaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PressRelease

    ceremony = factory.SubFactory(CeremonyFactory)
    text_fr = "Témara, le 6 décembre 2024 — Remise d'équipements à sept anciens détenus."
    text_ar = "تمارة في 6 دجنبر 2024 — تسليم تجهيزات لفائدة سبعة من النزلاء السابقين."


class PressCoverageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PressCoverage

    ceremony = factory.SubFactory(CeremonyFactory)
    outlet = "Maghreb Arabe Presse"
    published_on = datetime.date(2024, 12, 6)
    url = "https://www.mapexpress.ma/"
