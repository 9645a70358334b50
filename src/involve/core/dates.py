"""The one clock: today's date in Europe/London (settings.TIME_ZONE), for the code and its tests alike.

datetime.date.today() reads the machine's zone (UTC on servers), which is yesterday between 23:00
and midnight in British Summer Time; every "cannot be in the future" rule and every test uses this.
"""

from django.utils import timezone


def today():
    return timezone.localdate()
