"""Demo files: establishments and thirty beneficiaries in Skhirate-Témara, Rabat and Salé.

Idempotent: an establishment is looked up by name and prefecture, a beneficiary by
national ID number. Files are registered through `services.create_beneficiary`, like on
the staff pages. The seven Témara files AE100001..AE100007 (consent signed, eligible)
are the ones the grants seed gives projects to (the 6 December 2024 ceremony).
"""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from reintegration.demo.console import console_language
from reintegration.territories.models import Prefecture

from . import services
from .models import Beneficiary, BeneficiaryDocument, PenitentiaryEstablishment

TEMARA, RABAT, SALE, KHEMISSET, KENITRA = "04.501", "04.421", "04.441", "04.291", "04.281"

ESTABLISHMENTS = [
    ("Prison locale Tiflet 2", "السجن المحلي تيفلت 2", KHEMISSET),
    ("Prison locale Arjat 1", "السجن المحلي العرجات 1", SALE),
    ("Prison locale Salé 2", "السجن المحلي سلا 2", SALE),
    ("Prison centrale Kénitra", "السجن المركزي القنيطرة", KENITRA),
]
TIFLET, ARJAT, SALE_2, KENITRA_PC = (name for name, _name_ar, _code in ESTABLISHMENTS)

M, F = Beneficiary.Sex.MALE, Beneficiary.Sex.FEMALE
S = Beneficiary.Status

# cin, first, last, first (ar), last (ar), sex, born, prefecture, establishment, released,
# months, status, skills
PEOPLE = [
    # The seven of the Témara ceremony.
    ("AE100001", "Youssef", "El Amrani", "يوسف", "العمراني", M, "1991-04-12", TEMARA, TIFLET,
     "2023-02-14", 36, S.ELIGIBLE, "Boulangerie, pâtisserie traditionnelle"),
    ("AE100002", "Hamza", "Bennani", "حمزة", "بناني", M, "1995-09-03", TEMARA, ARJAT,
     "2023-06-30", 24, S.ELIGIBLE, "Menuiserie aluminium"),
    ("AE100003", "Khadija", "Ouhammou", "خديجة", "أوحمو", F, "1989-01-25", TEMARA, SALE_2,
     "2022-11-08", 30, S.ELIGIBLE, "Couture et broderie"),
    ("AE100004", "Mohamed", "Zerouali", "محمد", "الزروالي", M, "1986-07-19", TEMARA, TIFLET,
     "2023-09-21", 48, S.ELIGIBLE, "Coiffure hommes"),
    ("AE100005", "Abdelilah", "Chafik", "عبد الإله", "شفيق", M, "1993-12-02", TEMARA, ARJAT,
     "2024-01-15", 18, S.ELIGIBLE, "Réparation de téléphones"),
    ("AE100006", "Soukaina", "El Fassi", "سكينة", "الفاسي", F, "1997-05-27", TEMARA, SALE_2,
     "2023-04-03", 20, S.ELIGIBLE, "Pâtisserie, service traiteur"),
    ("AE100007", "Rachid", "Moutawakil", "رشيد", "المتوكل", M, "1984-03-09", TEMARA, KENITRA_PC,
     "2022-08-17", 60, S.ELIGIBLE, "Soudure, ferronnerie"),
    # Other files of Skhirate-Témara.
    ("AE112233", "Ayoub", "Lahlou", "أيوب", "لحلو", M, "1998-10-14", TEMARA, ARJAT,
     "2024-05-20", 14, S.REGISTERED, "Peinture en bâtiment"),
    ("AE118877", "Zakaria", "Bouzid", "زكرياء", "بوزيد", M, "1990-02-28", TEMARA, TIFLET,
     "2021-12-01", 40, S.INELIGIBLE, "Mécanique automobile"),
    ("AE120045", "Nabil", "Saidi", "نبيل", "السعيدي", M, "1994-06-06", TEMARA, SALE_2,
     "2024-03-11", 22, S.REGISTERED, "Plomberie"),
    ("AE121190", "Imane", "Berrada", "إيمان", "برادة", F, "1992-08-22", TEMARA, SALE_2,
     "2023-10-05", 16, S.REGISTERED, "Esthétique"),
    ("AE131415", "Anas", "Tahiri", "أنس", "الطاهري", M, "2009-06-01", TEMARA, None,
     "2024-09-30", 8, S.REGISTERED, "Apprentissage en électricité"),
    # Rabat.
    ("A412356", "Mehdi", "Alaoui", "مهدي", "العلوي", M, "1990-11-30", RABAT, ARJAT,
     "2023-07-12", 28, S.ELIGIBLE, "Cuisine, restauration rapide"),
    ("A398712", "Omar", "Benjelloun", "عمر", "بنجلون", M, "1988-04-04", RABAT, KENITRA_PC,
     "2022-05-25", 54, S.ELIGIBLE, "Menuiserie bois"),
    ("A421987", "Fatima Zahra", "Idrissi", "فاطمة الزهراء", "الإدريسي", F, "1996-02-17", RABAT,
     SALE_2, "2024-02-08", 12, S.REGISTERED, "Couture"),
    ("A376540", "Karim", "Naciri", "كريم", "الناصري", M, "1985-09-09", RABAT, TIFLET,
     "2021-03-16", 72, S.CLOSED, "Électricité bâtiment"),
    ("A405123", "Said", "Ouardi", "سعيد", "الوردي", M, "1993-01-11", RABAT, ARJAT,
     "2023-12-19", 26, S.ELIGIBLE, "Vente ambulante, commerce"),
    ("A389654", "Hicham", "Kettani", "هشام", "الكتاني", M, "1987-05-23", RABAT, ARJAT,
     "2022-10-10", 36, S.REGISTERED, "Informatique, maintenance"),
    ("A433210", "Latifa", "Amrani", "لطيفة", "العمراني", F, "1991-07-07", RABAT, SALE_2,
     "2024-06-27", 10, S.REGISTERED, "Coiffure dames"),
    ("A367891", "Adil", "Sebti", "عادل", "السبتي", M, "1983-12-24", RABAT, KENITRA_PC,
     "2020-09-01", 84, S.INELIGIBLE, "Tapisserie"),
    ("A412987", "Mustapha", "Jebli", "مصطفى", "الجبلي", M, "1995-03-15", RABAT, TIFLET,
     "2024-04-02", 18, S.REGISTERED, "Boulangerie"),
    # Salé.
    ("AD154321", "Ilyas", "Bouchta", "إلياس", "بوشتى", M, "1997-08-08", SALE, ARJAT,
     "2023-11-23", 20, S.ELIGIBLE, "Réparation de motos"),
    ("AD167890", "Redouane", "Lamrani", "رضوان", "اللمراني", M, "1989-10-01", SALE, SALE_2,
     "2022-12-12", 44, S.REGISTERED, "Carrelage"),
    ("AD143256", "Naima", "Skalli", "نعيمة", "السقلي", F, "1990-04-19", SALE, SALE_2,
     "2023-03-30", 24, S.ELIGIBLE, "Pâtisserie marocaine"),
    ("AD178654", "Abdelkader", "Harrak", "عبد القادر", "الحراق", M, "1982-06-28", SALE, KENITRA_PC,
     "2021-07-07", 96, S.REGISTERED, "Agriculture, élevage"),
    ("AD160011", "Younes", "Tazi", "يونس", "التازي", M, "1999-01-05", SALE, ARJAT,
     "2024-07-18", 9, S.REGISTERED, "Lavage automobile"),
    ("AD171234", "Ismail", "Filali", "إسماعيل", "الفيلالي", M, "1994-11-13", SALE, TIFLET,
     "2023-05-09", 30, S.ELIGIBLE, "Menuiserie aluminium"),
    ("AD150987", "Brahim", "Ait Lahcen", "إبراهيم", "آيت لحسن", M, "1986-02-02", SALE, ARJAT,
     "2022-02-21", 50, S.REGISTERED, "Maçonnerie"),
    ("AD163345", "Hajar", "Mansouri", "هاجر", "المنصوري", F, "1998-09-26", SALE, SALE_2,
     "2024-01-31", 15, S.REGISTERED, "Couture, retouches"),
    ("AD158876", "Tarik", "Rhazi", "طارق", "الغازي", M, "1992-03-03", SALE, ARJAT,
     "2023-08-14", 32, S.INELIGIBLE, "Restauration"),
]

# The path from "registered" to each demo status, with the reason written in the file (the
# programme's statuses come from the projects: grants.demo).
PATHS = {
    S.REGISTERED: [],
    S.ELIGIBLE: [(services.mark_eligible, "Enquête sociale favorable, dossier complet.")],
    S.INELIGIBLE: [(services.mark_ineligible, "Ne réside plus dans la préfecture.")],
    S.CLOSED: [(services.close_file, "Bénéficiaire parti à l'étranger, dossier clos.")],
}


def consent_form_pdf(name: str) -> bytes:
    """A one-page PDF standing for the scanned, signed consent form."""
    text = f"Formulaire de consentement signe - {name} (donnees de demonstration)"
    stream = f"BT /F1 12 Tf 60 780 Td ({text}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R"
        b"/Resources<</Font<</F1 5 0 R>>>>>>",
        b"<</Length %d>>stream\n" % len(stream) + stream + b"\nendstream",
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def seed(*, users, stdout) -> None:
    prefectures = {p.code: p for p in Prefecture.objects.filter(
        code__in=[TEMARA, RABAT, SALE, KHEMISSET, KENITRA]
    )}
    establishments = {}
    for name, name_ar, code in ESTABLISHMENTS:
        establishments[name], _created = PenitentiaryEstablishment.objects.get_or_create(
            name=name, prefecture=prefectures[code], defaults={"name_ar": name_ar}
        )
    author = {TEMARA: users["staff"], RABAT: users["staff_rabat"], SALE: users["staff_rabat"]}

    created = 0
    for index, person in enumerate(PEOPLE):
        (cin, first, last, first_ar, last_ar, sex, born, code, establishment, released,
         months, status, skills) = person
        if Beneficiary.objects.filter(cin=cin).exists():
            continue
        user = author[code]
        birth_date = datetime.date.fromisoformat(born)
        release_date = datetime.date.fromisoformat(released)
        consent = release_date + datetime.timedelta(days=45)
        minor = (timezone.localdate() - birth_date).days < 18 * 365
        documents = []
        if status != S.REGISTERED or index < 7:
            documents.append(services.NewDocument(
                kind=BeneficiaryDocument.Kind.CONSENT_FORM,
                file=SimpleUploadedFile(
                    "consentement-signe.pdf", consent_form_pdf(f"{first} {last}"), "application/pdf"
                ),
            ))
        if status in {S.ELIGIBLE, S.INELIGIBLE}:
            # What the eligibility rules ask (services.eligibility_problems).
            for kind, filename in ((BeneficiaryDocument.Kind.ID_COPY, "cin.pdf"),
                                   (BeneficiaryDocument.Kind.RELEASE_CERTIFICATE, "levee-ecrou.pdf")):
                documents.append(services.NewDocument(kind=kind, file=SimpleUploadedFile(
                    filename, consent_form_pdf(f"{first} {last}"), "application/pdf",
                )))
        beneficiary = services.create_beneficiary(
            user=user,
            fields={
                "first_name": first, "last_name": last,
                "first_name_ar": first_ar, "last_name_ar": last_ar,
                "cin": cin, "birth_date": birth_date, "sex": sex,
                "phone": f"06{61 + index % 20:02d}{(index * 7919) % 1000000:06d}",
                "address": f"Quartier {['Al Wifaq', 'Massira', 'Hay Riad', 'Tabriquet'][index % 4]}, "
                           f"n° {10 + index}",
                "prefecture": prefectures[code],
                "education_level": list(Beneficiary.EducationLevel)[index % 5],
                "family_status": list(Beneficiary.FamilyStatus)[index % 3],
                "dependents": index % 4,
                "establishment": establishments.get(establishment),
                "release_date": release_date,
                "detention_months": months,
                "prison_training": skills if index % 2 == 0 else "",
                "skills": skills,
                "consent_signed_on": consent if documents else None,
                "guardian_name": "Fatima Tahiri (mère)" if minor else "",
                "guardian_consent_signed_on": consent if minor else None,
            },
            documents=documents,
            confirmed_different_person=True,
        )
        for move, reason in PATHS[status]:
            beneficiary = move(beneficiary=beneficiary, user=user, reason=reason)
        created += 1
    with console_language():
        stdout.write(_("Beneficiaries: %(created)s, %(existing)s.") % {
            "created": ngettext("%(count)s file created", "%(count)s files created", created)
            % {"count": created},
            "existing": ngettext("%(count)s already there", "%(count)s already there",
                                 len(PEOPLE) - created) % {"count": len(PEOPLE) - created},
        })
