# The clinic's formats in English (see infusionist/formats/__init__.py); Django date syntax.
DATE_FORMAT = "M j, Y"  # Nov 30, 2026
DATETIME_FORMAT = "M j, Y, g:i A"  # Nov 30, 2026, 2:05 PM
TIME_FORMAT = "g:i A"  # 2:05 PM
SHORT_DATE_FORMAT = "M j, Y"
SHORT_DATETIME_FORMAT = "M j, Y, g:i A"
MONTH_DAY_FORMAT = "M j"  # Nov 30
YEAR_MONTH_FORMAT = "M Y"
