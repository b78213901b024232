"""Calendars: each staff user's private iCal feed of their tasks, meetings and seminars."""
