from django.contrib import admin

from infusionist.scheduling import models

for model in (
    models.SchedulingSettings,
    models.AppointmentType,
    models.StaffShift,
    models.StaffTimeOff,
    models.AppointmentSeries,
    models.Appointment,
    models.WaitlistEntry,
    models.WaitlistOffer,
):
    admin.site.register(model)
