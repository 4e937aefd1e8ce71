# One date format per language (reintegration/common/dates.py): day/month/year, as the
# French pages write it. Django's Arabic formats put right-to-left marks between the
# parts ("d\u200f/m\u200f/Y"), which lay a date out as year/month/day beside dates
# written without them, spell months the Egyptian way (ديسمبر, not Morocco's دجنبر) and
# define no short date-time (Django then used the American "11/29/2026 4:55 ص").
DATE_FORMAT = "d/m/Y"
SHORT_DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "d/m/Y H:i"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
TIME_FORMAT = "H:i"
