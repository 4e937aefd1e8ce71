# One date format per language (reintegration/common/dates.py): day first, as in Morocco
# and in the French and Arabic pages, not Django's American month first; 24 hours.
DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "j F Y H:i"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
TIME_FORMAT = "H:i"
