"""The activities' models: advice services and appointments (`advice`), events and courses (`events`)."""

from .advice import (
    AdviceService,
    Advisor,
    Appointment,
    AppointmentChange,
    AppointmentWait,
    AvailabilityException,
    Mode,
    WeeklyAvailability,
)
from .events import Attendance, Event, Language, Question, Registration, RegistrationChange, Session

__all__ = [
    "AdviceService",
    "Advisor",
    "Appointment",
    "AppointmentChange",
    "AppointmentWait",
    "Attendance",
    "AvailabilityException",
    "Event",
    "Language",
    "Mode",
    "Question",
    "Registration",
    "RegistrationChange",
    "Session",
    "WeeklyAvailability",
]
