"""The clinic's date and time formats (settings.FORMAT_MODULE_PATH).

One format everywhere a person reads a date: "Nov 30, 2026", "Nov 30, 2026, 2:05 PM".
Templates write ``{{ day|date }}`` and ``{{ moment|date:"DATETIME_FORMAT" }}``; Spanish
patient pages use Django's Spanish formats. Form inputs and CSV files keep ISO 8601.
"""
