"""Names and words of the benchmark's data set: Moroccan names in both scripts, trades
and the equipment each one buys. Only the benchmark seed reads them."""

MALE_FIRST_NAMES = [
    ("Mohamed", "محمد"), ("Ahmed", "أحمد"), ("Youssef", "يوسف"), ("Hamza", "حمزة"),
    ("Omar", "عمر"), ("Said", "سعيد"), ("Rachid", "رشيد"), ("Abdelaziz", "عبد العزيز"),
    ("Mustapha", "مصطفى"), ("Hassan", "حسن"), ("Khalid", "خالد"), ("Karim", "كريم"),
    ("Anas", "أنس"), ("Ayoub", "أيوب"), ("Bilal", "بلال"), ("Ismail", "إسماعيل"),
    ("Mehdi", "المهدي"), ("Nabil", "نبيل"), ("Adil", "عادل"), ("Tarik", "طارق"),
    ("Yassine", "ياسين"), ("Zakaria", "زكرياء"), ("Soufiane", "سفيان"), ("Hicham", "هشام"),
    ("Abdellah", "عبد الله"), ("Jamal", "جمال"), ("Redouane", "رضوان"), ("Driss", "إدريس"),
    ("Brahim", "إبراهيم"), ("Amine", "أمين"), ("Mourad", "مراد"), ("Noureddine", "نور الدين"),
    ("Abdelkader", "عبد القادر"), ("Othmane", "عثمان"), ("Ilyas", "إلياس"), ("Walid", "وليد"),
]
FEMALE_FIRST_NAMES = [
    ("Fatima", "فاطمة"), ("Khadija", "خديجة"), ("Salma", "سلمى"), ("Meryem", "مريم"),
    ("Zineb", "زينب"), ("Naima", "نعيمة"), ("Hanane", "حنان"), ("Samira", "سميرة"),
    ("Latifa", "لطيفة"), ("Imane", "إيمان"), ("Sanaa", "سناء"), ("Houda", "هدى"),
    ("Asmae", "أسماء"), ("Nadia", "نادية"), ("Ghizlane", "غزلان"), ("Amina", "أمينة"),
]
LAST_NAMES = [
    ("Alaoui", "العلوي"), ("Bennani", "بناني"), ("Tazi", "التازي"), ("El Idrissi", "الإدريسي"),
    ("Benjelloun", "بنجلون"), ("Chraibi", "الشرايبي"), ("Berrada", "برادة"),
    ("El Amrani", "العمراني"), ("Ouazzani", "الوزاني"), ("Lahlou", "لحلو"),
    ("El Fassi", "الفاسي"), ("Bouzidi", "البوزيدي"), ("Mansouri", "المنصوري"),
    ("Benali", "بنعلي"), ("Haddad", "الحداد"), ("Naciri", "الناصري"), ("Ziani", "الزياني"),
    ("Kettani", "الكتاني"), ("Sebti", "السبتي"), ("Benkirane", "بنكيران"),
    ("El Ouafi", "الوافي"), ("Boukhari", "البخاري"), ("Rami", "الرامي"), ("Saidi", "السعيدي"),
    ("Tahiri", "الطاهري"), ("El Khattabi", "الخطابي"), ("Belhaj", "بلحاج"),
    ("Ait Ali", "آيت علي"), ("Ait Brahim", "آيت إبراهيم"), ("Ouali", "الوالي"),
    ("Jabri", "الجابري"), ("Hajji", "الحجي"), ("Karimi", "الكريمي"), ("Lamrani", "اللمراني"),
    ("Moussaoui", "الموساوي"), ("Ennaji", "الناجي"), ("Daoudi", "الداودي"),
    ("Filali", "الفيلالي"), ("Hamdaoui", "الحمداوي"), ("Skalli", "السقلي"),
    ("Slaoui", "السلاوي"), ("Rifi", "الريفي"), ("Zerouali", "الزروالي"), ("Bakkali", "البقالي"),
    ("Chaoui", "الشاوي"), ("Doukkali", "الدكالي"), ("Alami", "العلمي"), ("Bouazza", "بوعزة"),
    ("Kabbaj", "القباج"), ("Ouahbi", "الوهبي"), ("Yacoubi", "اليعقوبي"), ("Sqalli", "الصقلي"),
    ("Bouchta", "بوشتى"), ("Ezzahraoui", "الزهراوي"), ("Amzil", "أمزيل"), ("Oufkir", "أوفقير"),
    ("Toufiq", "توفيق"), ("Ghazali", "الغزالي"), ("Mernissi", "المرنيسي"), ("Soussi", "السوسي"),
]

# (French, Arabic, English, [(equipment, lowest unit price, highest unit price), ...])
SECTORS = [
    ("Boulangerie", "مخبزة", "Bakery",
     [("Four à pain", 15000, 45000), ("Pétrin", 6000, 18000), ("Façonneuse", 5000, 12000),
      ("Chambre de pousse", 4000, 9000), ("Balance", 400, 1500)]),
    ("Couture", "خياطة", "Tailoring",
     [("Machine à coudre industrielle", 3500, 9000), ("Surjeteuse", 3000, 7000),
      ("Table de coupe", 1200, 3000), ("Fer à repasser vapeur", 800, 2500), ("Mannequin", 300, 900)]),
    ("Menuiserie", "نجارة", "Carpentry",
     [("Scie circulaire", 2500, 8000), ("Raboteuse", 6000, 20000), ("Perceuse à colonne", 2000, 6000),
      ("Établi", 900, 2500), ("Ponceuse", 700, 2000)]),
    ("Coiffure", "حلاقة", "Hairdressing",
     [("Fauteuil de coiffure", 1500, 4000), ("Bac à shampooing", 2000, 5000),
      ("Tondeuse professionnelle", 400, 1200), ("Miroir mural", 500, 1500), ("Sèche-cheveux", 300, 900)]),
    ("Mécanique automobile", "ميكانيك السيارات", "Car mechanics",
     [("Pont élévateur", 18000, 40000), ("Compresseur", 3000, 9000), ("Valise de diagnostic", 4000, 15000),
      ("Caisse à outils", 800, 3000), ("Cric hydraulique", 600, 2000)]),
    ("Soudure", "تلحيم", "Welding",
     [("Poste à souder", 2500, 9000), ("Meuleuse", 500, 1500), ("Tronçonneuse à métaux", 1500, 4000),
      ("Masque de soudure", 200, 800)]),
    ("Électricité du bâtiment", "كهرباء البناء", "Electrical work",
     [("Multimètre", 300, 1200), ("Perforateur", 900, 3000), ("Échelle", 500, 1500),
      ("Caisse à outils d'électricien", 700, 2500)]),
    ("Plomberie", "ترصيص", "Plumbing",
     [("Filière électrique", 2500, 7000), ("Cintreuse", 800, 2500), ("Poste à braser", 700, 2000),
      ("Déboucheur électrique", 1500, 5000)]),
    ("Pâtisserie", "حلويات", "Pastry",
     [("Batteur mélangeur", 4000, 15000), ("Four ventilé", 6000, 20000), ("Vitrine réfrigérée", 8000, 22000),
      ("Plan de travail inox", 1500, 4000)]),
    ("Restauration rapide", "وجبات سريعة", "Fast food",
     [("Friteuse", 1500, 5000), ("Plaque de cuisson", 2000, 6000), ("Réfrigérateur", 3500, 9000),
      ("Chariot de vente", 5000, 15000), ("Hotte aspirante", 2500, 7000)]),
    ("Épicerie", "بقالة", "Grocery",
     [("Réfrigérateur vitré", 5000, 12000), ("Étagères", 1500, 5000), ("Balance électronique", 500, 1500),
      ("Caisse enregistreuse", 1500, 4000)]),
    ("Élevage", "تربية المواشي", "Livestock farming",
     [("Brebis", 1500, 3000), ("Abreuvoir", 300, 1000), ("Mangeoire", 300, 1000),
      ("Bergerie mobile", 4000, 12000)]),
    ("Réparation de téléphones et d'ordinateurs", "إصلاح الهواتف والحواسيب", "Phone and computer repair",
     [("Station de soudage", 1200, 4000), ("Microscope de réparation", 1500, 5000),
      ("Ordinateur portable", 4000, 9000),
      ("Kit d'outils de précision", 300, 1000)]),
]

STREETS = [
    "Rue Ibn Sina", "Avenue Mohammed V", "Rue Al Massira", "Boulevard Hassan II", "Derb Sidi Bouloukat",
    "Rue Oued Sebou", "Lotissement Al Amal", "Hay Al Fath", "Quartier Essalam", "Rue Moulay Ismail",
]

# Prefectures where most files are: weight 4 for the large urban ones, 1 for the others.
URBAN_NAMES = (
    "Casablanca", "Anfa", "Ain", "Hay Hassani", "Ben Msik", "Moulay Rachid", "Sidi Bernoussi",
    "Al Fida", "Rabat", "Salé", "Skhirate", "Fès", "Marrakech", "Tanger", "Agadir", "Meknès",
    "Oujda", "Kénitra", "Tétouan", "Mohammedia", "Safi", "El Jadida", "Béni Mellal", "Nador",
)
