"""The permission matrix, walked over every URL pattern the resolver knows.

No list of URLs is kept here: each pattern of `get_resolver()` (namespaces included) is
a test case, its arguments filled from a small world of objects of Skhirate-Témara, so
a page added later is covered on its own. For each pattern:

- an anonymous visitor is sent to the login page (or gets 404/405);
- staff and officers of another prefecture (Rabat) get, for an object of Témara,
  exactly what they get for an object that does not exist (404, or 403/405 when their
  role may not use the page at all): nothing tells them the object exists, and lists
  never show Témara's files;
- the auditor's POST, PUT and DELETE are all refused and change nothing;
- an officer's POST is refused and changes nothing, except on review pages.

Object URLs are built by trying the world's objects whose kind fits each argument (the
view's model, the argument's name) until a user who may see them all gets a page.
"""

import datetime
import io
import itertools
import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from pypdf import PdfReader

from beneficiaries.models import Beneficiary
from ceremonies.models import Attendance, Ceremony, CeremonyPhoto, Guest, Handover
from grants.models import Amendment, FrameworkAgreement, Project, ProjectEvent, Review
from procurement.models import Quote, SupplierBankChange
from reintegration.accounts.roles import Role

from .conftest import verify_session
from .factories import (
    RABAT,
    SKHIRATE_TEMARA,
    AlertFactory,
    BeneficiaryFactory,
    CommitteeSessionFactory,
    ConventionFactory,
    DisbursementFactory,
    DocumentFactory,
    EquipmentItemFactory,
    FileTransferFactory,
    FollowUpVisitFactory,
    GrievanceFactory,
    ImageConsentFactory,
    JobFactory,
    PartnerFactory,
    PressReleaseFactory,
    ProjectFactory,
    PurchaseOrderFactory,
    ReferralFactory,
    SectorFactory,
    SupplierFactory,
    UserFactory,
    prefecture,
)

pytestmark = pytest.mark.django_db

SKIPPED_PREFIXES = ("admin/", "static/", "media")
# Pages of one's own account, which every role may use (including the auditor).
ACCOUNT_VIEWS = {
    "logout", "password_change", "password_change_done", "set_language",
    "security:otp_setup", "security:otp_verify", "security:recovery_codes",
}
REVIEW_WORDS = ("review", "decide", "decision")
REFUSED = {403, 404, 405}
# Tables that change on every request or login, whatever the user may do.
VOLATILE_APPS = {"sessions", "axes", "otp_totp", "otp_static", "contenttypes"}
PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>")
MARKER = "Zzyzxtemaraoui"
# Words URLs use for a model of another name.
ALIASES = {"certificate": "handover", "order": "purchaseorder", "cashgrant": "disbursement"}
PDF = b"%PDF-1.4\n%test\n"


def jpeg() -> bytes:
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, "JPEG")
    return buffer.getvalue()


JPEG = jpeg()


@dataclass
class Route:
    route: str
    name: str
    callback: object
    converters: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.name or '?'} /{self.route}"

    @property
    def params(self) -> list[tuple[str, str]]:
        return [(m["name"], m["converter"] or "str") for m in PARAMETER.finditer(self.route)]

    @property
    def is_public(self) -> bool:
        return getattr(self.callback, "login_required", True) is False

    def url(self, values: dict) -> str:
        def substitute(match):
            converter = self.converters.get(match["name"])
            value = values[match["name"]]
            return converter.to_url(value) if converter else str(value)

        return "/" + PARAMETER.sub(substitute, self.route)

    @property
    def view_model(self):
        view_class = getattr(self.callback, "view_class", None)
        if view_class is None:
            return None
        model = getattr(view_class, "model", None)
        queryset = getattr(view_class, "queryset", None)
        if model is None and queryset is not None:
            model = queryset.model
        filterset = getattr(view_class, "filterset_class", None)
        if model is None and filterset is not None:
            model = filterset._meta.model
        return model


def walk(patterns, prefix="", namespace="", converters=None):
    for entry in patterns:
        pattern_converters = {**(converters or {}), **getattr(entry.pattern, "converters", {})}
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if entry.namespace and namespace else (
                entry.namespace or namespace
            )
            yield from walk(entry.url_patterns, route, inner, pattern_converters)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else (entry.name or "")
            yield Route(route.lstrip("^").rstrip("$"), name, entry.callback, pattern_converters)


def project_routes() -> list[Route]:
    routes = []
    for route in walk(get_resolver().url_patterns):
        if route.route.startswith(SKIPPED_PREFIXES) or route.is_public:
            continue
        if "(?P<" in route.route or "\\" in route.route:
            continue  # regular-expression patterns: only the admin uses them
        routes.append(route)
    return routes


ROUTES = project_routes()


# The world: one of each object of Skhirate-Témara, primary keys apart from one another
# so that an integer in a URL names one object only.
def build_world(temara, staff, officer) -> list[models.Model]:
    ids = itertools.count(7001)

    def make(factory, **kwargs):
        return factory(id=next(ids), **kwargs)

    beneficiary = make(BeneficiaryFactory, last_name=MARKER, prefecture=temara)
    document = make(DocumentFactory, beneficiary=beneficiary)
    partner = make(PartnerFactory, name="CPDH Témara (monde de test)", prefecture=temara)
    convention = make(ConventionFactory, partner=partner, prefecture=temara)
    sector = make(SectorFactory, name_fr="Couture (monde de test)")
    supplier = make(SupplierFactory)
    projects = {}
    for status in Project.Status:
        funded = status in Project.COMMITTED_STATUSES
        projects[status] = make(
            ProjectFactory, beneficiary=beneficiary, sector=sector, status=status,
            convention=convention if funded else None,
            approved_amount=Decimal("50000.00") if funded else None,
            submitted_at=datetime.datetime(2024, 11, 4, 10, tzinfo=datetime.UTC)
            if status != Project.Status.DRAFT else None,
        )
    equipped = projects[Project.Status.EQUIPPED]
    order = make(PurchaseOrderFactory, supplier=supplier, convention=convention)
    item = make(EquipmentItemFactory, project=projects[Project.Status.APPROVED],
                supplier=supplier, purchase_order=order)
    handed_item = make(EquipmentItemFactory, project=equipped, supplier=supplier)
    quote = Quote.objects.create(id=next(ids), purchase_order=order, supplier=supplier,
                                 amount=Decimal("9000.00"), quoted_on=datetime.date(2024, 9, 1))
    disbursement = make(DisbursementFactory, project=equipped)
    visit = make(FollowUpVisitFactory, project=projects[Project.Status.ACTIVE])
    event = ProjectEvent.objects.create(
        id=next(ids), project=projects[Project.Status.SUBMITTED], from_status="draft",
        to_status="submitted", user=staff,
    )
    review = Review.objects.create(
        id=next(ids), project=projects[Project.Status.REJECTED], reviewer=officer,
        decision=Review.Decision.REJECT, reason="Étude incomplète",
    )
    amendment = Amendment.objects.create(
        id=next(ids), project=projects[Project.Status.ACTIVE], previous_amount=Decimal("50000.00"),
        requested_amount=Decimal("52000.00"), previous_cash_grant=Decimal("5000.00"),
        reason="Prix révisé", requested_by=staff,
    )
    planned = Ceremony.objects.create(
        id=next(ids), title="Remise prévue", held_on=datetime.date(2025, 6, 6), place="Témara",
        prefecture=temara, presided_by="M. le Gouverneur", presided_by_title="Gouverneur",
        convention=convention,
    )
    held = Ceremony.objects.create(
        id=next(ids), title="Remise du 6 décembre", held_on=datetime.date(2024, 12, 6),
        place="Témara", prefecture=temara, presided_by="M. le Gouverneur",
        presided_by_title="Gouverneur", convention=convention, status=Ceremony.Status.HELD,
    )
    held.projects.add(equipped)
    planned.projects.add(projects[Project.Status.APPROVED])
    guest = Guest.objects.create(id=next(ids), ceremony=held, name="M. le Gouverneur")
    handover = Handover.objects.create(
        id=next(ids), ceremony=held, project=equipped, certificate_number="AGR-2024-907001",
    )
    attendance = Attendance(
        id=next(ids), ceremony=held, project=equipped, status=Attendance.Status.REPRESENTED,
        proxy_name="Rachid Benali", proxy_cin="AB765432", proxy_document_content_type="application/pdf",
    )
    attendance.proxy_document.save("procuration.pdf", ContentFile(PDF))
    # Files behind the download pages.
    quote.document.save("devis.pdf", ContentFile(PDF))
    projects[Project.Status.SUBMITTED].feasibility_study.save("etude.pdf", ContentFile(PDF))
    visit.photo.save("visite.jpg", ContentFile(JPEG))
    handover.signed_copy_content_type = "application/pdf"
    handover.signed_copy.save("signe.pdf", ContentFile(PDF))
    photo = CeremonyPhoto(id=next(ids), ceremony=held, caption="Remise")
    photo.image.save("remise.jpg", ContentFile(JPEG))
    bank_change = SupplierBankChange(
        id=next(ids), supplier=supplier, new_rib="011780000012345678901296", reason="Nouvelle banque",
        requested_by=staff,
    )
    bank_change.document.save("attestation.pdf", ContentFile(PDF))
    agreement = FrameworkAgreement(
        id=next(ids), reference="AC-TEST-7000", title="Accord-cadre", starts_on=datetime.date(2023, 1, 1)
    )
    agreement.document.save("accord.pdf", ContentFile(PDF))
    convention.framework_agreement = agreement
    convention.save(update_fields=["framework_agreement"])
    grievance = make(GrievanceFactory, beneficiary=beneficiary)
    referral = make(ReferralFactory, beneficiary=beneficiary)
    # Asked for by a third prefecture (Salé), neither Témara's nor Rabat's outsiders'.
    transfer = make(FileTransferFactory, beneficiary=beneficiary, from_prefecture=temara,
                    to_prefecture=prefecture("04.441"), status="pending", decided_at=None,
                    requested_by=staff)
    session = make(CommitteeSessionFactory, prefecture=temara, recorded_by=officer)
    alert = make(AlertFactory, visit=visit, raised_on=datetime.date(2025, 1, 8))
    consent = make(ImageConsentFactory, beneficiary=beneficiary)
    make(PressReleaseFactory, ceremony=held)
    # A finished job of Témara's staff, its result stored: only they (and admins) open it.
    job = JobFactory(started_by=staff, status="succeeded", done=7, total=7)
    job.result_file.save("attestations.pdf", ContentFile(PDF))
    return [
        session, alert, consent, job,
        grievance, referral, transfer,
        beneficiary, document, *projects.values(), photo, convention, partner, sector, supplier,
        order, item, handed_item, quote, disbursement, visit, event, review, amendment, planned, held,
        guest, handover, attendance, bank_change, agreement,
    ]


@dataclass
class Value:
    obj: models.Model
    value: object
    score: int


def segment_before(route: Route, name: str) -> str:
    """`grants/orders/<int:pk>/` -> `order`: the word the URL puts before an argument."""
    before = route.route.split(f":{name}>")[0].rsplit("<", 1)[0].strip("/").rsplit("/", 1)[-1]
    word = before.replace("-", "").replace("_", "").lower()
    if word.endswith("ies"):
        word = word[:-3] + "y"
    elif word.endswith("s"):
        word = word[:-1]
    return ALIASES.get(word, word)


def candidates(world, route: Route, name: str, converter: str, last: bool) -> list[Value]:
    hint = name.lower().replace("_", "")
    segment = segment_before(route, name)
    found = []
    for obj in world:
        meta = obj._meta
        score = 0
        if meta.model_name in hint or hint.startswith(meta.model_name[:5]):
            score += 10
        if len(segment) >= 4 and segment in meta.model_name:
            score += 10
        if last and route.view_model is not None and isinstance(obj, route.view_model):
            score += 5
        if converter == "uuid":
            values = [getattr(obj, f.name) for f in meta.concrete_fields
                      if isinstance(f, models.UUIDField)]
        elif converter == "int":
            values = [obj.pk]
        elif name not in {"lang", "language"}:
            # Unique strings: references, file and certificate numbers, tokens.
            fields = [f for f in meta.concrete_fields
                      if isinstance(f, models.CharField) and f.unique and getattr(obj, f.name)]
            score += 10 * any(f.name == name or f.name.startswith(hint) for f in fields)
            values = [getattr(obj, f.name) for f in fields]
        else:
            values = []
        found.extend(Value(obj, value, score) for value in values)
    if converter not in {"uuid", "int"} and name in {"lang", "language"}:
        found.append(Value(None, "fr", 20))
    return sorted(found, key=lambda v: -v.score)


def related(parent, child) -> bool:
    if parent is None or child is None:
        return False
    seen, frontier = set(), [child]
    for _depth in range(2):
        nxt = []
        for obj in frontier:
            for f in obj._meta.concrete_fields:
                if isinstance(f, models.ForeignKey):
                    target = getattr(obj, f.name)
                    if target is not None and (type(target), target.pk) not in seen:
                        if type(target) is type(parent) and target.pk == parent.pk:
                            return True
                        seen.add((type(target), target.pk))
                        nxt.append(target)
        frontier = nxt
    return False


def combinations(world, route: Route, limit: int = 60):
    params = route.params
    lists = [candidates(world, route, name, conv, i == len(params) - 1)
             for i, (name, conv) in enumerate(params)]

    def rank(combo):
        score = sum(v.score for v in combo)
        score += sum(8 for a, b in itertools.pairwise(combo) if related(a.obj, b.obj))
        return -score

    combos = sorted(itertools.islice(itertools.product(*lists), 2000), key=rank)
    for combo in combos[:limit]:
        yield {name: v.value for (name, _c), v in zip(params, combo, strict=True)}, [
            v.obj for v in combo if v.obj is not None
        ]


def nonexistent(route: Route) -> dict:
    values = {}
    for name, converter in route.params:
        values[name] = {"uuid": uuid.uuid4(), "int": 999_999}.get(converter, "nonexistent-value")
        if name in {"lang", "language"}:
            values[name] = "fr"
    return values


def probe(route: Route, world, clients) -> tuple[dict, list] | tuple[None, None]:
    """Arguments that name real objects: the first that one of `clients` (users who
    may see the whole world) gets a page for, by GET, or by POST rolled back."""
    if not route.params:
        return {}, []
    combos = list(combinations(world, route))
    for client in clients:
        for values, objects in combos:
            url = route.url(values)
            status = client.get(url).status_code
            if status == 405:
                with transaction.atomic():
                    status = client.post(url).status_code
                    transaction.set_rollback(True)
            if status not in REFUSED:
                return values, objects
    return None, None


def snapshot() -> dict:
    state = {}
    for model in apps.get_models():
        if model._meta.app_label in VOLATILE_APPS or model._meta.proxy:
            continue
        state[model._meta.label] = list(model._base_manager.order_by("pk").values_list())
    return state


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    verify_session(client, user)
    return client


@dataclass
class World:
    objects: list
    clients: dict
    outsiders: list
    probed: dict = field(default_factory=dict)

    def probe(self, route: Route, *who: str):
        key = (str(route), who)
        if key not in self.probed:
            self.probed[key] = probe(route, self.objects, [self.clients[name] for name in who])
        return self.probed[key]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module inside a transaction rolled back at its end; each test
    runs in its own savepoint within it, so nothing a test does reaches the next."""
    with django_db_blocker.unblock(), transaction.atomic():
        temara, rabat = prefecture(SKHIRATE_TEMARA), prefecture(RABAT)
        cast = {
            "staff": UserFactory(username="walk_staff", role=Role.FOUNDATION_STAFF, prefectures=[temara]),
            "officer": UserFactory(
                username="walk_officer", role=Role.PREFECTURE_OFFICER, prefectures=[temara]),
            "outsider_staff": UserFactory(
                username="walk_outsider_staff", role=Role.FOUNDATION_STAFF, prefectures=[rabat]),
            "outsider_officer": UserFactory(
                username="walk_outsider_officer", role=Role.PREFECTURE_OFFICER, prefectures=[rabat]),
            "auditor": UserFactory(username="walk_auditor", role=Role.AUDITOR),
            "admin": UserFactory(username="walk_admin", role=Role.ADMIN, is_staff=True, is_superuser=True),
        }
        objects = build_world(temara, cast["staff"], cast["officer"])
        yield World(
            objects=objects,
            clients={name: signed_in(user) for name, user in cast.items()},
            outsiders=[("outsider_staff", cast["outsider_staff"]),
                       ("outsider_officer", cast["outsider_officer"])],
        )
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def world_files(world):
    """Put back any file of the world that a probing POST (rolled back in the database,
    not on disk) removed from storage."""
    for obj in world.objects:
        for model_field in obj._meta.concrete_fields:
            if isinstance(model_field, models.FileField):
                file = getattr(obj, model_field.name)
                if file and not file.storage.exists(file.name):
                    content = PDF if file.name.endswith(".pdf") else JPEG
                    file.storage.save(file.name, ContentFile(content))


def route_id(route: Route) -> str:
    return str(route)


def test_the_walk_finds_the_project_urls():
    names = {route.name for route in ROUTES}
    assert {"home", "audit:list", "security:beneficiary_export"} <= names
    assert not any(route.route.startswith("admin/") for route in ROUTES)
    assert not any(route.name == "login" for route in ROUTES)


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_anonymous_visitor_is_sent_to_the_login_page(route, world, client):
    # The login check comes before any object lookup: any argument will do.
    response = client.get(route.url(nonexistent(route)))
    if response.status_code in {404, 405}:
        return
    assert response.status_code == 302, route
    assert response["Location"].startswith("/login/"), route


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_users_of_another_prefecture_cannot_tell_a_temara_object_exists(route, world):
    if not route.params:
        # A list never shows Témara's files to Rabat's users.
        for who, _user in world.outsiders:
            response = world.clients[who].get(route.url({}))
            if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
                assert MARKER not in response.content.decode(), (who, route)
        return
    values, objects = world.probe(route, "admin", "staff", "officer")
    if values is None:
        pytest.skip(f"no object of the test world opens {route}")
    for who, outsider in world.outsiders:
        if all(type(obj).objects.visible_to(outsider).filter(pk=obj.pk).exists() for obj in objects):
            continue  # national reference data (suppliers, sectors): visible to all
        client = world.clients[who]
        for method in ("get", "post"):
            missing = getattr(client, method)(route.url(nonexistent(route))).status_code
            before = snapshot() if method == "post" else None
            status = getattr(client, method)(route.url(values)).status_code
            assert status in REFUSED, (who, method.upper(), route, status)
            assert status == missing, (who, method.upper(), route, status, missing)
            if before is not None:
                assert snapshot() == before, (who, route)


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_the_auditor_can_never_change_anything(route, world):
    if route.name in ACCOUNT_VIEWS:
        return
    values, _objects = world.probe(route, "admin", "staff", "officer")
    url = route.url(values if values is not None else nonexistent(route))
    before = snapshot()
    for method in ("post", "put", "delete"):
        status = getattr(world.clients["auditor"], method)(url).status_code
        assert status in REFUSED, (method.upper(), route, status)
    assert snapshot() == before, route


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_officers_can_only_review(route, world):
    if route.name in ACCOUNT_VIEWS or any(word in route.name for word in REVIEW_WORDS):
        return
    values, _objects = world.probe(route, "admin", "staff", "officer")
    url = route.url(values if values is not None else nonexistent(route))
    before = snapshot()
    status = world.clients["officer"].post(url).status_code
    assert status in REFUSED, (route, status)
    assert snapshot() == before, route


def test_a_beneficiary_url_carries_no_national_id_name_or_sequential_key(world):
    beneficiary = next(obj for obj in world.objects if isinstance(obj, Beneficiary))
    url = beneficiary.get_absolute_url() if _resolves("beneficiaries:detail") else (
        f"/privacy/beneficiaries/{beneficiary.public_id}/export/"
    )
    assert str(beneficiary.public_id) in url
    for value in (beneficiary.cin, beneficiary.last_name, beneficiary.file_number, f"/{beneficiary.pk}/"):
        assert value not in url


def _resolves(name: str) -> bool:
    return any(route.name == name for route in ROUTES)


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_every_pdf_carries_the_law_09_08_notice(route, world):
    values, _objects = world.probe(route, "admin", "staff", "officer")
    if values is None:
        return
    for who in ("admin", "staff"):
        response = world.clients[who].get(route.url(values))
        # Generated PDFs (common/pdf.py); uploaded files are streamed back as stored.
        if response.get("Content-Type", "").startswith("application/pdf") and not response.streaming:
            break
    else:
        return
    content = response.content
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    text = " ".join(text.split())
    assert "09-08" in text and settings.CNDP_AUTHORISATION in text, route
