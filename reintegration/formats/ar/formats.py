# Django's Arabic formats define no SHORT_DATETIME_FORMAT, so Arabic pages showed the
# American default "11/29/2026 4:55 ص": day first, as the Arabic short date, and 24 h.
SHORT_DATETIME_FORMAT = "d\u200f/m\u200f/Y H:i"
